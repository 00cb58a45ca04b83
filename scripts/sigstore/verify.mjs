#!/usr/bin/env node
// Verifies release files against their Sigstore bundles (FILE.sigstore.json)
// with the official sigstore-js verifier: certificate chain to the trusted CA,
// SCT, transparency-log inclusion, signature, then the exact identity and issuer.
// Trust comes from --trusted-root FILE (air-gapped) or Sigstore's public TUF
// repository. Prints one line per file; exits 1 if any file fails, 2 on misuse.
//
// usage: verify.mjs --identity URI --issuer URL [--trusted-root FILE] FILE...
import fs from 'node:fs';
import path from 'node:path';
import protobuf from '@sigstore/protobuf-specs';
import { getTrustedRoot } from '@sigstore/tuf';
import { toTrustMaterial } from '@sigstore/verify';
import { parseArgs } from './lib/args.mjs';
import { Refusal, verifyArtifact } from './lib/verify-bundle.mjs';

async function loadTrust(file) {
  if (!file) return toTrustMaterial(await getTrustedRoot());
  let json;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read trusted root ${file}: ${e.message}`);
  }
  return toTrustMaterial(protobuf.TrustedRoot.fromJSON(json));
}

function verifyOne(trust, policy, file) {
  const name = path.basename(file);
  const bundleFile = `${file}.sigstore.json`;
  if (!fs.existsSync(file)) throw new Refusal('missing-file', `file ${name} is missing`);
  if (!fs.existsSync(bundleFile)) {
    throw new Refusal('missing-bundle', `no signature bundle: ${path.basename(bundleFile)} is missing`);
  }
  return verifyArtifact(trust, policy, fs.readFileSync(file), fs.readFileSync(bundleFile, 'utf8'),
    path.basename(bundleFile));
}

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2), { options: ['identity', 'issuer', 'trusted-root'] });
    if (!args.identity || !args.issuer || args._.length === 0) throw new Error('missing arguments');
  } catch (e) {
    console.error(`verify: ${e.message}\nusage: verify.mjs --identity URI --issuer URL [--trusted-root FILE] FILE...`);
    return 2;
  }
  let trust;
  try {
    trust = await loadTrust(args['trusted-root']);
  } catch (e) {
    console.error(`FAIL trust: ${e.message}`);
    return 1;
  }
  const policy = { identity: args.identity, issuer: args.issuer };
  let failed = 0;
  for (const file of args._) {
    const name = path.basename(file);
    try {
      const r = verifyOne(trust, policy, file);
      console.log(`ok   ${name}: signature by ${r.identity} (issuer ${r.issuer}, Rekor index ${r.logIndex})`);
    } catch (e) {
      failed++;
      const kind = e instanceof Refusal ? e.kind : 'error';
      console.log(`FAIL ${name}: [${kind}] ${e.message}`);
    }
  }
  return failed ? 1 : 0;
}

main().then((rc) => process.exit(rc), (e) => {
  console.error(`verify: ${e.stack || e.message}`);
  process.exit(1);
});
