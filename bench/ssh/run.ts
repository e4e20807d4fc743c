/**
 * [REQ-02][REQ-06] `npm run bench:ssh`: the pooled ssh2 transport against OpenSSH on the same private sshd.
 * (a) round trip of `true`: HostSession.exec over the one pooled connection vs `ssh` through a ControlMaster
 *     socket (no handshake per call), p50/p99 over BENCH_RTT_RUNS (500);
 * (b) streaming BENCH_STREAM_MIB (1024) MiB into `cat > /dev/null` and into a file: HostSession.spawn vs
 *     `ssh host 'cat > ...'`, both with aes128-gcm@openssh.com; OpenSSH twice: fed through a pipe from this
 *     process (what an operator calling ssh would do) and reading a local file as its stdin (its best case);
 *     median of BENCH_STREAM_RUNS (3);
 * (c) 100 concurrent round trips to a host with sshd MaxSessions 2 vs MaxSessions 64 (max-sessions.ts).
 * BENCH_SSH_CASES (e.g. `c` or `a,b`) runs only some of them; all by default.
 * Only loopback is used. Ratios > 1 mean virtfleet is faster (throughput) or slower (latency) as labelled.
 */
import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { open, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { loadConfig } from '../../src/config/load-config.js';
import { AuditLog } from '../../src/security/audit-log.js';
import { pinHostKeys } from '../../src/security/host-key-policy.js';
import { HostSession } from '../../src/ssh/host-session.js';
import { startTestSshd, type TestSshd } from '../../test/support/sshd/index.js';
import { median, percentile, ratio, timed } from '../support/stats.js';
import { benchMaxSessions } from './max-sessions.js';

const RTT_RUNS = Number(process.env.BENCH_RTT_RUNS ?? 500);
const STREAM_MIB = Number(process.env.BENCH_STREAM_MIB ?? 1024);
const STREAM_RUNS = Number(process.env.BENCH_STREAM_RUNS ?? 3);
const CIPHER = 'aes128-gcm@openssh.com';
const CHUNK = Buffer.alloc(1024 * 1024, 0x5a);
const CASES = new Set((process.env.BENCH_SSH_CASES ?? 'a,b,c').split(','));

function opensshArgs(sshd: TestSshd, options: string[] = [], command: string[] = []): string[] {
  return [
    '-i', sshd.clientKey.path, '-p', String(sshd.port), '-c', CIPHER,
    '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${join(sshd.dir, 'known_hosts')}`,
    '-o', 'LogLevel=ERROR', ...options, `${sshd.user}@127.0.0.1`, ...command,
  ];
}

/** Writes STREAM_MIB MiB into `sink`, honouring backpressure, then ends it. */
async function feed(sink: Writable): Promise<void> {
  for (let i = 0; i < STREAM_MIB; i += 1) {
    if (!sink.write(CHUNK)) await once(sink, 'drain');
  }
  sink.end();
}

/** Runs OpenSSH's client; stdin is fed by this process ('pipe'), read from a file (an fd), or closed. */
async function opensshRun(args: string[], stdin: 'pipe' | 'ignore' | number): Promise<void> {
  const child = spawn('ssh', args, { stdio: [stdin, 'ignore', 'inherit'] });
  if (stdin === 'pipe' && child.stdin) await feed(child.stdin);
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`ssh exited with ${code}`);
}

async function main(): Promise<void> {
  if (CASES.has('a') || CASES.has('b')) await pooledVersusOpenssh();
  if (CASES.has('c')) await benchMaxSessions(CIPHER, loadConfig('config').ssh.maxSessionsPerHost);
}

async function pooledVersusOpenssh(): Promise<void> {
  const sshd = await startTestSshd();
  await writeFile(join(sshd.dir, 'known_hosts'), `[127.0.0.1]:${sshd.port} ${sshd.hostKey.publicKey}\n`);
  const config = loadConfig('config').ssh;
  const session = new HostSession(
    { host: 'bench', address: '127.0.0.1', port: sshd.port, user: sshd.user, privateKey: sshd.clientKey.privateKey, hostKeys: pinHostKeys([sshd.hostKey.publicKey]) },
    { ...config, algorithms: { ...config.algorithms, ciphers: [CIPHER] } },
    { audit: new AuditLog({ write: () => true }, { controller: 'bench' }) },
  );
  const controlPath = join(sshd.dir, 'control');
  const master = spawn('ssh', opensshArgs(sshd, ['-M', '-N', '-S', controlPath, '-o', 'ControlPersist=no']), { stdio: 'ignore' });
  try {
    await session.connect();
    for (let i = 0; i < 200 && !(await socketReady(controlPath, sshd)); i += 1) await new Promise((r) => setTimeout(r, 50));

    if (CASES.has('a')) await roundTrips(session, sshd, controlPath);
    if (CASES.has('b')) await streaming(session, sshd);
  } finally {
    session.close();
    master.kill();
    await sshd.stop();
  }
}

async function roundTrips(session: HostSession, sshd: TestSshd, controlPath: string): Promise<void> {
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < 20; i += 1) await session.exec(['true']); // warm-up
  for (let i = 0; i < RTT_RUNS; i += 1) {
    ours.push(await timed(() => session.exec(['true'])));
    theirs.push(await timed(() => opensshRun(opensshArgs(sshd, ['-S', controlPath], ['true']), 'ignore')));
  }
  const rows = [
    ['round trip `true`', 'p50 ms', percentile(ours, 0.5), percentile(theirs, 0.5)],
    ['round trip `true`', 'p99 ms', percentile(ours, 0.99), percentile(theirs, 0.99)],
  ] as const;
  console.log(`\n(a) round trip over ${RTT_RUNS} runs: virtfleet pooled ssh2 vs OpenSSH ControlMaster (${CIPHER})`);
  for (const [what, unit, a, b] of rows) {
    console.log(`  ${what} ${unit}: virtfleet ${a.toFixed(2)}  openssh ${b.toFixed(2)}  openssh/virtfleet ${ratio(b, a)}`);
  }
}

async function streaming(session: HostSession, sshd: TestSshd): Promise<void> {
  console.log(`\n(b) streaming ${STREAM_MIB} MiB, median of ${STREAM_RUNS}, MB/s (${CIPHER})`);
  const remoteFile = `/tmp/virtfleet-bench-${process.pid}`;
  const localFile = join(sshd.dir, 'stream-source');
  const source = await open(localFile, 'w');
  for (let i = 0; i < STREAM_MIB; i += 1) await source.write(CHUNK);
  await source.close();
  for (const [label, command] of [
    ['cat > /dev/null', 'cat > /dev/null'],
    ['cat > file', `cat > ${remoteFile}`],
  ] as const) {
    const oursMs: number[] = [];
    const theirsMs: number[] = [];
    const theirsFromFileMs: number[] = [];
    for (let run = 0; run < STREAM_RUNS; run += 1) {
      oursMs.push(await timed(async () => {
        const remote = await session.spawn(['sh', '-c', command], { timeoutMs: 0 });
        remote.stdout.resume();
        remote.stderr.resume();
        await feed(remote.stdin);
        const status = await remote.exit;
        if (status.code !== 0) throw new Error(`remote exit ${status.code}`);
      }));
      theirsMs.push(await timed(() => opensshRun(opensshArgs(sshd, [], [command]), 'pipe')));
      const file = await open(localFile, 'r');
      theirsFromFileMs.push(await timed(() => opensshRun(opensshArgs(sshd, [], [command]), file.fd)).finally(() => file.close()));
    }
    const mb = (STREAM_MIB * 1024 * 1024) / 1e6;
    const oursRate = mb / (median(oursMs) / 1000);
    const theirsRate = mb / (median(theirsMs) / 1000);
    const fromFileRate = mb / (median(theirsFromFileMs) / 1000);
    console.log(
      `  ${label}: virtfleet ${oursRate.toFixed(0)} MB/s | openssh fed by pipe ${theirsRate.toFixed(0)} MB/s (ratio ${ratio(oursRate, theirsRate)})` +
        ` | openssh reading a file ${fromFileRate.toFixed(0)} MB/s (ratio ${ratio(oursRate, fromFileRate)})`,
    );
  }
  await rm(remoteFile, { force: true });
}

async function socketReady(controlPath: string, sshd: TestSshd): Promise<boolean> {
  try {
    execFileSync('ssh', ['-S', controlPath, '-O', 'check', `${sshd.user}@127.0.0.1`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

await main();
