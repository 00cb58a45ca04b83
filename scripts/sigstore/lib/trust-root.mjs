// Builds a Sigstore TrustedRoot (the JSON document cosign's --trusted-root and
// @sigstore/verify consume) from the public parts of a CA, a CT log and a
// transparency log. Used for the in-process mock services; the same file format
// is what an air-gapped user copies from a machine that can reach Sigstore's TUF.
import crypto from 'node:crypto';
import protobuf from '@sigstore/protobuf-specs';

const { HashAlgorithm, PublicKeyDetails, TrustedRoot } = protobuf;

export const TRUSTED_ROOT_MEDIA_TYPE = 'application/vnd.dev.sigstore.trustedroot+json;version=0.1';

function logInstance(baseUrl, publicKeyDer, logId, validFrom) {
  return {
    baseUrl,
    hashAlgorithm: HashAlgorithm.SHA2_256,
    publicKey: {
      rawBytes: publicKeyDer,
      keyDetails: PublicKeyDetails.PKIX_ECDSA_P256_SHA_256,
      validFor: { start: validFrom, end: undefined },
    },
    logId: { keyId: logId },
    checkpointKeyId: undefined,
    operator: 'envseal.test',
  };
}

/**
 * @param {{rootCertificate: Buffer}} ca    from @sigstore/mock initializeCA
 * @param {{publicKey: Buffer, logID: ArrayBufferView}} ctlog  initializeCTLog
 * @param {{publicKey: Buffer}} tlog        initializeTLog
 * @param {{rekorURL: string, fulcioURL: string, validFrom: Date}} where
 * @returns {object} TrustedRoot in its JSON form
 */
export function trustedRootJSON(ca, ctlog, tlog, where) {
  const root = {
    mediaType: TRUSTED_ROOT_MEDIA_TYPE,
    tlogs: [
      logInstance(
        where.rekorURL,
        tlog.publicKey,
        crypto.createHash('sha256').update(tlog.publicKey).digest(),
        where.validFrom,
      ),
    ],
    certificateAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'sigstore' },
        uri: where.fulcioURL,
        certChain: { certificates: [{ rawBytes: Buffer.from(ca.rootCertificate) }] },
        validFor: { start: where.validFrom, end: undefined },
        operator: 'envseal.test',
      },
    ],
    ctlogs: [
      logInstance(
        'https://ctfe.sigstore.dev/test',
        ctlog.publicKey,
        Buffer.from(ctlog.logID.buffer, ctlog.logID.byteOffset, ctlog.logID.byteLength),
        where.validFrom,
      ),
    ],
    timestampAuthorities: [],
  };
  return TrustedRoot.toJSON(root);
}
