/**
 * [REQ-03][REQ-06] The comparison side of `bench:libvirt`: the stock tools reaching a test host the way an
 * administrator would, through the OpenSSH client with the host key pinned. An ssh_config file (host alias,
 * port, key, known_hosts holding only the pinned key, StrictHostKeyChecking, the cipher our session
 * negotiated) is handed to libvirt's `qemu+ssh` transport through `?command=` naming a wrapper that runs
 * `ssh -F` that file: so `virsh -c qemu+ssh://ALIAS/system` runs virt-ssh-helper on the host exactly as usual.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clientKeyPair } from '../../test/support/hosts/client-key.js';
import { writeKnownHosts } from '../../test/support/hosts/openssh-client.js';
import type { TestHost } from '../../test/support/hosts/index.js';

const HOST_ALIAS = 'virtfleet-bench-host';
const END_MARKER = '__virtfleet_end__';

export interface CommandOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

export interface OpenSshVirsh {
  /** `qemu+ssh://...` URI that reaches the host through the pinned OpenSSH configuration. */
  uri: string;
  /** The ssh_config file and the host alias it defines, for `ssh -F FILE ALIAS ...`. */
  configFile: string;
  hostAlias: string;
  /** One `virsh -c URI ARGS` process (and so one SSH connection) per call. */
  virsh(args: string[]): Promise<CommandOutcome>;
  /** `ssh ALIAS REMOTE_COMMAND` with a file as its stdin. */
  sshWithInput(remoteCommand: string, inputFile: string): Promise<CommandOutcome>;
  /** A persistent interactive `virsh` reading commands from its stdin over one connection. */
  virshShell(): VirshShell;
  cleanup(): Promise<void>;
}

export interface VirshShell {
  command(line: string): Promise<string>;
  close(): void;
}

/** Runs a command; with `stdinFile`, the file itself is its stdin (no copy through this process). */
async function run(command: string, args: string[], stdinFile?: string): Promise<CommandOutcome> {
  const input = stdinFile === undefined ? undefined : await open(stdinFile, 'r');
  try {
    return await new Promise((resolve) => {
      const child = spawn(command, args, { stdio: [input?.fd ?? 'ignore', 'pipe', 'pipe'] });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
      child.once('error', (error) => resolve({ code: -1, stdout: '', stderr: error.message }));
      child.once('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString() }));
    });
  } finally {
    await input?.close();
  }
}

export async function openSshVirsh(host: TestHost, cipher: string): Promise<OpenSshVirsh> {
  const dir = await mkdtemp(join(tmpdir(), 'virtfleet-bench-ssh-'));
  const { privateKeyPath } = await clientKeyPair();
  const knownHosts = await writeKnownHosts(host, host.hostKeyLine);
  const configFile = join(dir, 'ssh_config');
  await writeFile(configFile, [
    `Host ${HOST_ALIAS}`,
    `  HostName ${host.address}`,
    `  Port ${host.sshPort}`,
    `  User ${host.user}`,
    `  IdentityFile ${privateKeyPath}`,
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${knownHosts}`,
    '  GlobalKnownHostsFile /dev/null',
    '  StrictHostKeyChecking yes',
    '  BatchMode yes',
    `  Ciphers ${cipher}`,
    '  LogLevel ERROR',
    '',
  ].join('\n'), { mode: 0o600 });
  const wrapper = join(dir, 'ssh');
  await writeFile(wrapper, `#!/bin/sh\nexec ssh -F '${configFile}' "$@"\n`);
  await chmod(wrapper, 0o755);
  const uri = `qemu+ssh://${HOST_ALIAS}/system?command=${wrapper}`;

  return {
    uri,
    configFile,
    hostAlias: HOST_ALIAS,
    virsh: (args) => run('virsh', ['-c', uri, ...args]),
    sshWithInput: (remoteCommand, inputFile) => run('ssh', ['-F', configFile, HOST_ALIAS, remoteCommand], inputFile),
    virshShell: () => virshShell(uri),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * Each command is followed by `echo MARKER`, so the reply ends where a line starts with the marker (virsh
 * echoes each command line after its prompt, so the marker appears there too, but never at a line start).
 */
function virshShell(uri: string): VirshShell {
  const child = spawn('virsh', ['-q', '-c', uri], { stdio: ['pipe', 'pipe', 'ignore'] });
  let buffered = '';
  let waiter: ((output: string) => void) | null = null;
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const end = buffered.indexOf(`\n${END_MARKER}`);
    if (end < 0 || !waiter) return;
    const output = buffered.slice(0, end + 1);
    buffered = buffered.slice(end + END_MARKER.length + 1);
    const resolve = waiter;
    waiter = null;
    resolve(output);
  });
  return {
    command: (line) => new Promise((resolve) => {
      waiter = resolve;
      child.stdin.write(`${line}\necho ${END_MARKER}\n`);
    }),
    close: () => child.stdin.end(),
  };
}
