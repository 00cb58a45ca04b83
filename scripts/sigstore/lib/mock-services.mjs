// In-process Fulcio (CA + CT log) and Rekor (transparency log) from
// @sigstore/mock, reached through nock at their usual URLs. Every key is
// ephemeral; the TrustedRoot that vouches for them is built from the same objects,
// so a bundle verifies against it and against nothing else.
import crypto from 'node:crypto';
import nock from 'nock';
import mockPkg from '@sigstore/mock';
import { mock } from '@sigstore/mock/dist/mock.js';
import { trustedRootJSON } from './trust-root.mjs';

const { fulcioHandler, initializeCA, initializeCTLog, initializeTLog, rekorHandler } = mockPkg;

export const FULCIO_URL = 'https://fulcio.sigstore.dev';
export const REKOR_URL = 'https://rekor.sigstore.dev';

const newKeyPair = () => crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

export async function startMockServices() {
  nock.disableNetConnect(); // nothing may leave this process
  const ctlog = await initializeCTLog(newKeyPair());
  const ca = await initializeCA(newKeyPair(), ctlog);
  const tlog = await initializeTLog(REKOR_URL, newKeyPair());
  const fulcio = fulcioHandler(ca, { strict: true });
  const rekor = rekorHandler(tlog, { strict: true });
  const validFrom = new Date(Date.now() - 3600 * 1000);
  const where = { rekorURL: REKOR_URL, fulcioURL: FULCIO_URL, validFrom };
  return {
    // One certificate request and one log entry per signature: mock() registers
    // a single-use interceptor for each.
    expectSignature() {
      mock(FULCIO_URL, fulcio);
      mock(REKOR_URL, rekor);
    },
    trustedRoot: () => trustedRootJSON(ca, ctlog, tlog, where),
    // Same logs, but a CA that never issued anything: verifiers must reject.
    async otherCATrustedRoot() {
      const other = await initializeCA(newKeyPair(), ctlog);
      return trustedRootJSON(other, ctlog, tlog, where);
    },
    stop() {
      nock.cleanAll();
      nock.enableNetConnect();
    },
  };
}
