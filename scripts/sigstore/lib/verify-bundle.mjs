// Verifies one artifact against its Sigstore bundle with @sigstore/verify, and
// turns each way it can fail into a message that says what went wrong.
import crypto from 'node:crypto';
import { bundleFromJSON } from '@sigstore/bundle';
import { PolicyError, toSignedEntity, Verifier, VerificationError } from '@sigstore/verify';

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

// The signed digest is in the bundle: comparing it first names the real problem
// (the file changed) instead of a later, vaguer log-body mismatch.
function checkDigest(bundle, artifact) {
  if (bundle.content.$case !== 'messageSignature') return;
  const md = bundle.content.messageSignature.messageDigest;
  if (!md) return;
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
  checkDigest(bundle, artifact);
  const entity = toSignedEntity(bundle, artifact);
  const verifier = new Verifier(trust);
  const want = { subjectAlternativeName: policy.identity, extensions: { issuer: policy.issuer } };
  let signer;
  try {
    signer = verifier.verify(entity, want);
  } catch (e) {
    if (e instanceof PolicyError) {
      // The chain, log and signature are fine: say whose signature it is.
      const got = verifier.verify(entity).identity || {};
      const gotId = got.subjectAlternativeName;
      const gotIss = got.extensions && got.extensions.issuer;
      if (gotIss !== policy.issuer) {
        throw new Refusal('wrong-issuer',
          `certificate OIDC issuer is "${gotIss}", expected "${policy.issuer}"`);
      }
      throw new Refusal('wrong-identity',
        `signed by identity "${gotId}", expected "${policy.identity}"`);
    }
    if (e instanceof VerificationError) throw explainVerificationError(e);
    throw e;
  }
  const entry = bundle.verificationMaterial.tlogEntries[0];
  return {
    identity: signer.identity.subjectAlternativeName,
    issuer: signer.identity.extensions.issuer,
    logIndex: entry ? String(entry.logIndex) : '?',
  };
}
