/**
 * [REQ-03] Where the libvirt integration tests run: libvirtd on this machine, reached through the very program
 * `qemu+ssh://` runs on a host (`virt-ssh-helper qemu:///system`, spawned locally), with `virsh` and `openssl`
 * on the same machine as independent oracles. libvirtd is started if nobody runs one yet.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { access } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { LibvirtClient } from '../../../src/libvirt/libvirt-client.js';
import { processTransportFactory } from '../../../src/libvirt/rpc/process-transport.js';

const execFileAsync = promisify(execFile);
const LIBVIRT_SOCKET = '/var/run/libvirt/libvirt-sock';
const STARTUP_POLLS = 100;

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface LibvirtTestTarget {
  /** A new client whose every connection is a fresh `virt-ssh-helper` process. */
  client(options?: { keepalive?: { intervalMs: number; countMax: number } }): LibvirtClient;
  /** Transport processes started so far, newest last (kill one to cut a live connection). */
  readonly transports: ChildProcess[];
  /** Runs a command on the host: the oracle side of the tests. */
  run(argv: string[]): Promise<CommandResult>;
  virsh(args: string[]): Promise<CommandResult>;
}

async function run(argv: string[]): Promise<CommandResult> {
  const [command, ...args] = argv;
  try {
    const { stdout, stderr } = await execFileAsync(command!, args, { maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failure.code === 'number' ? failure.code : 1, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}

async function ensureLibvirtd(): Promise<void> {
  if ((await run(['pgrep', '-x', 'libvirtd'])).code !== 0) {
    if ((await run(['pgrep', '-x', 'virtlogd'])).code !== 0) spawn('virtlogd', ['-d'], { stdio: 'ignore' }).unref();
    spawn('libvirtd', ['-d'], { stdio: 'ignore' }).unref();
  }
  for (let poll = 0; poll < STARTUP_POLLS; poll += 1) {
    const ready = await access(LIBVIRT_SOCKET).then(() => true, () => false);
    if (ready && (await run(['virsh', '-c', 'qemu:///system', 'version'])).code === 0) return;
    await sleep(100);
  }
  throw new Error('libvirtd did not come up within 10 s');
}

export async function localLibvirtTarget(): Promise<LibvirtTestTarget> {
  await ensureLibvirtd();
  const transports: ChildProcess[] = [];
  const factory = processTransportFactory(['virt-ssh-helper', 'qemu:///system'], { onSpawn: (child) => transports.push(child) });
  return {
    transports,
    client: (options = {}) => new LibvirtClient(factory, {
      uri: 'qemu:///system',
      callTimeoutMs: 30_000,
      keepalive: options.keepalive ?? { intervalMs: 5000, countMax: 5 },
    }),
    run,
    virsh: (args) => run(['virsh', '-c', 'qemu:///system', ...args]),
  };
}

/** A name no earlier or parallel run uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}`;
}
