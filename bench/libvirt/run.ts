/**
 * [REQ-03][REQ-06] `npm run bench:libvirt`: the RPC client against virsh on the same libvirtd.
 * (a) domain get-state latency: 1,000 calls on one RPC connection vs one `virsh` process per call vs one
 *     persistent `virsh` shell; (b) define+start+destroy+undefine cycle time; (c) volume upload MB/s vs
 *     `virsh vol-upload` and a plain `cat` copy. The target is libvirtd on this machine reached through
 *     `virt-ssh-helper` (what qemu+ssh runs on a host); virsh reaches it the same way through the `qemu+ext`
 *     transport, so every variant crosses the same helper and none pays for SSH.
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { chmod, rm, writeFile } from 'node:fs/promises';
import { buildDomainXml } from '../../src/libvirt/domain-xml.js';
import { buildDirPoolXml, buildVolumeXml } from '../../src/libvirt/storage-xml.js';
import { PoolCreateFlags } from '../../src/libvirt/operations/storage-operations.js';
import { localLibvirtTarget, uniqueName } from '../../test/integration/libvirt/libvirt-test-target.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 1000);
const VIRSH_CALLS = Number(process.env.BENCH_VIRSH_CALLS ?? 20);
const CYCLES = Number(process.env.BENCH_CYCLES ?? 10);
const UPLOAD_MIB = Number(process.env.BENCH_UPLOAD_MIB ?? 256);
const UPLOAD_RUNS = 3;

function percentile(samples: number[], fraction: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
}

function median(samples: number[]): number {
  return percentile(samples, 0.5);
}

async function timed(action: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await action();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function domainXml(name: string): string {
  return buildDomainXml({
    name, type: 'qemu', machine: 'pc', vcpus: 1, memoryBytes: 64 * 1024 * 1024, firmware: 'bios', disks: [], interfaces: [],
    owner: { namespace: 'bench', name, uid: '00000000-0000-4000-8000-00000000be4c', generation: 1 },
  });
}

/** One `virsh` process kept open; each command ends with an echo marker so its reply can be awaited. */
function virshShell(): { command(line: string): Promise<string>; close(): void } {
  const child = spawn('virsh', ['-c', VIRSH_URI], { stdio: ['pipe', 'pipe', 'ignore'] });
  let buffered = '';
  let waiter: ((output: string) => void) | null = null;
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const end = buffered.indexOf('__virtfleet_end__');
    if (end >= 0 && waiter) {
      const output = buffered.slice(0, end);
      buffered = buffered.slice(buffered.indexOf('\n', end) + 1);
      const resolve = waiter;
      waiter = null;
      resolve(output);
    }
  });
  return {
    command: (line) => new Promise((resolve) => {
      waiter = resolve;
      child.stdin.write(`${line}\necho __virtfleet_end__\n`);
    }),
    close: () => child.stdin.end(),
  };
}

const helperScript = `/tmp/virtfleet-bench-helper-${process.pid}.sh`;
await writeFile(helperScript, '#!/bin/sh\nexec virt-ssh-helper qemu:///system\n');
await chmod(helperScript, 0o755);
/** virsh through the same virt-ssh-helper hop as the RPC client (libvirt's `ext` transport runs the command). */
const VIRSH_URI = `qemu+ext:///system?command=${helperScript}`;
const virsh = (args: string[]): Promise<unknown> => target.run(['virsh', '-c', VIRSH_URI, ...args]);

const target = await localLibvirtTarget();
const client = target.client();
const results: Record<string, number> = {};

// (a) get-state latency
const name = uniqueName('vf-bench');
const domain = await client.domains.defineXml(domainXml(name));
await client.domains.create(domain);
for (let warm = 0; warm < 50; warm += 1) await client.domains.getState(domain);
const rpcSamples: number[] = [];
for (let call = 0; call < CALLS; call += 1) rpcSamples.push(await timed(() => client.domains.getState(domain)));
const virshSamples: number[] = [];
for (let call = 0; call < VIRSH_CALLS; call += 1) virshSamples.push(await timed(() => virsh(['domstate', name])));
const shell = virshShell();
await shell.command(`domstate ${name}`);
const shellSamples: number[] = [];
for (let call = 0; call < 200; call += 1) shellSamples.push(await timed(() => shell.command(`domstate ${name}`)));
shell.close();
await client.domains.destroy(domain);
await client.domains.undefine(domain);
Object.assign(results, {
  rpcGetStateP50Ms: percentile(rpcSamples, 0.5), rpcGetStateP99Ms: percentile(rpcSamples, 0.99),
  virshPerCallP50Ms: percentile(virshSamples, 0.5), virshPerCallP99Ms: percentile(virshSamples, 0.99),
  virshShellP50Ms: percentile(shellSamples, 0.5), virshShellP99Ms: percentile(shellSamples, 0.99),
});

// (b) define + start + destroy + undefine
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

// (c) volume upload
const poolName = uniqueName('vf-bench-pool');
const poolPath = `/tmp/${poolName}`;
const sourceFile = `/tmp/${poolName}.src`;
await target.run(['sh', '-c', `head -c ${UPLOAD_MIB}M /dev/urandom > ${sourceFile}`]);
const pool = await client.storage.definePoolXml(buildDirPoolXml({ name: poolName, path: poolPath }));
await client.storage.createPool(pool, PoolCreateFlags.WithBuild);
const bytes = UPLOAD_MIB * 1024 * 1024;
const rate = (ms: number): number => bytes / 1e6 / (ms / 1000);
const rpcUpload: number[] = [];
const virshUpload: number[] = [];
const catCopy: number[] = [];
for (let run = 0; run < UPLOAD_RUNS; run += 1) {
  const volume = await client.storage.createVolumeXml(pool, buildVolumeXml({ name: `rpc-${run}.raw`, capacityBytes: bytes, format: 'raw' }));
  rpcUpload.push(rate(await timed(() => client.storage.uploadVolume(volume, createReadStream(sourceFile, { highWaterMark: 1024 * 1024 })))));
  await target.virsh(['vol-create-as', poolName, `virsh-${run}.raw`, String(bytes), '--format', 'raw']);
  virshUpload.push(rate(await timed(() => virsh(['vol-upload', '--pool', poolName, `virsh-${run}.raw`, sourceFile]))));
  catCopy.push(rate(await timed(() => target.run(['sh', '-c', `cat ${sourceFile} > ${poolPath}/cat-${run}.raw`]))));
}
Object.assign(results, { rpcUploadMBps: median(rpcUpload), virshUploadMBps: median(virshUpload), catCopyMBps: median(catCopy) });
await target.virsh(['pool-destroy', poolName]);
await target.virsh(['pool-undefine', poolName]);
await rm(poolPath, { recursive: true, force: true });
await rm(sourceFile, { force: true });
await rm(helperScript, { force: true });
await client.close();

const ratio = (a: number, b: number): string => `${(a / b).toFixed(1)}x`;
console.log(`get-state p50/p99 ms: rpc ${results['rpcGetStateP50Ms']!.toFixed(3)}/${results['rpcGetStateP99Ms']!.toFixed(3)} (${CALLS} calls), `
  + `virsh per call ${results['virshPerCallP50Ms']!.toFixed(1)}/${results['virshPerCallP99Ms']!.toFixed(1)} (${VIRSH_CALLS}), `
  + `virsh shell ${results['virshShellP50Ms']!.toFixed(3)}/${results['virshShellP99Ms']!.toFixed(3)} (200)`);
console.log(`get-state speed-up: ${ratio(results['virshPerCallP50Ms']!, results['rpcGetStateP50Ms']!)} vs virsh per call (target >= 100x), `
  + `${ratio(results['virshShellP50Ms']!, results['rpcGetStateP50Ms']!)} vs virsh shell; p50 target <= 1 ms: ${results['rpcGetStateP50Ms']! <= 1 ? 'met' : 'MISSED'}`);
console.log(`define+start+destroy+undefine cycle p50: ${results['rpcCycleP50Ms']!.toFixed(1)} ms (${CYCLES} cycles)`);
console.log(`upload ${UPLOAD_MIB} MiB MB/s (median of ${UPLOAD_RUNS}): rpc ${results['rpcUploadMBps']!.toFixed(0)}, virsh vol-upload ${results['virshUploadMBps']!.toFixed(0)}, cat ${results['catCopyMBps']!.toFixed(0)}; `
  + `rpc/virsh ${ratio(results['rpcUploadMBps']!, results['virshUploadMBps']!)} (target >= 1.0x)`);
console.log(JSON.stringify(results));
