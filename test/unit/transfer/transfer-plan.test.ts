import { expect } from 'chai';
import { cachePath, checkSourceAllowed, describeSource, parseDigest } from '../../../src/transfer/transfer-plan.js';
import { ERROR_REASONS } from '../../../src/api/v1alpha1/condition.js';
import {
  DigestMismatchError, InsufficientStorageError, SchemeNotAllowedError, SourceChangedError, SourceForbiddenError, SourceNotFoundError, SourceUnavailableError,
  TransferCancelledError, TransferStalledError,
} from '../../../src/transfer/transfer-errors.js';
import { overallBytes, overallPhase, type DestinationProgress } from '../../../src/transfer/transfer-progress.js';

const hex = 'c0ffee'.padEnd(64, '0');

function destination(phase: DestinationProgress['phase'], bytesTransferred: number): DestinationProgress {
  return { host: 'h', path: '/p', phase, bytesTransferred, bytesSent: 0, attempts: 1, resumedFromBytes: 0, verified: false, alreadyPresent: false };
}

describe('[REQ-04] transfer plan and progress', () => {
  it('names the cache file by digest under the cache directory', () => {
    expect(cachePath('/var/lib/virtfleet/images/', hex)).to.equal(`/var/lib/virtfleet/images/sha256-${hex}`);
  });

  it('parses sha256:<hex> and names the expected form otherwise', () => {
    expect(parseDigest(`sha256:${hex}`)).to.equal(hex);
    for (const bad of [hex, `sha256:${hex.toUpperCase()}`, `sha512:${hex}`, 'sha256:abc']) {
      expect(() => parseDigest(bad)).to.throw(TypeError, 'is not of the form sha256:<64 lowercase hex digits>');
    }
  });

  it('refuses a URL scheme outside the allowlist with the allowed list, and schemes the engine cannot read', () => {
    expect(() => checkSourceAllowed({ kind: 'url', url: 'https://example.test/a' }, ['https'])).to.not.throw();
    expect(() => checkSourceAllowed({ kind: 'url', url: 'http://example.test/a' }, ['https'])).to.throw(SchemeNotAllowedError, 'allowedUrlSchemes is [https]');
    expect(() => checkSourceAllowed({ kind: 'url', url: 'file:///etc/passwd' }, ['https', 'file'])).to.throw(SchemeNotAllowedError);
  });

  it('never shows user info or a query of a URL', () => {
    expect(describeSource({ kind: 'url', url: 'https://user:secret@example.test/img.raw?token=abc' })).to.equal('https://example.test/img.raw');
  });

  it('reports the slowest live destination and the overall phase', () => {
    expect(overallBytes([destination('Transferring', 10), destination('Transferring', 30), destination('Failed', 1)])).to.equal(10);
    expect(overallPhase([destination('Succeeded', 1), destination('Failed', 1)])).to.equal('Failed');
    expect(overallPhase([destination('Succeeded', 1), destination('Retrying', 1)])).to.equal('Transferring');
    expect(overallPhase([destination('Succeeded', 1), destination('Verifying', 1)])).to.equal('Verifying');
    expect(overallPhase([destination('Succeeded', 1)])).to.equal('Succeeded');
  });
});

describe('[REQ-04] transfer error reasons', () => {
  it('takes every transfer error reason from ERROR_REASONS and says which errors are retried', () => {
    const errors = [
      new SourceNotFoundError('s', 'd'), new SourceForbiddenError('s', 'd'), new SourceUnavailableError('s', 'd'), new SourceChangedError('s', 'd'),
      new SchemeNotAllowedError('ftp', ['https']), new DigestMismatchError('h', 'a', 'b'), new InsufficientStorageError('h', '/d', 1, 2),
      new TransferStalledError('h', 5), new TransferCancelledError(),
    ];
    const reasons = new Set<string>(Object.values(ERROR_REASONS));
    for (const error of errors) expect(reasons.has(error.reason), error.name).to.equal(true);
    expect(errors.filter((error) => error.retryable).map((error) => error.reason)).to.deep.equal(['SourceUnavailable', 'Stalled']);
  });
});
