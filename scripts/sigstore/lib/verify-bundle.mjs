// Verifies one artifact against its Sigstore bundle with @sigstore/verify, and
// turns each way it can fail into a message that says what went wrong.
import crypto from 'node:crypto';
import { bundleFromJSON } from '@sigstore/bundle';
import { toSignedEntity, Verifier, VerificationError } from '@sigstore/verify';

export class Refusal extends Error {
  constructor(kind, message) {
    super(message);
    this.kind = kind; // stable word for scripts and tests
  }
}

function loadBundle(bundleText, bundleName) {
  try {
    return bundleFromJSON(JSON.parse(bundleText));
  } catch (e) {
    throw new Refusal('bad-bundle', `${bundleName} is not a valid Sigstore bundle (${e.message})`);
  }
}

// A release file's bundle is a signature over that file (cosign sign-blob): its
// signed SHA-256 digest must be the file's. Any other kind of bundle is refused
// before anything else: a DSSE envelope (an attestation, such as the workflow's
// build provenance, signed by the very same identity) is verified against its own
// payload, never against the file, so accepting one would let any such bundle
// vouch for any file. Comparing the digest first also names the real problem (the
// file changed) instead of a later, vaguer log-body mismatch.
const SHA2_256 = 1; // HashAlgorithm.SHA2_256 in the bundle's protobuf schema

function checkDigest(bundle, artifact, bundleName) {
  if (bundle.content.$case !== 'messageSignature') {
    throw new Refusal('not-a-signature',
      `${bundleName} holds a ${bundle.content.$case}, not a signature over a file ` +
      '(an attestation or another kind of bundle cannot vouch for a release file)');
  }
  const md = bundle.content.messageSignature.messageDigest;
  if (!md || md.algorithm !== SHA2_256 || !md.digest || md.digest.length !== 32) {
    throw new Refusal('bad-bundle', `${bundleName} carries no SHA-256 digest of the signed file`);
  }
  const actual = crypto.createHash('sha256').update(artifact).digest();
  if (!actual.equals(Buffer.from(md.digest))) {
    throw new Refusal('tampered',
      'the file does not match its signature: its SHA-256 differs from the signed digest ' +
      '(the file was modified or is not the released file)');
  }
}

function explainVerificationError(e) {
  switch (e.code) {
    case 'CERTIFICATE_ERROR':
      return new Refusal('untrusted-ca',
        `the signing certificate was not issued by a trusted Sigstore CA (${e.message})`);
    case 'SIGNATURE_ERROR':
      return new Refusal('tampered',
        'the signature does not match the file (the file was modified or is not the released file)');
    case 'TIMESTAMP_ERROR':
      return new Refusal('timestamp', `no trusted signing time (${e.message})`);
    default:
      if (e.code.startsWith('TLOG')) {
        return new Refusal('tlog',
          `the transparency-log entry does not verify against the trusted Rekor log (${e.message})`);
      }
      return new Refusal('invalid', `verification failed: ${e.code}: ${e.message}`);
  }
}

/**
 * @param {import('@sigstore/verify').TrustMaterial} trust
 * @param {{identity: string, issuer: string}} policy exact values, no patterns
 * @returns {{identity: string, issuer: string, logIndex: string}}
 */
export function verifyArtifact(trust, policy, artifact, bundleText, bundleName) {
  const bundle = loadBundle(bundleText, bundleName);
  checkDigest(bundle, artifact, bundleName);
  const entity = toSignedEntity(bundle, artifact);
  const verifier = new Verifier(trust);
  let signer;
  try {
    // No policy here: @sigstore/verify matches an identity as a regular expression,
    // unanchored (v1.2.3 would accept v1.2.3-rc1 and v1.2.30, "." any character).
    // The chain, the log and the signature are checked; the identity and issuer are
    // then compared below, exactly.
    signer = verifier.verify(entity);
  } catch (e) {
    if (e instanceof VerificationError) throw explainVerificationError(e);
    throw e;
  }
  const got = signer.identity || {};
  const gotId = got.subjectAlternativeName;
  const gotIss = got.extensions && got.extensions.issuer;
  if (gotIss !== policy.issuer) {
    throw new Refusal('wrong-issuer',
      `certificate OIDC issuer is "${gotIss}", expected "${policy.issuer}"`);
  }
  if (gotId !== policy.identity) {
    throw new Refusal('wrong-identity', `signed by identity "${gotId}", expected "${policy.identity}"`);
  }
  const entry = bundle.verificationMaterial.tlogEntries[0];
  return {
    identity: gotId,
    issuer: gotIss,
    logIndex: entry ? String(entry.logIndex) : '?',
  };
}
