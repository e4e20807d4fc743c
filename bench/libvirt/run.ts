/**
 * [REQ-03][REQ-06] `npm run bench:libvirt`: the RPC client over SSH against the stock tools, on a Docker test
 * host reached through 127.0.0.1. (a) domain get-state latency: 1,000 calls on one RPC connection (ssh2 exec
 * channel running virt-ssh-helper) vs one `virsh -c qemu+ssh://` process per call vs one persistent virsh
 * shell over ssh; (b) define+start+destroy+undefine cycle time; (c) volume upload MB/s vs `virsh vol-upload`
 * over qemu+ssh and vs `ssh host 'cat > file'`. OpenSSH is pinned to the cipher our session negotiated.
 * Knobs: BENCH_CALLS, BENCH_VIRSH_CALLS, BENCH_SHELL_CALLS, BENCH_CYCLES, BENCH_UPLOAD_MIB, BENCH_UPLOAD_RUNS.
 */
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDomainXml } from '../../src/libvirt/domain-xml.js';
import { PoolCreateFlags } from '../../src/libvirt/operations/storage-operations.js';
import { buildDirPoolXml, buildVolumeXml } from '../../src/libvirt/storage-xml.js';
import { startLibvirtHosts, uniqueName } from '../../test/integration/libvirt/libvirt-test-target.js';
import { openSshVirsh, type CommandOutcome } from './openssh-virsh.js';
import { median, percentile, ratio, timed } from '../support/stats.js';
import { writeRandomFile } from './random-file.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 1000);
const VIRSH_CALLS = Number(process.env.BENCH_VIRSH_CALLS ?? 20);
const SHELL_CALLS = Number(process.env.BENCH_SHELL_CALLS ?? 200);
const CYCLES = Number(process.env.BENCH_CYCLES ?? 10);
const UPLOAD_MIB = Number(process.env.BENCH_UPLOAD_MIB ?? 256);
const UPLOAD_RUNS = Number(process.env.BENCH_UPLOAD_RUNS ?? 3);

function domainXml(name: string): string {
  return buildDomainXml({
    name, type: 'qemu', machine: 'pc', vcpus: 1, memoryBytes: 64 * 1024 * 1024, firmware: 'bios', disks: [], interfaces: [],
    owner: { namespace: 'bench', name, uid: '00000000-0000-4000-8000-00000000be4c', generation: 1 },
  });
}

function mustSucceed(what: string, outcome: CommandOutcome): void {
  if (outcome.code !== 0) throw new Error(`${what} failed (${outcome.code}): ${outcome.stderr}`);
}

const fleet = await startLibvirtHosts(1, 'vf-bench-libvirt');
const target = fleet.hosts[0]!;
const client = target.client();
const sourceFile = join(tmpdir(), `${uniqueName('vf-bench-upload')}.raw`);
const results: Record<string, number> = {};
try {
  await client.host.hostname();
  const cipher = target.session.connectionInfo?.negotiated.cipher ?? 'aes128-gcm@openssh.com';
  const openssh = await openSshVirsh(target.host, cipher);

  // (a) get-state latency
  console.error('bench:libvirt (a) get-state latency');
  const name = uniqueName('vf-bench');
  const domain = await client.domains.defineXml(domainXml(name));
  await client.domains.create(domain);
  for (let warm = 0; warm < 50; warm += 1) await client.domains.getState(domain);
  const rpcSamples: number[] = [];
  for (let call = 0; call < CALLS; call += 1) rpcSamples.push(await timed(() => client.domains.getState(domain)));
  const virshSamples: number[] = [];
  for (let call = 0; call < VIRSH_CALLS; call += 1) {
    virshSamples.push(await timed(async () => mustSucceed('virsh domstate', await openssh.virsh(['domstate', name]))));
  }
  const shell = openssh.virshShell();
  await shell.command(`domstate ${name}`);
  const shellSamples: number[] = [];
  for (let call = 0; call < SHELL_CALLS; call += 1) shellSamples.push(await timed(() => shell.command(`domstate ${name}`)));
  shell.close();
  await client.domains.destroy(domain);
  await client.domains.undefine(domain);
  Object.assign(results, {
    rpcGetStateP50Ms: percentile(rpcSamples, 0.5), rpcGetStateP99Ms: percentile(rpcSamples, 0.99),
    virshPerCallP50Ms: percentile(virshSamples, 0.5), virshPerCallP99Ms: percentile(virshSamples, 0.99),
    virshShellP50Ms: percentile(shellSamples, 0.5), virshShellP99Ms: percentile(shellSamples, 0.99),
  });

  // (b) define + start + destroy + undefine
  console.error('bench:libvirt (b) lifecycle cycles');
  const cycleSamples: number[] = [];
  for (let cycle = 0; cycle < CYCLES; cycle += 1) {
    const cycleName = uniqueName(`vf-bench-cycle${cycle}`);
    cycleSamples.push(await timed(async () => {
      const defined = await client.domains.defineXml(domainXml(cycleName));
      await client.domains.create(defined);
      await client.domains.destroy(defined);
      await client.domains.undefine(defined);
    }));
  }
  results['rpcCycleP50Ms'] = median(cycleSamples);
  results['rpcCycleP99Ms'] = percentile(cycleSamples, 0.99);

  // (c) volume upload from a file on this machine into a dir pool on the host
  console.error('bench:libvirt (c) volume upload');
  const bytes = UPLOAD_MIB * 1024 * 1024;
  await writeRandomFile(sourceFile, bytes);
  const poolName = uniqueName('vf-bench-pool');
  const poolPath = `/var/lib/libvirt/images/${poolName}`;
  const pool = await client.storage.definePoolXml(buildDirPoolXml({ name: poolName, path: poolPath }));
  await client.storage.createPool(pool, PoolCreateFlags.WithBuild);
  const rate = (ms: number): number => bytes / 1e6 / (ms / 1000);
  const rpcUpload: number[] = [];
  const virshUpload: number[] = [];
  const sshCat: number[] = [];
  for (let run = 0; run < UPLOAD_RUNS; run += 1) {
    const volume = await client.storage.createVolumeXml(pool, buildVolumeXml({ name: `rpc-${run}.raw`, capacityBytes: bytes, format: 'raw' }));
    rpcUpload.push(rate(await timed(() => client.storage.uploadVolume(volume, createReadStream(sourceFile, { highWaterMark: 1024 * 1024 })))));
    await client.storage.deleteVolume(volume);
    mustSucceed('vol-create-as', await target.virsh(['vol-create-as', poolName, `virsh-${run}.raw`, String(bytes), '--format', 'raw']));
    virshUpload.push(rate(await timed(async () => mustSucceed('virsh vol-upload', await openssh.virsh(['vol-upload', '--pool', poolName, `virsh-${run}.raw`, sourceFile])))));
    mustSucceed('vol-delete', await target.virsh(['vol-delete', '--pool', poolName, `virsh-${run}.raw`]));
    sshCat.push(rate(await timed(async () => mustSucceed('ssh cat', await openssh.sshWithInput(`cat > ${poolPath}/cat-${run}.raw`, sourceFile)))));
    await target.run(['rm', '-f', `${poolPath}/cat-${run}.raw`]);
  }
  Object.assign(results, { rpcUploadMBps: median(rpcUpload), virshUploadMBps: median(virshUpload), sshCatMBps: median(sshCat) });
  await target.virsh(['pool-destroy', poolName]);
  await target.virsh(['pool-undefine', poolName]);
  await openssh.cleanup();

  const r = (key: string): number => results[key]!;
  console.log(`ssh cipher: ${cipher} (ours and OpenSSH's)`);
  console.log(`get-state p50/p99 ms: rpc ${r('rpcGetStateP50Ms').toFixed(3)}/${r('rpcGetStateP99Ms').toFixed(3)} (${CALLS} calls), `
    + `virsh per call ${r('virshPerCallP50Ms').toFixed(1)}/${r('virshPerCallP99Ms').toFixed(1)} (${VIRSH_CALLS}), `
    + `virsh shell ${r('virshShellP50Ms').toFixed(3)}/${r('virshShellP99Ms').toFixed(3)} (${SHELL_CALLS})`);
  console.log(`get-state speed-up at p50: ${ratio(r('virshPerCallP50Ms'), r('rpcGetStateP50Ms'))} vs virsh per call (target >= 100x), `
    + `${ratio(r('virshShellP50Ms'), r('rpcGetStateP50Ms'))} vs virsh shell; p50 <= 1 ms: ${r('rpcGetStateP50Ms') <= 1 ? 'met' : 'MISSED'}`);
  console.log(`define+start+destroy+undefine cycle p50/p99: ${r('rpcCycleP50Ms').toFixed(1)}/${r('rpcCycleP99Ms').toFixed(1)} ms (${CYCLES} cycles)`);
  console.log(`upload ${UPLOAD_MIB} MiB, MB/s median of ${UPLOAD_RUNS}: rpc ${r('rpcUploadMBps').toFixed(0)}, virsh vol-upload ${r('virshUploadMBps').toFixed(0)}, `
    + `ssh cat ${r('sshCatMBps').toFixed(0)}; rpc/virsh ${ratio(r('rpcUploadMBps'), r('virshUploadMBps'))} (target >= 1.0x), `
    + `rpc/ssh-cat ${ratio(r('rpcUploadMBps'), r('sshCatMBps'))}`);
  console.log(JSON.stringify(results));
} finally {
  await client.close();
  await fleet.stop();
  await rm(sourceFile, { force: true });
}
