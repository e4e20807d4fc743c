import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_REASONS, HOST_REASONS } from '../../../src/api/v1alpha1/condition.js';
import { HostCredentialsError, HostNotFoundError } from '../../../src/errors/host-errors.js';
import { InvalidSpecError } from '../../../src/errors/invalid-spec-error.js';
import { HostKeyMismatchError, SshAlgorithmError, SshAuthError, SshChannelRefusedError, SshConnectError, SshCredentialsError, SshTimeoutError } from '../../../src/errors/ssh-errors.js';
import { LibvirtConnectionError, LibvirtTimeoutError } from '../../../src/libvirt/libvirt-error.js';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

describe('[REQ-01] condition reasons are defined once', () => {
  it('has no error class under src/ that spells its reason as a string literal', () => {
    const literal = /\breason\s*=\s*['"`]/;
    const offenders = sourceFiles('src').filter((path) => literal.test(readFileSync(path, 'utf8')));
    expect(offenders).to.deep.equal([]);
  });

  it('gives the typed errors reasons from ERROR_REASONS, shared with the Host reasons', () => {
    const reasons = new Set<string>(Object.values(ERROR_REASONS));
    const errors = [
      new SshConnectError('h', 'm'),
      new SshAuthError('h', 'm'),
      new HostKeyMismatchError('h', 'SHA256:x'),
      new SshAlgorithmError('h', 'm'),
      new SshTimeoutError('h', 'm'),
      new SshCredentialsError('h', 'm'),
      new SshChannelRefusedError('h', 'm'),
      new InvalidSpecError('spec.x', 'm'),
      new HostNotFoundError('h'),
      new HostCredentialsError('h', HOST_REASONS.CredentialsNotFound, { namespace: 'n', name: 's' }, 'm'),
      new LibvirtConnectionError('m'),
      new LibvirtTimeoutError('m'),
    ];
    for (const error of errors) expect(reasons.has(error.reason), `${error.name}: ${error.reason}`).to.equal(true);
    expect(HOST_REASONS.HostKeyMismatch).to.equal(ERROR_REASONS.HostKeyMismatch);
  });
});
