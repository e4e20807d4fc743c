/**
 * [REQ-01][REQ-06] `npm run bench:vm`: VirtualMachines through the whole operator (test API server, `virtfleet run`
 * as a child process, two Docker libvirt hosts at cpuAllocationRatio 32), against the floor measured on the same
 * hosts in the same run (floor.ts).
 * (a) `kubectl apply` of 1, 10 and 50 VMs (no OS: no disks, 64 MiB) until each is seen Running on a watch: p50,
 *     p99 and total, vs the RPC floor (define + start of as many domains, all at once, at most 4 calls per host at a
 *     time like the operator) and, per VM, `virsh define`
 *     + `virsh start` over qemu+ssh;
 * (b) a guest stopped out of band (destroy through a second libvirt connection, as `virsh destroy` does) until the
 *     status shows it: Manual VMs until Stopped, Always VMs until the status shows the restart (Running again);
 * (c) operator CPU seconds and RSS growth per VM at 50 VMs, from /proc/<pid>.
 * Targets: (a) p50 <= floor p50 + 100 ms, 50 VMs in <= 1.5x the floor's total; (b) p50 <= 1 s.
 * Knobs: BENCH_SIZES (1,10,50), BENCH_VIRSH_VMS (5), BENCH_STOPS (5).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostOperationSlots } from '../../src/hosts/host-operation-slots.js';
import type { LibvirtClient } from '../../src/libvirt/libvirt-client.js';
import { libvirtTestHost } from '../../test/integration/libvirt/libvirt-test-target.js';
import { APPS, VmE2eEnv } from '../../test/e2e/virtual-machine/vm-e2e-env.js';
import { openSshVirsh } from '../libvirt/openssh-virsh.js';
import { percentile } from '../support/stats.js';
import { removeFloor, rpcFloor, virshFloor } from './floor.js';
import { now, VmWatch } from './vm-watch.js';

const SIZES = (process.env.BENCH_SIZES ?? '1,10,50').split(',').map(Number);
const VIRSH_VMS = Number(process.env.BENCH_VIRSH_VMS ?? 5);
const STOPS = Number(process.env.BENCH_STOPS ?? 5);
const spread = { hostSelector: { matchLabels: { 'virtfleet.io/zone': 'e2e' } } };
const fmt = (ms: number): string => `${ms.toFixed(0)} ms`;

interface ProcSample { cpuSeconds: number; rssMiB: number }

async function procSample(pid: number): Promise<ProcSample> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14 and 15 of proc(5)), at 100 Hz
  const rss = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1];
  return { cpuSeconds: ticks / 100, rssMiB: Number(rss) / 1024 };
}

const loadavg = async (): Promise<string> => (await readFile('/proc/loadavg', 'utf8')).trim();

const env = new VmE2eEnv({ namePrefix: 'vm-bench', hostSpec: () => ({ cpuAllocationRatio: 32 }) });
let watch: VmWatch | undefined;
let clients: LibvirtClient[] = [];
const closers: Array<() => unknown> = [];
const lines: string[] = [];
const say = (line: string): void => { lines.push(line); console.log(line); };
try {
  console.error('bench:vm starting the API server, 2 hosts and the operator');
  await env.start();
  const vms = new VmWatch(env.server.kubeconfigPath, APPS);
  watch = vms;
  await vms.start();
  const fleet = env.hosts.map(libvirtTestHost);
  // Calls wait behind QEMU starts on a loaded machine: a generous timeout, so the floor measures rather than fails.
  clients = fleet.map((host) => host.client({ callTimeoutMs: 300_000 }));
  // The operator's bound: each Host's maxConcurrentOperations (the CRD default, 4), read from the same objects.
  const slots = new HostOperationSlots({ get: () => undefined });
  closers.push(...fleet.map((host) => () => host.session.close()));
  // Warm-up: the first define on a host probes QEMU's capabilities (seconds); neither side should pay for it.
  await rpcFloor(clients, slots, 'bench-warm', 2);
  await removeFloor(clients, 'bench-warm', 2);

  const applyVms = async (prefix: string, count: number, spec: Record<string, unknown>): Promise<number> => {
    const manifests = Array.from({ length: count }, (_, index) => env.vmManifest(`${prefix}-${index}`, { ...spread, ...spec }));
    const t0 = now();
    await env.ok(['apply', '-f', '-'], manifests.join('---\n'));
    return t0;
  };
  const deleteVms = async (names: string[]): Promise<void> => {
    await env.ok(['-n', APPS, 'delete', 'vm', ...names, '--timeout=300s']);
  };
  const names = (prefix: string, count: number): string[] => Array.from({ length: count }, (_, index) => `${prefix}-${index}`);

  // (a) apply to Running
  const results: Record<string, unknown> = {};
  let cost: { cpuPerVm: number; rssPerVm: number; before: ProcSample; after: ProcSample } | undefined;
  for (const size of SIZES) {
    console.error(`bench:vm (a) ${size} VMs: floor, then the operator`);
    const floor = await rpcFloor(clients, slots, `bench-floor${size}`, size);
    await removeFloor(clients, `bench-floor${size}`, size);
    const pid = env.operator?.pid as number;
    const before = await procSample(pid);
    const t0 = await applyVms(`apply${size}`, size, {});
    const perVm = await vms.until(`${size} VMs Running`, 600_000, () => {
      const seen = names(`apply${size}`, size).map((name) => vms.firstSeen(name, 'Running'));
      return seen.every((at) => at !== undefined) ? seen.map((at) => (at as number) - t0) : undefined;
    });
    const after = await procSample(pid);
    if (size === Math.max(...SIZES)) {
      cost = { cpuPerVm: (after.cpuSeconds - before.cpuSeconds) / size, rssPerVm: (after.rssMiB - before.rssMiB) / size, before, after };
      say(`(c) operator at ${size} VMs: ${cost.cpuPerVm.toFixed(3)} CPU s per VM (apply to Running), RSS +${cost.rssPerVm.toFixed(2)} MiB per VM `
        + `(${before.rssMiB.toFixed(0)} -> ${after.rssMiB.toFixed(0)} MiB, ${(after.cpuSeconds - before.cpuSeconds).toFixed(1)} CPU s in all)`);
    }
    const row = {
      vms: size, p50Ms: percentile(perVm, 0.5), p99Ms: percentile(perVm, 0.99), totalMs: Math.max(...perVm),
      floorP50Ms: percentile(floor.perVmMs, 0.5), floorP99Ms: percentile(floor.perVmMs, 0.99), floorTotalMs: floor.totalMs, load: await loadavg(),
    };
    results[`apply${size}`] = row;
    say(`(a) ${size} VMs apply->Running p50 ${fmt(row.p50Ms)} p99 ${fmt(row.p99Ms)} total ${fmt(row.totalMs)} | RPC floor p50 ${fmt(row.floorP50Ms)} p99 ${fmt(row.floorP99Ms)} total ${fmt(row.floorTotalMs)} `
      + `| p50 over floor ${fmt(row.p50Ms - row.floorP50Ms)} (target <= 100 ms: ${row.p50Ms - row.floorP50Ms <= 100 ? 'met' : 'MISSED'}), total ${(row.totalMs / row.floorTotalMs).toFixed(2)}x floor`
      + `${size >= 50 ? ` (target <= 1.5x: ${row.totalMs <= 1.5 * row.floorTotalMs ? 'met' : 'MISSED'})` : ''} | loadavg ${row.load}`);
    await deleteVms(names(`apply${size}`, size));
  }

  console.error(`bench:vm (a) virsh define + start over qemu+ssh, ${VIRSH_VMS} VMs one by one`);
  const cipher = fleet[0]?.session.connectionInfo?.negotiated.cipher ?? 'aes128-gcm@openssh.com';
  const virsh = await openSshVirsh(env.host(0), cipher);
  closers.push(() => virsh.cleanup());
  const scratch = await mkdtemp(join(tmpdir(), 'virtfleet-bench-vm-'));
  closers.push(() => rm(scratch, { recursive: true, force: true }));
  const virshSamples = await virshFloor(virsh, scratch, 'bench-virsh', VIRSH_VMS);
  await removeFloor([clients[0] as LibvirtClient], 'bench-virsh', VIRSH_VMS);
  results['virshPerVm'] = { p50Ms: percentile(virshSamples, 0.5), p99Ms: percentile(virshSamples, 0.99) };
  say(`(a) virsh define+start over qemu+ssh per VM (sequential, ${VIRSH_VMS}): p50 ${fmt(percentile(virshSamples, 0.5))} p99 ${fmt(percentile(virshSamples, 0.99))}`);

  // (b) out-of-band stop to status
  console.error('bench:vm (b) out-of-band destroy until the status shows it');
  const stopRuns = async (strategy: 'Manual' | 'Always'): Promise<number[]> => {
    const prefix = `stop-${strategy.toLowerCase()}`;
    const t0 = await applyVms(prefix, STOPS, strategy === 'Manual' ? { runStrategy: 'Manual' } : {});
    if (strategy === 'Manual') {
      for (const name of names(prefix, STOPS)) await env.ok(['-n', APPS, 'annotate', 'vm', name, 'virtfleet.io/power=on@1']);
    }
    await vms.until(`${prefix} Running`, 300_000, () => names(prefix, STOPS).every((name) => vms.seenAfter(name, t0, (entry) => entry.printableStatus === 'Running') !== undefined) || undefined);
    const samples: number[] = [];
    for (const name of names(prefix, STOPS)) {
      const vm = await env.getVm(name);
      const client = clients[vm.status?.host === 'hv0' ? 0 : 1] as LibvirtClient;
      const domain = await client.domains.lookupByName(`${APPS}_${name}`);
      await client.domains.destroy(domain);
      const stopped = now();
      const shown = await vms.until(`${name} status after destroy`, 60_000, () => vms.seenAfter(name, stopped, (entry) =>
        strategy === 'Manual' ? entry.printableStatus === 'Stopped' : entry.printableStatus === 'Running' && entry.failCount >= 1));
      samples.push(shown - stopped);
    }
    await deleteVms(names(prefix, STOPS));
    return samples;
  };
  for (const strategy of ['Manual', 'Always'] as const) {
    const samples = await stopRuns(strategy);
    const p50 = percentile(samples, 0.5);
    results[`stop${strategy}`] = { p50Ms: p50, maxMs: Math.max(...samples) };
    say(`(b) ${strategy}: destroy -> status ${strategy === 'Manual' ? 'Stopped' : 'Running again (restart counted)'} p50 ${fmt(p50)} max ${fmt(Math.max(...samples))} (target p50 <= 1 s: ${p50 <= 1000 ? 'met' : 'MISSED'})`);
  }

  if (cost !== undefined) results['operatorCost'] = cost;
  say(`loadavg at the end: ${await loadavg()}`);
  console.log(JSON.stringify(results));
} finally {
  watch?.stop();
  await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
  for (const close of closers.reverse()) await close();
  await env.stop();
}
