import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprintOf, pinHostKeys } from '../../../src/security/host-key-policy.js';
import { isRetryable } from '../../../src/errors/operator-error.js';
import { HostKeyMismatchError, SshAlgorithmError, SshAuthError, SshCredentialsError } from '../../../src/errors/ssh-errors.js';
import { generateKey, startTestSshd, type KeyPair, type TestSshd } from '../../support/sshd/index.js';
import { auditedSession, rejectionOf, shippedSshConfig, targetFor } from './support.js';

describe('[REQ-05] ssh transport security defaults (real sshd)', function () {
  this.timeout(60_000);
  let sshd: TestSshd;
  let dir: string;
  const keys: Record<string, KeyPair & { passphrase?: string }> = {};

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ssh-security-keys-'));
    keys['ecdsa'] = await generateKey(dir, 'ecdsa', 'ecdsa');
    keys['rsa-pem'] = await generateKey(dir, 'rsa-pem', 'rsa', { pem: true });
    keys['ed25519-passphrase'] = { ...(await generateKey(dir, 'ed-pass', 'ed25519', { passphrase: 'correct horse' })), passphrase: 'correct horse' };
    keys['rsa-pem-passphrase'] = { ...(await generateKey(dir, 'rsa-pass', 'rsa', { pem: true, passphrase: 'battery' })), passphrase: 'battery' };
    sshd = await startTestSshd({ authorizedKeys: Object.values(keys).map((k) => k.publicKey) });
  });
  after(async () => {
    await sshd?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a host whose key is not pinned before any authentication attempt, and audits it as denied', async () => {
    const impostor = await generateKey(sshd.dir, 'impostor', 'ed25519');
    const { session, records } = auditedSession(targetFor(sshd, { hostKeys: pinHostKeys([impostor.publicKey]) }));
    const error = await rejectionOf(session.connect());
    session.close();
    expect(error).to.be.instanceOf(HostKeyMismatchError);
    expect(isRetryable(error)).to.equal(false);
    const presented = fingerprintOf(Buffer.from(sshd.hostKey.publicKey.split(' ')[1] ?? '', 'base64'));
    expect((error as HostKeyMismatchError).presentedFingerprint).to.equal(presented);
    expect(error.message).to.include(`host key ${presented} is not among the pinned host keys`);
    const log = await sshd.log();
    expect(log).to.not.match(/publickey for virtfleet-test/);
    expect(records().at(-1)).to.include({ action: 'ssh.connect', outcome: 'denied' });
  });

  it('accepts the host when its key is pinned by SHA256 fingerprint', async () => {
    const fingerprint = (await import('node:child_process')).execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${sshd.hostKey.path}.pub`]).toString().split(' ')[1] ?? '';
    const { session } = auditedSession(targetFor(sshd, { hostKeys: pinHostKeys([fingerprint]) }));
    await session.connect();
    expect(session.connectionInfo?.hostKeyFingerprint).to.equal(fingerprint);
    session.close();
  });

  it('reports a client key the host does not accept as SshAuthError', async () => {
    const stranger = await generateKey(sshd.dir, 'stranger', 'ed25519');
    const { session } = auditedSession(targetFor(sshd, { privateKey: stranger.privateKey }));
    const error = await rejectionOf(session.connect());
    session.close();
    expect(error).to.be.instanceOf(SshAuthError);
    expect(isRetryable(error)).to.equal(false);
    expect(error.message, 'names the account that refused').to.contain(`${sshd.user}@${sshd.address}:${sshd.port} refused our key`);
  });

  it('reports a wrong passphrase as a credentials problem, audited without a connection attempt', async () => {
    const connections = async (): Promise<number> => (await sshd.log()).split('\n').filter((line) => line.startsWith('Connection from')).length;
    const before = await connections();
    const key = keys['ed25519-passphrase'];
    const { session, records } = auditedSession(targetFor(sshd, { privateKey: key?.privateKey ?? '', passphrase: 'wrong' }));
    const error = await rejectionOf(session.connect());
    session.close();
    expect(error).to.be.instanceOf(SshCredentialsError);
    expect(isRetryable(error)).to.equal(false);
    expect(error.message).to.match(/cannot read the private key/);
    expect(records().map((r) => [r.action, r.outcome])).to.deep.equal([['ssh.credentials', 'failure']]);
    expect(await connections(), 'sshd saw no connection').to.equal(before);
  });

  for (const name of ['ecdsa', 'rsa-pem', 'ed25519-passphrase', 'rsa-pem-passphrase']) {
    it(`authenticates with a ${name} private key`, async () => {
      const key = keys[name];
      const { session } = auditedSession(targetFor(sshd, { privateKey: key?.privateKey ?? '', ...(key?.passphrase ? { passphrase: key.passphrase } : {}) }));
      const result = await session.exec(['id', '-un']);
      session.close();
      expect(result.stdout.trim()).to.equal(sshd.user);
    });
  }

  it('negotiates a cipher from the AEAD allowlist', async () => {
    const { session } = auditedSession(targetFor(sshd));
    await session.connect();
    expect(['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'chacha20-poly1305@openssh.com']).to.include(session.connectionInfo?.negotiated.cipher);
    session.close();
  });

  it('uses the one allowed cipher a server insists on', async () => {
    const strict = await startTestSshd({ extraConfig: ['Ciphers chacha20-poly1305@openssh.com'] });
    const { session } = auditedSession(targetFor(strict));
    try {
      await session.connect();
      expect(session.connectionInfo?.negotiated.cipher).to.equal('chacha20-poly1305@openssh.com');
    } finally {
      session.close();
      await strict.stop();
    }
  });

  it('refuses a server limited to a CTR cipher with an error naming its offer and our allowlist, audited as denied', async () => {
    const legacy = await startTestSshd({ extraConfig: ['Ciphers aes128-ctr', 'MACs hmac-sha2-256'] });
    const { session, records } = auditedSession(targetFor(legacy));
    try {
      const error = await rejectionOf(session.connect());
      expect(error).to.be.instanceOf(SshAlgorithmError);
      expect(error.message).to.equal(
        'ssh test-host: no common client-to-server cipher: the server offers aes128-ctr; ' +
          'our allowlist (ssh_config.yaml algorithms.ciphers) is aes128-gcm@openssh.com, aes256-gcm@openssh.com, chacha20-poly1305@openssh.com',
      );
      expect((error as SshAlgorithmError).mismatch).to.deep.equal({
        what: 'client-to-server cipher',
        serverOffer: ['aes128-ctr'],
        allowlist: ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'chacha20-poly1305@openssh.com'],
        configKey: 'ciphers',
      });
      expect(isRetryable(error)).to.equal(false);
      expect(records().at(-1)).to.include({ action: 'ssh.connect', outcome: 'denied', error: error.message });
    } finally {
      session.close();
      await legacy.stop();
    }
  });

  it('names both key-exchange lists when the server offers no allowed key exchange', async () => {
    const legacy = await startTestSshd({ extraConfig: ['KexAlgorithms diffie-hellman-group14-sha256,diffie-hellman-group16-sha512'] });
    const { session, records } = auditedSession(targetFor(legacy));
    try {
      const error = await rejectionOf(session.connect());
      expect(error).to.be.instanceOf(SshAlgorithmError);
      const mismatch = (error as SshAlgorithmError).mismatch;
      expect(mismatch?.what).to.equal('key exchange algorithm');
      expect(mismatch?.serverOffer).to.include.members(['diffie-hellman-group14-sha256', 'diffie-hellman-group16-sha512']);
      expect(mismatch?.allowlist).to.deep.equal(shippedSshConfig.algorithms.kex);
      expect(error.message).to.match(/the server offers diffie-hellman-group14-sha256, diffie-hellman-group16-sha512\b/);
      expect(error.message).to.include(`our allowlist (ssh_config.yaml algorithms.kex) is ${shippedSshConfig.algorithms.kex.join(', ')}`);
      expect(records().at(-1)).to.include({ action: 'ssh.connect', outcome: 'denied' });
    } finally {
      session.close();
      await legacy.stop();
    }
  });
});
