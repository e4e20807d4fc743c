/**
 * [REQ-03][REQ-06] `tsx bench/libvirt/profile-upload.ts`: where an upload's time goes. For each way of moving
 * the same file into a test host (RPC upload, `virsh vol-upload` over qemu+ssh, `ssh cat`, and raw ssh2 / OpenSSH
 * channels into /dev/null), prints MB/s and the CPU seconds spent by this Node process, the client processes
 * (ssh, virsh), docker-proxy (the 127.0.0.1 port mapping) and each program inside the host (sshd,
 * virt-ssh-helper, libvirtd, libvirt_iohelper, cat), so the bottleneck shows as the busiest column. The RPC
 * upload also runs over an OpenSSH client process (`ssh ALIAS virt-ssh-helper`) instead of ssh2, which
 * separates the cost of the RPC stream itself from the cost of the SSH implementation carrying it.
 * Knobs: BENCH_UPLOAD_MIB (default 256).
 */
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { LibvirtClient } from '../../src/libvirt/libvirt-client.js';
import { PoolCreateFlags } from '../../src/libvirt/operations/storage-operations.js';
import { processTransportFactory } from '../../src/libvirt/rpc/process-transport.js';
import { buildDirPoolXml, buildVolumeXml } from '../../src/libvirt/storage-xml.js';
import { startLibvirtHosts, uniqueName } from '../../test/integration/libvirt/libvirt-test-target.js';
import type { TestHost } from '../../test/support/hosts/index.js';
import { timed } from '../support/stats.js';
import { writeRandomFile } from './random-file.js';
import { openSshVirsh } from './openssh-virsh.js';

const UPLOAD_MIB = Number(process.env.BENCH_UPLOAD_MIB ?? 256);
const TICKS_PER_SECOND = 100;
/** Programs whose CPU time is reported, outside and inside the host. */
const CLIENT_PROGRAMS = ['ssh', 'virsh', 'docker-proxy'];
const HOST_PROGRAMS = ['sshd', 'virt-ssh-helper', 'libvirtd', 'libvirt_iohelp', 'cat'];

/** CPU seconds per program name, children that were reaped included (utime+stime+cutime+cstime). */
function cpuByProgram(statLines: string[], programs: readonly string[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const line of statLines) {
    const open = line.indexOf('(');
    const close = line.lastIndexOf(')');
    if (open < 0 || close < 0) continue;
    const name = line.slice(open + 1, close);
    if (!programs.includes(name)) continue;
    const fields = line.slice(close + 2).split(' ');
    const ticks = [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index] ?? 0), 0);
    totals.set(name, (totals.get(name) ?? 0) + ticks / TICKS_PER_SECOND);
  }
  return totals;
}

async function localStats(): Promise<string[]> {
  const lines: string[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    lines.push(await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => ''));
  }
  return lines;
}

async function hostStats(host: TestHost): Promise<string[]> {
  const read = await host.exec(['sh', '-c', 'cat /proc/[0-9]*/stat 2>/dev/null']);
  return read.stdout.split('\n');
}

interface Sample { local: Map<string, number>; host: Map<string, number>; node: number }

async function sample(host: TestHost): Promise<Sample> {
  const usage = process.cpuUsage();
  return {
    local: cpuByProgram(await localStats(), CLIENT_PROGRAMS),
    host: cpuByProgram(await hostStats(host), HOST_PROGRAMS),
    node: (usage.user + usage.system) / 1e6,
  };
}

/**
 * Runs `action` and prints its rate and CPU use. Processes that ended during it are counted through their
 * parent's reaped-children time; ones that end between samples are missed, so client processes show as
 * lower bounds (ssh/virsh are children of this process: their time appears under `node` children below).
 */
async function profile(label: string, host: TestHost, bytes: number, action: () => Promise<unknown>): Promise<void> {
  const before = await sample(host);
  const childrenBefore = await childrenCpu();
  const ms = await timed(action);
  const after = await sample(host);
  const childrenAfter = await childrenCpu();
  const delta = (a: Map<string, number>, b: Map<string, number>): string => [...new Set([...a.keys(), ...b.keys()])]
    .map((name) => [name, (b.get(name) ?? 0) - (a.get(name) ?? 0)] as const)
    .filter(([, seconds]) => seconds > 0.005)
    .map(([name, seconds]) => `${name} ${seconds.toFixed(2)}`)
    .join(', ');
  console.log(`${label.padEnd(28)} ${(bytes / 1e6 / (ms / 1000)).toFixed(0).padStart(5)} MB/s  wall ${(ms / 1000).toFixed(2)} s | `
    + `node ${(after.node - before.node).toFixed(2)}, node children ${(childrenAfter - childrenBefore).toFixed(2)}, ${delta(before.local, after.local)} | `
    + `host: ${delta(before.host, after.host)}`);
}

/** CPU seconds of this process's reaped children (cutime + cstime). */
async function childrenCpu(): Promise<number> {
  const stat = await readFile('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND;
}

const run = (command: string, args: string[]): Promise<void> => new Promise((resolve, reject) => {
  execFile(command, args, (error) => (error ? reject(error) : resolve()));
});

const fleet = await startLibvirtHosts(1, 'vf-profile-upload');
const target = fleet.hosts[0]!;
const client = target.client();
const bytes = UPLOAD_MIB * 1024 * 1024;
const sourceFile = join(tmpdir(), `${uniqueName('vf-profile')}.raw`);
try {
  await writeRandomFile(sourceFile, bytes);
  await client.host.hostname();
  const cipher = target.session.connectionInfo?.negotiated.cipher ?? 'aes128-gcm@openssh.com';
  const openssh = await openSshVirsh(target.host, cipher);
  const poolName = uniqueName('vf-profile-pool');
  const poolPath = `/var/lib/libvirt/images/${poolName}`;
  const pool = await client.storage.definePoolXml(buildDirPoolXml({ name: poolName, path: poolPath }));
  await client.storage.createPool(pool, PoolCreateFlags.WithBuild);
  const source = (): NodeJS.ReadableStream => createReadStream(sourceFile, { highWaterMark: 1024 * 1024 });

  console.log(`cipher ${cipher}, ${UPLOAD_MIB} MiB; CPU seconds per program`);
  const ssh2Cat = (command: string) => async (): Promise<void> => {
    const process = await target.session.spawn(['sh', '-c', command], { timeoutMs: 0 });
    process.stdout.resume();
    process.stderr.resume();
    await pipeline(source(), process.stdin);
    await process.exit;
  };
  await profile('ssh2 exec cat > /dev/null', target.host, bytes, ssh2Cat('cat > /dev/null'));
  await profile('ssh2 exec cat > file', target.host, bytes, ssh2Cat(`cat > ${poolPath}/ssh2.raw`));
  await profile('openssh cat > /dev/null', target.host, bytes, () => openssh.sshWithInput('cat > /dev/null', sourceFile));
  await profile('openssh cat > file', target.host, bytes, () => openssh.sshWithInput(`cat > ${poolPath}/openssh.raw`, sourceFile));
  const volume = await client.storage.createVolumeXml(pool, buildVolumeXml({ name: 'rpc.raw', capacityBytes: bytes, format: 'raw' }));
  await profile('rpc upload', target.host, bytes, () => client.storage.uploadVolume(volume, createReadStream(sourceFile, { highWaterMark: 1024 * 1024 })));
  const overOpenSsh = new LibvirtClient(processTransportFactory(['ssh', '-F', openssh.configFile, openssh.hostAlias, 'virt-ssh-helper qemu:///system']), {
    uri: 'qemu:///system', callTimeoutMs: 30_000, keepalive: { intervalMs: 5000, countMax: 5 },
    audit: { sink: target.auditLog, host: target.host.name },
  });
  const viaOpenSsh = await client.storage.createVolumeXml(pool, buildVolumeXml({ name: 'rpc-openssh.raw', capacityBytes: bytes, format: 'raw' }));
  await profile('rpc upload over openssh', target.host, bytes, () => overOpenSsh.storage.uploadVolume(viaOpenSsh, createReadStream(sourceFile, { highWaterMark: 1024 * 1024 })));
  await overOpenSsh.close();
  await target.virsh(['vol-create-as', poolName, 'virsh.raw', String(bytes), '--format', 'raw']);
  await profile('virsh vol-upload', target.host, bytes, () => run('virsh', ['-c', openssh.uri, 'vol-upload', '--pool', poolName, 'virsh.raw', sourceFile]));
  await openssh.cleanup();
} finally {
  await client.close();
  await fleet.stop();
  await rm(sourceFile, { force: true });
}
