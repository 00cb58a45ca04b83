#!/usr/bin/env node
// Signs files the way the release workflow's `cosign sign-blob --bundle` does
// (keyless: ephemeral key, Fulcio certificate for the workflow identity, Rekor
// entry), but against in-process mock services, with no network. Writes
// FILE.sigstore.json next to each FILE and the TrustedRoot that verifies them.
//
// usage: mock-sign.mjs --identity URI [--issuer URL] --trusted-root OUT
//                      [--other-ca-root OUT] FILE...
import fs from 'node:fs';
import { bundleToJSON } from '@sigstore/bundle';
import { FulcioSigner, MessageSignatureBundleBuilder, RekorWitness } from '@sigstore/sign';
import { parseArgs } from './lib/args.mjs';
import { FULCIO_URL, REKOR_URL, startMockServices } from './lib/mock-services.mjs';
import { unsignedWorkflowToken } from './lib/oidc.mjs';

const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';

async function main() {
  const args = parseArgs(process.argv.slice(2), {
    options: ['identity', 'issuer', 'trusted-root', 'other-ca-root'],
  });
  if (!args.identity || !args['trusted-root'] || args._.length === 0) {
    throw new Error('usage: mock-sign.mjs --identity URI [--issuer URL] --trusted-root OUT [--other-ca-root OUT] FILE...');
  }
  const issuer = args.issuer || GITHUB_ISSUER;
  const services = await startMockServices();
  try {
    const token = unsignedWorkflowToken({ identity: args.identity, issuer });
    const builder = new MessageSignatureBundleBuilder({
      signer: new FulcioSigner({
        identityProvider: { getToken: async () => token },
        fulcioBaseURL: FULCIO_URL,
        retry: 0,
      }),
      witnesses: [new RekorWitness({ rekorBaseURL: REKOR_URL, retry: 0 })],
    });
    for (const file of args._) {
      services.expectSignature();
      const bundle = await builder.create({ data: fs.readFileSync(file) });
      fs.writeFileSync(`${file}.sigstore.json`, JSON.stringify(bundleToJSON(bundle)) + '\n');
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
