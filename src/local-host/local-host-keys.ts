/**
 * [REQ-01][REQ-05] The local sshd's public host keys, read from the files on this machine
 * (`/etc/ssh/ssh_host_*_key.pub`), never from the network: `virtfleet host add-local` pins exactly these, so the
 * first connection is already verified (no trust on first use).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

const HOST_KEY_FILE = /^ssh_host_[a-z0-9]+_key\.pub$/;
const KEY_LINE = /^([a-z0-9][a-z0-9@.-]*) ([A-Za-z0-9+/]+={0,3})(\s|$)/;

/** "<algorithm> <base64>" of one .pub file's content (its comment dropped). */
export function hostKeyLine(content: string, file: string): string {
  const match = KEY_LINE.exec(content.trim());
  if (match === null) throw new Error(`${file}: not an OpenSSH public key line`);
  return `${match[1]} ${match[2]}`;
}

/** The host keys in `dir`, ed25519 first, then by file name; an error when there is none. */
export async function readLocalHostKeys(dir = '/etc/ssh'): Promise<string[]> {
  const files = (await readdir(dir)).filter((name) => HOST_KEY_FILE.test(name)).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  if (files.length === 0) throw new Error(`no SSH host key in ${dir} (ssh_host_*_key.pub): is openssh-server installed?`);
  return Promise.all(files.map(async (name) => hostKeyLine(await readFile(join(dir, name), 'utf8'), join(dir, name))));
}

function rank(file: string): number {
  return file.includes('ed25519') ? 0 : 1;
}
