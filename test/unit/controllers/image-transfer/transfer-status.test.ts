import { expect } from 'chai';
import { desiredTransferStatus, formatDuration, formatProgress, formatRate } from '../../../../src/controllers/image-transfer/transfer-status.js';
import { transferObject } from './transfer-test-doubles.js';

describe('[REQ-01][REQ-04] ImageTransfer status: CDI-like progress, rate and eta; counts never go backwards', () => {
  for (const [bytes, expected] of [[0, '0B/s'], [1023, '1023B/s'], [1536, '1.5KiB/s'], [112 * 2 ** 20, '112MiB/s'], [3.25 * 2 ** 30, '3.3GiB/s']] as const) {
    it(`formats ${bytes} B/s as ${expected}`, () => expect(formatRate(bytes)).to.equal(expected));
  }
  for (const [ms, expected] of [[0, '0s'], [999, '1s'], [90_000, '1m30s'], [3_600_000, '1h0m0s'], [3_725_000, '1h2m5s']] as const) {
    it(`formats ${ms} ms as ${expected}`, () => expect(formatDuration(ms)).to.equal(expected));
  }
  for (const [done, total, expected] of [[0, 100, '0%'], [999, 1000, '99%'], [1000, 1000, '100%'], [5, 0, '100%'], [0, 0, '0%']] as const) {
    it(`${done} of ${total} bytes is ${expected}`, () => expect(formatProgress(done, total)).to.equal(expected));
  }

  it('a new job counting from zero does not lower bytesTransferred of the status before it', () => {
    const transfer = transferObject('img', { destinations: [{ host: 'hv1' }] });
    transfer.status = { phase: 'Transferring', bytesTotal: 100, bytesTransferred: 60, destinations: [{ host: 'hv1', bytesTransferred: 60, resumedFromBytes: 0 }] };
    const status = desiredTransferStatus(transfer, {
      kind: 'running', startedAt: 0, rateBytesPerSecond: 0, base: new Map(),
      progress: { phase: 'Pending', bytesTotal: 0, bytesTransferred: 0, source: { bytesRead: 0, rangedReads: 0 }, destinations: [{ host: 'hv1', path: '/p', phase: 'Pending', bytesTransferred: 0, bytesSent: 0, attempts: 0, resumedFromBytes: 0, verified: false, alreadyPresent: false }] },
    }, new Date(0));
    expect(status).to.include({ bytesTotal: 100, bytesTransferred: 60, progress: '60%' });
    expect(status.destinations?.[0]).to.include({ bytesTransferred: 60 });
  });

  it('shows the digest the engine computed on the source host when the spec names none, and only then', () => {
    const progress = { phase: 'Transferring' as const, bytesTotal: 10, bytesTransferred: 0, sha256: 'cd'.repeat(32), source: { bytesRead: 0, rangedReads: 0 }, destinations: [] };
    const observation = { kind: 'running' as const, startedAt: 0, rateBytesPerSecond: 0, base: new Map(), progress };
    const computed = desiredTransferStatus(transferObject('img', { source: { host: { name: 'hv1', path: '/a.raw' } }, digest: undefined }), observation, new Date(0));
    expect(computed.sourceDigest).to.equal(`sha256:${'cd'.repeat(32)}`);
    expect(desiredTransferStatus(transferObject('img'), observation, new Date(0))).to.not.have.property('sourceDigest');
  });
});
