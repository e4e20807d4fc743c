/**
 * [REQ-01][REQ-05] The local Host's login key: an ed25519 key made in memory and kept only in the Host's
 * Secret (OpenSSH form, what `ssh-keygen -t ed25519` writes), never in a file of its own. A re-run reads it back
 * from the Secret and derives the same public key, so the authorized entry stays the same.
 */
import { generateKeyPairSync } from 'node:crypto';
import ssh2 from 'ssh2';
import { usablePrivateKey } from '../ssh/private-key.js';

export interface LocalHostKey {
  /** OpenSSH private key file content. */
  privateKey: string;
  /** "ssh-ed25519 <base64>". */
  publicKey: string;
}

/** The public key of an OpenSSH, PEM or PKCS#8 private key; undefined when it cannot be read. */
export function publicKeyOf(privateKey: string): string | undefined {
  let parsed;
  try {
    parsed = ssh2.utils.parseKey(String(usablePrivateKey({ host: 'local', privateKey }).privateKey));
  } catch {
    return undefined;
  }
  if (parsed instanceof Error) return undefined;
  return `${parsed.type} ${parsed.getPublicSSH().toString('base64')}`;
}

export function generateLocalHostKey(): LocalHostKey {
  const pkcs8 = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' });
  const privateKey = String(usablePrivateKey({ host: 'local', privateKey: pkcs8 }).privateKey);
  const publicKey = publicKeyOf(privateKey);
  if (publicKey === undefined) throw new Error('cannot read back the generated ed25519 key');
  return { privateKey, publicKey };
}
