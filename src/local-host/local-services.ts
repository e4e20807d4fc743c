/**
 * [REQ-01][REQ-03] What this machine must run to be a virtfleet Host: sshd and libvirtd with QEMU. Each is
 * checked by talking to it (sshd's banner on 127.0.0.1:<port>, libvirtd's UNIX socket); a missing one is
 * installed from setup/debian-packages/host.txt with apt when asked to, and started: through systemd when it
 * runs the machine, otherwise directly (`sshd`, `virtlogd -d`, `libvirtd -d`), as on a container or a CI runner.
 * Nothing running is ever restarted or reconfigured.
 */
import { execFile } from 'node:child_process';
import { access, mkdir, readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sleep, systemClock, type Clock } from '../time/clock.js';

const run = promisify(execFile);

export const HOST_PACKAGES_FILE = fileURLToPath(new URL('../../setup/debian-packages/host.txt', import.meta.url));
const REQUIRED_PROGRAMS = ['/usr/sbin/sshd', '/usr/sbin/libvirtd', '/usr/sbin/virtlogd', '/usr/bin/virt-ssh-helper', '/usr/bin/qemu-system-x86_64', '/usr/bin/qemu-img'];
const START_TIMEOUT_MS = 30_000;

export interface LocalServicesOptions {
  sshPort: number;
  libvirtSocket: string;
  /** Install missing packages with apt-get (root only). */
  install: boolean;
  log(line: string): void;
  clock?: Clock;
}

/** Package names of a list file: one a line, `#` comments. */
export function parsePackageList(text: string): string[] {
  return text.split('\n').map((line) => line.replace(/#.*/, '').trim()).filter((line) => line !== '');
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function missingPrograms(): Promise<string[]> {
  const present = await Promise.all(REQUIRED_PROGRAMS.map(exists));
  return REQUIRED_PROGRAMS.filter((_, index) => !present[index]);
}

/** True when an SSH server answers with its banner on 127.0.0.1:port. */
export function sshdAnswers(port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (up: boolean): void => {
      socket.destroy();
      resolve(up);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('data', (chunk: Buffer) => done(chunk.toString('latin1').startsWith('SSH-')));
    socket.once('error', () => done(false));
  });
}

/** True when something accepts connections on libvirtd's UNIX socket. */
export function libvirtdAnswers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ path: socketPath });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function systemdRuns(): Promise<boolean> {
  return exists('/run/systemd/system');
}

async function pidFileAlive(path: string): Promise<boolean> {
  try {
    const pid = Number((await readFile(path, 'utf8')).trim());
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function command(file: string, args: string[]): Promise<void> {
  try {
    await run(file, args, { maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? '').trim();
    throw new Error(`${file} ${args.join(' ')} failed${stderr === '' ? '' : `: ${stderr}`}`, { cause: error });
  }
}

async function waitUntil(what: string, clock: Clock, check: () => Promise<boolean>): Promise<void> {
  const deadline = clock.now() + START_TIMEOUT_MS;
  while (!(await check())) {
    if (clock.now() > deadline) throw new Error(`${what} did not come up within ${START_TIMEOUT_MS / 1000} s`);
    await sleep(clock, 200);
  }
}

async function installPackages(options: LocalServicesOptions, missing: string[]): Promise<void> {
  if (!options.install) {
    const packages = parsePackageList(await readFile(HOST_PACKAGES_FILE, 'utf8')).join(' ');
    throw new Error(`missing ${missing.join(', ')}: run again with --install, or apt-get install ${packages}`);
  }
  const packages = parsePackageList(await readFile(HOST_PACKAGES_FILE, 'utf8'));
  options.log(`installing ${packages.join(' ')} (apt-get)`);
  await command('apt-get', ['update', '-qq']);
  await command('env', ['DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-qq', ...packages]);
  const still = await missingPrograms();
  if (still.length > 0) throw new Error(`still missing after apt-get install: ${still.join(', ')}`);
}

async function startSshd(options: LocalServicesOptions, withSystemd: boolean): Promise<void> {
  options.log('starting sshd');
  if (withSystemd) {
    await command('systemctl', ['start', 'ssh.service']);
  } else {
    await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
    await command('/usr/sbin/sshd', ['-p', String(options.sshPort)]);
  }
  await waitUntil(`sshd on 127.0.0.1:${options.sshPort}`, options.clock ?? systemClock, () => sshdAnswers(options.sshPort));
}

async function startLibvirtd(options: LocalServicesOptions, withSystemd: boolean): Promise<void> {
  options.log('starting libvirtd');
  if (withSystemd) {
    await command('systemctl', ['start', 'libvirtd.service']);
  } else {
    if (!(await pidFileAlive('/run/virtlogd.pid'))) await command('/usr/sbin/virtlogd', ['-d']);
    await command('/usr/sbin/libvirtd', ['-d']);
  }
  await waitUntil(`libvirtd on ${options.libvirtSocket}`, options.clock ?? systemClock, () => libvirtdAnswers(options.libvirtSocket));
}

/** Makes sure sshd and libvirtd run here (installing and starting what is missing); returns what it started. */
export async function ensureLocalServices(options: LocalServicesOptions): Promise<string[]> {
  const missing = await missingPrograms();
  if (missing.length > 0) await installPackages(options, missing);
  const withSystemd = await systemdRuns();
  const started: string[] = [];
  if (!(await sshdAnswers(options.sshPort))) {
    await startSshd(options, withSystemd);
    started.push('sshd');
  }
  if (!(await libvirtdAnswers(options.libvirtSocket))) {
    await startLibvirtd(options, withSystemd);
    started.push('libvirtd');
  }
  return started;
}
