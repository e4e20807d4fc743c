/**
 * [REQ-06] `npm run bench:controller`: the controller runtime against a status-only workload of BENCH_OBJECTS
 * (default 10,000) VirtualMachines, and the same workload written directly against client-node as the baseline.
 * Each variant runs in a fresh process against a fresh test API server (itself in another process).
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const COUNT = Number(process.env.BENCH_OBJECTS ?? 10_000);
const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));

interface VariantResult {
  variant: string; objects: number; completed: number; reconcileCalls: number; statusWrites: number; createPerSecond: number;
  statusPerSecond: number; latencyP50Ms: number; latencyP99Ms: number; rssPer1000MiB: number; rssAfterMiB: number;
}

async function runVariant(variant: string): Promise<VariantResult> {
  const server = fork(here('./server-process.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  try {
    const { kubeconfigPath } = await new Promise<{ kubeconfigPath: string }>((resolve, reject) => {
      server.once('message', (m) => resolve(m as { kubeconfigPath: string }));
      server.once('exit', (code) => reject(new Error(`test API server exited with ${code}`)));
    });
    const workload = fork(here('./workload.ts'), [variant, kubeconfigPath, String(COUNT)], {
      execArgv: ['--import', 'tsx', '--expose-gc'],
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    let output = '';
    workload.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    const code = await new Promise<number | null>((resolve) => workload.once('exit', resolve));
    if (code !== 0) throw new Error(`${variant} workload exited with ${code}`);
    return JSON.parse(output.trim().split('\n').pop() ?? '') as VariantResult;
  } finally {
    server.send('stop');
    await new Promise((resolve) => { server.once('exit', resolve); setTimeout(resolve, 5000); });
    server.kill();
  }
}

const runtime = await runVariant('runtime');
const baseline = await runVariant('baseline');
const fmt = (n: number, digits = 1): string => n.toFixed(digits);
const rows: Array<[string, (r: VariantResult) => string]> = [
  ['objects completed', (r) => `${r.completed}/${r.objects}`],
  ['reconcile calls', (r) => String(r.reconcileCalls)],
  ['status writes', (r) => String(r.statusWrites)],
  ['creates per second', (r) => fmt(r.createPerSecond)],
  ['objects reconciled to status per second', (r) => fmt(r.statusPerSecond)],
  ['create -> status p50 (ms)', (r) => fmt(r.latencyP50Ms)],
  ['create -> status p99 (ms)', (r) => fmt(r.latencyP99Ms)],
  ['RSS per 1,000 objects (MiB)', (r) => fmt(r.rssPer1000MiB, 2)],
  ['RSS at end (MiB)', (r) => fmt(r.rssAfterMiB)],
];
const width = Math.max(...rows.map(([label]) => label.length));
console.log(`\nController runtime benchmark: ${COUNT} VirtualMachines, status-only reconciler\n`);
console.log(`${'metric'.padEnd(width)} | ${'runtime'.padStart(12)} | ${'baseline'.padStart(12)}`);
console.log(`${'-'.repeat(width)}-+-${'-'.repeat(12)}-+-${'-'.repeat(12)}`);
for (const [label, value] of rows) console.log(`${label.padEnd(width)} | ${value(runtime).padStart(12)} | ${value(baseline).padStart(12)}`);
console.log(`\nOverhead ratio (runtime / baseline): throughput ${fmt(baseline.statusPerSecond / runtime.statusPerSecond, 2)}x time, ` +
  `p50 latency ${fmt(runtime.latencyP50Ms / baseline.latencyP50Ms, 2)}x, p99 latency ${fmt(runtime.latencyP99Ms / baseline.latencyP99Ms, 2)}x, ` +
  `RSS per 1,000 objects ${fmt(runtime.rssPer1000MiB / baseline.rssPer1000MiB, 2)}x`);
