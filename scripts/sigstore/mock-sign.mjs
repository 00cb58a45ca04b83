#!/usr/bin/env node
// Signs files the way the release workflow's `cosign sign-blob --bundle` does
// (keyless: ephemeral key, Fulcio certificate for the workflow identity, Rekor
// entry), but against in-process mock services, with no network. Writes
// FILE.sigstore.json next to each FILE and the TrustedRoot that verifies them.
//
// --attestation OUT also writes what the workflow's attestation steps publish under
// the same identity: one DSSE bundle of an in-toto statement (SLSA provenance) whose
// subjects are the FILEs. It is no signature over any one file; the verifier must
// refuse it as one.
//
// usage: mock-sign.mjs --identity URI [--issuer URL] --trusted-root OUT
//                      [--other-ca-root OUT] [--attestation OUT] FILE...
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { bundleToJSON } from '@sigstore/bundle';
import {
  DSSEBundleBuilder, FulcioSigner, MessageSignatureBundleBuilder, RekorWitness,
} from '@sigstore/sign';
import { parseArgs } from './lib/args.mjs';
import { FULCIO_URL, REKOR_URL, startMockServices } from './lib/mock-services.mjs';
import { unsignedWorkflowToken } from './lib/oidc.mjs';

const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';

async function main() {
  const args = parseArgs(process.argv.slice(2), {
    options: ['identity', 'issuer', 'trusted-root', 'other-ca-root', 'attestation'],
  });
  if (!args.identity || !args['trusted-root'] || args._.length === 0) {
    throw new Error('usage: mock-sign.mjs --identity URI [--issuer URL] --trusted-root OUT ' +
      '[--other-ca-root OUT] [--attestation OUT] FILE...');
  }
  const issuer = args.issuer || GITHUB_ISSUER;
  const services = await startMockServices();
  try {
    const token = unsignedWorkflowToken({ identity: args.identity, issuer });
    const signer = () => new FulcioSigner({
      identityProvider: { getToken: async () => token },
      fulcioBaseURL: FULCIO_URL,
      retry: 0,
    });
    const builder = new MessageSignatureBundleBuilder({
      signer: signer(),
      witnesses: [new RekorWitness({ rekorBaseURL: REKOR_URL, retry: 0 })],
    });
    for (const file of args._) {
      services.expectSignature();
      const bundle = await builder.create({ data: fs.readFileSync(file) });
      fs.writeFileSync(`${file}.sigstore.json`, JSON.stringify(bundleToJSON(bundle)) + '\n');
    }
    if (args.attestation) {
      const statement = {
        _type: 'https://in-toto.io/Statement/v1',
        subject: args._.map((f) => ({
          name: path.basename(f),
          digest: { sha256: crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex') },
        })),
        predicateType: 'https://slsa.dev/provenance/v1',
        predicate: { buildDefinition: { buildType: 'https://actions.github.io/buildtypes/workflow/v1' } },
      };
      // The mock log stores in-toto entries as it stores signatures.
      const dsse = new DSSEBundleBuilder({
        signer: signer(),
        witnesses: [new RekorWitness({ rekorBaseURL: REKOR_URL, retry: 0, entryType: 'intoto' })],
      });
      services.expectSignature();
      const bundle = await dsse.create({
        data: Buffer.from(JSON.stringify(statement)), type: 'application/vnd.in-toto+json',
      });
      fs.writeFileSync(args.attestation, JSON.stringify(bundleToJSON(bundle)) + '\n');
    }
    fs.writeFileSync(args['trusted-root'], JSON.stringify(services.trustedRoot(), null, 1) + '\n');
    if (args['other-ca-root']) {
      const other = await services.otherCATrustedRoot();
      fs.writeFileSync(args['other-ca-root'], JSON.stringify(other, null, 1) + '\n');
    }
  } finally {
    services.stop();
  }
}

main().catch((e) => {
  console.error(`mock-sign: ${e.message}`);
  process.exit(1);
});
