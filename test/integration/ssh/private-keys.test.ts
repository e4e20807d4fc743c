import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { SshCredentialsError } from '../../../src/errors/ssh-errors.js';
import { generateKey, generatePkcs8Ed25519, startTestSshd, type KeyPair, type TestSshd } from '../../support/sshd/index.js';
import { auditedSession, rejectionOf, targetFor } from './support.js';

type Key = KeyPair & { passphrase?: string };

async function connectionsSeen(sshd: TestSshd): Promise<number> {
  return (await sshd.log()).split('\n').filter((line) => line.startsWith('Connection from')).length;
}

describe('[REQ-02][REQ-05] ssh transport: private key formats and unusable keys (real sshd)', function () {
  this.timeout(60_000);
  let sshd: TestSshd;
  let dir: string;
  const keys: Record<string, Key> = {};

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'virtfleet-keys-'));
    keys['PKCS#8 RSA (ssh-keygen -m PKCS8)'] = await generateKey(dir, 'rsa-pkcs8', 'rsa', { pkcs8: true });
    keys['encrypted PKCS#8 RSA'] = { ...(await generateKey(dir, 'rsa-pkcs8-enc', 'rsa', { pkcs8: true, passphrase: 'correct horse' })), passphrase: 'correct horse' };
    keys['PKCS#8 ECDSA'] = await generateKey(dir, 'ecdsa-pkcs8', 'ecdsa', { pkcs8: true });
    keys['encrypted PKCS#8 ECDSA'] = { ...(await generateKey(dir, 'ecdsa-pkcs8-enc', 'ecdsa', { pkcs8: true, passphrase: 'battery staple' })), passphrase: 'battery staple' };
    keys['PKCS#8 ed25519 (openssl genpkey)'] = await generatePkcs8Ed25519(dir, 'ed-pkcs8');
    keys['encrypted PKCS#8 ed25519'] = { ...(await generatePkcs8Ed25519(dir, 'ed-pkcs8-enc', 'tr0ub4dor')), passphrase: 'tr0ub4dor' };
    sshd = await startTestSshd({ authorizedKeys: Object.values(keys).map((k) => k.publicKey) });
  });
  after(async () => {
    await sshd.stop();
    await rm(dir, { recursive: true, force: true });
  });

  for (const name of ['PKCS#8 RSA (ssh-keygen -m PKCS8)', 'encrypted PKCS#8 RSA', 'PKCS#8 ECDSA', 'encrypted PKCS#8 ECDSA', 'PKCS#8 ed25519 (openssl genpkey)', 'encrypted PKCS#8 ed25519']) {
    it(`logs in with this key: ${name}`, async () => {
      const key = keys[name];
      expect(key?.privateKey).to.match(/^-----BEGIN (ENCRYPTED )?PRIVATE KEY-----/);
      const { session } = auditedSession(targetFor(sshd, { privateKey: key?.privateKey ?? '', ...(key?.passphrase ? { passphrase: key.passphrase } : {}) }));
      try {
        const result = await session.exec(['id', '-un']);
        expect(result.stdout.trim()).to.equal(sshd.user);
      } finally {
        session.close();
      }
    });
  }

  const unusable: Array<[string, () => { privateKey: string; passphrase?: string }, RegExp]> = [
    ['a wrong passphrase for an encrypted PKCS#8 key', () => ({ privateKey: keys['encrypted PKCS#8 RSA']?.privateKey ?? '', passphrase: 'wrong' }), /cannot read the PKCS#8 private key/],
    ['an encrypted PKCS#8 key without a passphrase', () => ({ privateKey: keys['encrypted PKCS#8 ed25519']?.privateKey ?? '' }), /it is encrypted and no passphrase was given/],
    ['a key that is no key at all', () => ({ privateKey: 'not a key\n' }), /cannot read the private key/],
  ];
  for (const [what, credentials, message] of unusable) {
    it(`reports ${what} as a credentials problem without contacting the host`, async () => {
      const before = await connectionsSeen(sshd);
      const { session, records } = auditedSession(targetFor(sshd, credentials()));
      const error = await rejectionOf(session.connect());
      session.close();
      expect(error).to.be.instanceOf(SshCredentialsError);
      expect(error.message).to.match(message);
      expect((error as SshCredentialsError).reason).to.equal('CredentialsInvalid');
      expect(records().map((r) => [r.action, r.outcome])).to.deep.equal([['ssh.credentials', 'failure']]);
      expect(records()[0]?.arguments).to.include({ connection: 'not attempted' });
      expect(await connectionsSeen(sshd), 'sshd saw no connection').to.equal(before);
    });
  }
});
