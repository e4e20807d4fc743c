/**
 * [REQ-03] Runs the real OpenSSH client against a test host with strict host key checking against the
 * pinned key (a known_hosts file holding only that key) and the run's client key: the outside view of a host.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clientKeyPair } from './client-key.js';
import type { CommandResult, TestHost } from './test-host.js';

export interface OpenSshOptions {
  /** known_hosts line to trust instead of the host's own key (to prove a wrong pin is refused). */
  knownHostsLine?: string;
  connectTimeoutSeconds?: number;
  /** Kills the client after this long (default 30 s). */
  timeoutMs?: number;
}

/** `ssh -p PORT root@127.0.0.1 REMOTE_COMMAND` with BatchMode and StrictHostKeyChecking=yes. */
export async function runOpenSsh(host: TestHost, remoteCommand: string, options: OpenSshOptions = {}): Promise<CommandResult> {
  const { privateKeyPath } = await clientKeyPair();
  const knownHostsFile = await writeKnownHosts(host, options.knownHostsLine ?? host.hostKeyLine);
  const args = [
    '-i', privateKeyPath,
    '-p', String(host.sshPort),
    '-o', 'BatchMode=yes',
    '-o', 'IdentitiesOnly=yes',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', `UserKnownHostsFile=${knownHostsFile}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', `ConnectTimeout=${options.connectTimeoutSeconds ?? 10}`,
    '-o', 'LogLevel=ERROR',
    `${host.user}@${host.address}`,
    remoteCommand,
  ];
  return new Promise((resolve) => {
    execFile('ssh', args, { timeout: options.timeoutMs ?? 30_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A known_hosts file that trusts exactly `keyLine` for the host's `[127.0.0.1]:PORT`. */
export async function writeKnownHosts(host: TestHost, keyLine: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'virtfleet-known-hosts-'));
  const file = join(dir, 'known_hosts');
  const [keyType, keyData] = keyLine.trim().split(/\s+/);
  await writeFile(file, `[${host.address}]:${host.sshPort} ${keyType} ${keyData}\n`, { mode: 0o600 });
  return file;
}
