// Checks that every variable named in $HOLD_NAMES holds exactly the value in
// $HOLD_DIR/<name>, sets each name in $HOLD_SET from its file through process.env
// (setenv), checks that a child process sees all of them, prints "ready", waits
// for EOF on stdin and exits with $HOLD_EXIT. Prints names, never values.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const dir = process.env.HOLD_DIR;
for (const name of process.env.HOLD_NAMES.split(/\s+/).filter(Boolean)) {
  const want = fs.readFileSync(path.join(dir, name), 'utf8');
  if (process.env[name] !== want) {
    process.stdout.write(`mismatch ${name}\n`);
    process.exit(3);
  }
}
process.stdout.write('values-ok\n');
for (const name of (process.env.HOLD_SET || '').split(/\s+/).filter(Boolean)) {
  process.env[name] = fs.readFileSync(path.join(dir, name), 'utf8');
}
const child = spawnSync('/bin/sh', [process.env.HOLD_CHILD], { stdio: 'inherit' });
process.stdout.write(child.status === 0 ? 'child-ok\n' : 'child-failed\n');
process.stdout.write('ready\n');
process.stdin.on('data', () => {});
process.stdin.on('end', () => process.exit(Number(process.env.HOLD_EXIT)));
