// Minimal "--name value" / "--flag" parser shared by the command-line tools.
export function parseArgs(argv, { flags = [], options = [] }) {
  const out = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      out._.push(a);
      continue;
    }
    const name = a.slice(2);
    if (flags.includes(name)) {
      out[name] = true;
    } else if (options.includes(name)) {
      if (i + 1 >= argv.length) throw new Error(`option --${name} needs a value`);
      out[name] = argv[++i];
    } else {
      throw new Error(`unknown option ${a}`);
    }
  }
  return out;
}
