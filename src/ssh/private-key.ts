/**
 * [REQ-02][REQ-05] Reads the private key of an SshTarget into a form ssh2 accepts, before any connection is made.
 * ssh2 reads OpenSSH keys (`BEGIN OPENSSH PRIVATE KEY`, optionally with a passphrase) and the traditional PEM
 * forms (`BEGIN RSA|EC PRIVATE KEY`), but not PKCS#8 (`BEGIN PRIVATE KEY`, `BEGIN ENCRYPTED PRIVATE KEY`), what
 * `ssh-keygen -m PKCS8`, `openssl genpkey` and many secret stores write. Node's crypto decrypts and reads PKCS#8;
 * RSA and ECDSA keys are re-encoded as traditional PEM, ed25519 keys as an unencrypted OpenSSH key, in memory
 * only. A key that cannot be read (wrong passphrase, garbage, unsupported type) is an SshCredentialsError: a
 * local problem, not something the host did.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import ssh2 from 'ssh2';
import { SshCredentialsError } from '../errors/ssh-errors.js';
import type { SshTarget } from './ssh-target.js';

/** A key ssh2 can read, and the passphrase it still needs (none after a PKCS#8 conversion). */
export interface UsableKey {
  privateKey: string | Buffer;
  passphrase?: string;
}

const PKCS8_PEM = /-----BEGIN (ENCRYPTED )?PRIVATE KEY-----/;

export function usablePrivateKey(target: Pick<SshTarget, 'host' | 'privateKey' | 'passphrase'>): UsableKey {
  const { privateKey, passphrase } = target;
  if (PKCS8_PEM.test(String(privateKey))) return fromPkcs8(target.host, privateKey, passphrase);
  const parsed = ssh2.utils.parseKey(privateKey, passphrase);
  if (parsed instanceof Error) throw new SshCredentialsError(target.host, `cannot read the private key: ${parsed.message}`, { cause: parsed });
  return passphrase === undefined ? { privateKey } : { privateKey, passphrase };
}

function fromPkcs8(host: string, pem: string | Buffer, passphrase: string | undefined): UsableKey {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem', ...(passphrase === undefined ? {} : { passphrase }) });
  } catch (error) {
    const encrypted = String(pem).includes('BEGIN ENCRYPTED PRIVATE KEY');
    const why = encrypted && passphrase === undefined ? 'it is encrypted and no passphrase was given' : (error as Error).message;
    throw new SshCredentialsError(host, `cannot read the PKCS#8 private key: ${why}`, { cause: error });
  }
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return { privateKey: key.export({ type: 'pkcs1', format: 'pem' }) };
    case 'ec':
      return { privateKey: key.export({ type: 'sec1', format: 'pem' }) };
    case 'ed25519':
      return { privateKey: openSshEd25519(key) };
    default:
      throw new SshCredentialsError(host, `cannot use a PKCS#8 ${key.asymmetricKeyType ?? 'unknown'} key: only RSA, ECDSA and ed25519 keys are supported`);
  }
}

/** An unencrypted `openssh-key-v1` file holding one ed25519 key (the layout of OpenSSH's PROTOCOL.key). */
function openSshEd25519(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  const seed = Buffer.from(jwk.d ?? '', 'base64url');
  const pub = Buffer.from(jwk.x ?? '', 'base64url');
  const type = Buffer.from('ssh-ed25519');
  const publicBlob = Buffer.concat([sshString(type), sshString(pub)]);
  const check = Buffer.alloc(4);
  check.writeUInt32BE(0x76666b31);
  const unpadded = Buffer.concat([check, check, sshString(type), sshString(pub), sshString(Buffer.concat([seed, pub])), sshString(Buffer.alloc(0))]);
  const padding = Buffer.from(Array.from({ length: (8 - (unpadded.length % 8)) % 8 }, (_, i) => i + 1));
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0'),
    sshString(Buffer.from('none')),
    sshString(Buffer.from('none')),
    sshString(Buffer.alloc(0)),
    uint32(1),
    sshString(publicBlob),
    sshString(Buffer.concat([unpadded, padding])),
  ]);
  const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

function sshString(data: Buffer): Buffer {
  return Buffer.concat([uint32(data.length), data]);
}

function uint32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value);
  return out;
}
