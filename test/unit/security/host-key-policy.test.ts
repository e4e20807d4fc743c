import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { fingerprintOf, isPinned, pinHostKeys } from '../../../src/security/host-key-policy.js';

describe('[REQ-05] pinned host keys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'virtfleet-hostkey-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const makeKey = (name: string, type: string): { line: string; blob: Buffer; sshKeygenFingerprint: string } => {
    execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', join(dir, name)]);
    const line = readFileSync(join(dir, `${name}.pub`), 'utf8').trim();
    const fingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, `${name}.pub`)]).toString().split(' ')[1] ?? '';
    return { line, blob: Buffer.from(line.split(' ')[1] ?? '', 'base64'), sshKeygenFingerprint: fingerprint };
  };

  it('computes the same SHA256 fingerprint as ssh-keygen -l', () => {
    const key = makeKey('a', 'ed25519');
    expect(fingerprintOf(key.blob)).to.equal(key.sshKeygenFingerprint);
  });

  it('trusts a key pinned either as a public-key line or as its fingerprint, and nothing else', () => {
    const ed = makeKey('ed', 'ed25519');
    const ecdsa = makeKey('ec', 'ecdsa');
    const other = makeKey('other', 'ed25519');
    const byLine = pinHostKeys([ed.line]);
    const byFingerprint = pinHostKeys([ecdsa.sshKeygenFingerprint]);
    expect(isPinned(byLine, ed.blob)).to.equal(true);
    expect(isPinned(byFingerprint, ecdsa.blob)).to.equal(true);
    expect(isPinned(byLine, other.blob)).to.equal(false);
    expect(isPinned(byFingerprint, ed.blob)).to.equal(false);
  });

  it('refuses an empty pin list: there is no trust on first use', () => {
    expect(() => pinHostKeys([])).to.throw(TypeError, /at least one pinned host key/);
  });

  it('names the malformed entry instead of ignoring it', () => {
    expect(() => pinHostKeys(['SHA256:tooShort'])).to.throw(TypeError, /hostKeys\[0\]/);
    expect(() => pinHostKeys([makeKey('ok', 'ed25519').line, 'ssh-ed25519'])).to.throw(TypeError, /hostKeys\[1\]/);
  });
});
