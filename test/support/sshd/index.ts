/**
 * [REQ-02] A private OpenSSH sshd for tests: 127.0.0.1, a free port, its own host key and authorized_keys,
 * `Subsystem sftp internal-sftp`, logging to a file the tests read as an independent oracle.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, chmod, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freeLoopbackPort, waitForSshBanner } from '../loopback-port.js';

const run = promisify(execFile);

export interface KeyPair {
  privateKey: string;
  publicKey: string;
  path: string;
}

/** Unprivileged account the tests log in as: /bin/sh as its shell, no rc files slowing every command down. */
export const TEST_USER = 'virtfleet-test';

export interface TestSshd {
  address: '127.0.0.1';
  port: number;
  user: string;
  dir: string;
  hostKey: KeyPair;
  clientKey: KeyPair;
  /** sshd's log (LogLevel VERBOSE). */
  log(): Promise<string>;
  /** Kills sshd and every session process it forked (the "host went away" case). */
  kill(): Promise<void>;
  /** PIDs of sshd and every session process it forked. */
  pids(): Promise<number[]>;
  /** Starts sshd again on the same port with the same keys. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface TestSshdOptions {
  /** Extra sshd_config lines, e.g. `Ciphers aes128-ctr` or `MaxSessions 2`; they override the defaults. */
  extraConfig?: string[];
  /** More public keys to authorize besides the generated client key. */
  authorizedKeys?: string[];
}

/** `pem`: traditional PEM (`BEGIN RSA PRIVATE KEY`); `pkcs8`: PKCS#8 (`BEGIN [ENCRYPTED] PRIVATE KEY`, RSA and ECDSA). */
export async function generateKey(dir: string, name: string, type: 'ed25519' | 'ecdsa' | 'rsa', opts: { passphrase?: string; pem?: boolean; pkcs8?: boolean } = {}): Promise<KeyPair> {
  const path = join(dir, name);
  const args = ['-q', '-t', type, '-N', opts.passphrase ?? '', '-C', name, '-f', path];
  if (type === 'rsa') args.push('-b', '2048');
  if (opts.pem) args.push('-m', 'PEM');
  if (opts.pkcs8) args.push('-m', 'PKCS8');
  await run('ssh-keygen', args);
  return { path, privateKey: await readFile(path, 'utf8'), publicKey: (await readFile(`${path}.pub`, 'utf8')).trim() };
}

/**
 * An ed25519 key in PKCS#8 PEM as `openssl genpkey` writes it (encrypted with AES-256-CBC when a passphrase is
 * given). OpenSSH 9.2 cannot read this form, so the public-key line is built from the raw key OpenSSL prints.
 */
export async function generatePkcs8Ed25519(dir: string, name: string, passphrase?: string): Promise<KeyPair> {
  const path = join(dir, name);
  await run('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', path, ...(passphrase === undefined ? [] : ['-aes-256-cbc', '-pass', `pass:${passphrase}`])]);
  await chmod(path, 0o600);
  const { stdout } = await run('openssl', ['pkey', '-in', path, '-pubout', '-outform', 'DER', '-passin', `pass:${passphrase ?? ''}`], { encoding: 'buffer' });
  const raw = stdout.subarray(stdout.length - 32);
  const blob = Buffer.concat([sshString(Buffer.from('ssh-ed25519')), sshString(raw)]);
  return { path, privateKey: await readFile(path, 'utf8'), publicKey: `ssh-ed25519 ${blob.toString('base64')} ${name}` };
}

function sshString(data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, data]);
}


/** PIDs of `pid` and all its descendants, from /proc. */
export async function processTree(pid: number): Promise<number[]> {
  const { stdout } = await run('ps', ['-e', '-o', 'pid=,ppid=']);
  const children = new Map<number, number[]>();
  for (const line of stdout.trim().split('\n')) {
    const [child, parent] = line.trim().split(/\s+/).map(Number);
    if (child === undefined || parent === undefined) continue;
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const tree: number[] = [];
  const visit = (p: number): void => {
    tree.push(p);
    for (const c of children.get(p) ?? []) visit(c);
  };
  visit(pid);
  return tree;
}

async function ensureTestUser(): Promise<void> {
  try {
    await run('id', [TEST_USER]);
  } catch {
    // '*' rather than useradd's locked '!': sshd without PAM refuses locked accounts even for key logins.
    await run('useradd', ['--system', '--create-home', '--home-dir', `/var/lib/${TEST_USER}`, '--shell', '/bin/sh', '--password', '*', TEST_USER]);
  }
}

export async function startTestSshd(options: TestSshdOptions = {}): Promise<TestSshd> {
  const dir = await mkdtemp(join(tmpdir(), 'virtfleet-sshd-'));
  await mkdir('/run/sshd', { recursive: true });
  await ensureTestUser();
  const hostKey = await generateKey(dir, 'ssh_host_ed25519_key', 'ed25519');
  const clientKey = await generateKey(dir, 'client_ed25519', 'ed25519');
  const authorizedKeys = join(dir, 'authorized_keys');
  await writeFile(authorizedKeys, [clientKey.publicKey, ...(options.authorizedKeys ?? [])].join('\n') + '\n');
  // sshd reads authorized_keys as the test user: the directory and file must be readable by it.
  await chmod(dir, 0o755);
  await chmod(authorizedKeys, 0o644);
  const port = await freeLoopbackPort();
  const configPath = join(dir, 'sshd_config');
  const logPath = join(dir, 'sshd.log');
  await writeFile(
    configPath,
    [
      // sshd takes the first value of a keyword, so the extra lines go before the defaults they override.
      ...(options.extraConfig ?? []),
      `ListenAddress 127.0.0.1:${port}`,
      `HostKey ${hostKey.path}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'PermitRootLogin no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'MaxSessions 64',
      'MaxStartups 100',
      'LogLevel VERBOSE',
      'Subsystem sftp internal-sftp',
      '',
    ].join('\n'),
  );

  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    child = spawn('/usr/sbin/sshd', ['-D', '-f', configPath, '-E', logPath], { stdio: 'ignore' });
    await waitForSshBanner(port, 10_000);
  };
  const kill = async (): Promise<void> => {
    if (!child?.pid) return;
    const pids = await processTree(child.pid);
    for (const pid of pids.reverse()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    child = undefined;
  };
  await start();
  return {
    address: '127.0.0.1',
    port,
    user: TEST_USER,
    dir,
    hostKey,
    clientKey,
    log: () => readFile(logPath, 'utf8').catch(() => ''),
    pids: async () => (child?.pid ? processTree(child.pid) : []),
    kill,
    start,
    stop: async () => {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
