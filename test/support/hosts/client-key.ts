/** [REQ-03] The SSH client key pair of a test run, made with ssh-keygen and authorized on every test host. */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ClientKeyPair {
  /** OpenSSH private key text. */
  privateKey: string;
  /** OpenSSH public key line. */
  publicKey: string;
  /** Path of the private key file (mode 0600), for the OpenSSH `ssh -i`. */
  privateKeyPath: string;
}

let keyPair: Promise<ClientKeyPair> | undefined;

/** The ed25519 client key pair of this process, generated on first use. */
export function clientKeyPair(): Promise<ClientKeyPair> {
  keyPair ??= generate();
  return keyPair;
}

async function generate(): Promise<ClientKeyPair> {
  const dir = await mkdtemp(join(tmpdir(), 'virtfleet-client-key-'));
  const privateKeyPath = join(dir, 'id_ed25519');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'virtfleet-test-client', '-f', privateKeyPath]);
  const [privateKey, publicKey] = await Promise.all([
    readFile(privateKeyPath, 'utf8'),
    readFile(`${privateKeyPath}.pub`, 'utf8'),
  ]);
  return { privateKey, publicKey: publicKey.trim(), privateKeyPath };
}
