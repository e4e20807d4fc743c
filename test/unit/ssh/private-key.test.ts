import { createPrivateKey, createPublicKey, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { expect } from 'chai';
import ssh2 from 'ssh2';
import { SshCredentialsError } from '../../../src/errors/ssh-errors.js';
import { usablePrivateKey } from '../../../src/ssh/private-key.js';

type KeyType = 'rsa' | 'ec' | 'ed25519';

function pkcs8(type: KeyType, passphrase?: string): { privateKey: string; jwk: JsonWebKey } {
  const options = type === 'rsa' ? { modulusLength: 2048 } : type === 'ec' ? { namedCurve: 'P-256' } : {};
  const encryption = passphrase === undefined ? {} : { cipher: 'aes-256-cbc', passphrase };
  const { privateKey } = generateKeyPairSync(type as 'rsa', {
    ...(options as { modulusLength: number }),
    privateKeyEncoding: { type: 'pkcs8', format: 'pem', ...encryption },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const jwk = createPublicKey(createPrivateKey(passphrase === undefined ? privateKey : { key: privateKey, passphrase })).export({ format: 'jwk' });
  return { privateKey, jwk };
}

function sshPublicJwk(key: string | Buffer): JsonWebKey {
  const parsed = ssh2.utils.parseKey(key);
  if (parsed instanceof Error) throw parsed;
  return createPublicKey(parsed.getPublicPEM()).export({ format: 'jwk' });
}

describe('[REQ-02][REQ-05] private keys: PKCS#8 read with Node crypto', () => {
  for (const type of ['rsa', 'ec', 'ed25519'] as const) {
    for (const passphrase of [undefined, 'secret passphrase']) {
      it(`turns a${passphrase ? 'n encrypted' : ''} PKCS#8 ${type} key into one ssh2 reads, with the same public key`, () => {
        const { privateKey, jwk } = pkcs8(type, passphrase);
        expect(privateKey).to.match(passphrase ? /^-----BEGIN ENCRYPTED PRIVATE KEY-----/ : /^-----BEGIN PRIVATE KEY-----/);
        const usable = usablePrivateKey({ host: 'h1', privateKey, ...(passphrase === undefined ? {} : { passphrase }) });
        expect(usable.passphrase, 'the converted key is no longer encrypted').to.equal(undefined);
        expect(sshPublicJwk(usable.privateKey)).to.deep.equal(jwk);
      });
    }
  }

  it('hands a key ssh2 reads itself (traditional PEM, with its passphrase) to ssh2 unchanged', () => {
    const passphrase = 'pem passphrase';
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem', cipher: 'aes-128-cbc', passphrase }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    expect(privateKey).to.match(/^-----BEGIN RSA PRIVATE KEY-----/);
    expect(usablePrivateKey({ host: 'h1', privateKey, passphrase })).to.deep.equal({ privateKey, passphrase });
  });

  const unusable: Array<[string, { privateKey: string; passphrase?: string }, RegExp]> = [
    ['a wrong passphrase', { privateKey: pkcs8('ed25519', 'right').privateKey, passphrase: 'wrong' }, /^ssh h1: cannot read the PKCS#8 private key: /],
    ['a missing passphrase', { privateKey: pkcs8('ec', 'right').privateKey }, /it is encrypted and no passphrase was given/],
    ['garbage', { privateKey: 'hello' }, /^ssh h1: cannot read the private key: /],
    ['a PKCS#8 key of a type SSH cannot use', { privateKey: generateKeyPairSync('x25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() }, /only RSA, ECDSA and ed25519/],
  ];
  for (const [what, target, message] of unusable) {
    it(`reports ${what} as SshCredentialsError (terminal, not a refusal by the host)`, () => {
      let error: unknown;
      try {
        usablePrivateKey({ host: 'h1', ...target });
      } catch (caught) {
        error = caught;
      }
      expect(error).to.be.instanceOf(SshCredentialsError);
      expect((error as Error).message).to.match(message);
      expect((error as SshCredentialsError).retryable).to.equal(false);
      expect((error as SshCredentialsError).refusal).to.equal(false);
    });
  }
});
