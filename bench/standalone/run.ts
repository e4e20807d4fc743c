/**
 * [REQ-06] `npm run bench:standalone`: create, get, list and watch against the API server in memory (the test
 * server of before) and over SQLite with and without fsync (group commit), each in its own process, through HTTPS with keep-alive
 * and CONCURRENCY requests in flight. BENCH_OBJECTS (default 2,000) VirtualMachines, validated by their CRD.
 * The controller workload on the persisted store: `VIRTFLEET_TEST_APISERVER_STORE=sqlite npm run bench:controller`.
 */
import { fork } from 'node:child_process';
import { Agent, request } from 'node:https';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { percentile } from '../support/stats.js';

const COUNT = Number(process.env.BENCH_OBJECTS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const WATCHED = 200;
const PATH = '/apis/virtfleet.io/v1alpha1/namespaces/default/virtualmachines';

interface Endpoint {
  url: string;
  caPem: string;
  token: string;
}

interface Figures {
  perSecond: number;
  p50: number;
  p99: number;
}

function call(endpoint: Endpoint, agent: Agent, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(`${endpoint.url}${path}`, { method, agent, ca: endpoint.caPem, headers: { Authorization: `Bearer ${endpoint.token}`, 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

function vm(name: string): Record<string, unknown> {
  return {
    apiVersion: 'virtfleet.io/v1alpha1',
    kind: 'VirtualMachine',
    metadata: { name, labels: { bench: 'standalone' } },
    spec: { cpu: { cores: 2 }, memory: '2Gi', disks: [{ name: 'root', source: { blank: { size: '10Gi' } } }] },
  };
}

async function measure(count: number, action: (i: number) => Promise<void>): Promise<Figures> {
  const latencies: number[] = [];
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        const i = next++;
        const t = process.hrtime.bigint();
        await action(i);
        latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { perSecond: count / seconds, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
}

/** Create -> watch event latency, one object at a time. */
async function watchLatency(endpoint: Endpoint, agent: Agent): Promise<Figures> {
  const list = JSON.parse((await call(endpoint, agent, 'GET', `${PATH}?limit=1`)).text) as { metadata: { resourceVersion: string } };
  const pending = new Map<string, () => void>();
  const req = request(`${endpoint.url}${PATH}?watch=true&resourceVersion=${list.metadata.resourceVersion}`, { ca: endpoint.caPem, headers: { Authorization: `Bearer ${endpoint.token}` } }, (res) => {
    let buffer = '';
    res.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const event = JSON.parse(buffer.slice(0, nl)) as { object: { metadata: { name: string } } };
        buffer = buffer.slice(nl + 1);
        pending.get(event.object.metadata.name)?.();
      }
    });
  });
  req.on('error', () => {});
  req.end();
  const latencies: number[] = [];
  const started = process.hrtime.bigint();
  for (let i = 0; i < WATCHED; i += 1) {
    const name = `watched-${i}`;
    const seen = new Promise<void>((resolve) => pending.set(name, resolve));
    const t = process.hrtime.bigint();
    await call(endpoint, agent, 'POST', PATH, vm(name));
    await seen;
    latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  req.destroy();
  return { perSecond: WATCHED / seconds, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
}

async function runStore(store: string): Promise<Record<string, Figures>> {
  const server = fork(fileURLToPath(new URL('./server-process.ts', import.meta.url)), [store], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const endpoint = await new Promise<Endpoint>((resolve, reject) => {
    server.once('message', (m) => resolve(m as Endpoint));
    server.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  try {
    const expect = (status: number, wanted: number): void => {
      if (status !== wanted) throw new Error(`expected HTTP ${wanted}, got ${status}`);
    };
    const create = await measure(COUNT, async (i) => expect((await call(endpoint, agent, 'POST', PATH, vm(`vm-${i}`))).status, 201));
    const get = await measure(COUNT, async (i) => expect((await call(endpoint, agent, 'GET', `${PATH}/vm-${i}`)).status, 200));
    const list = await measure(20, async () => expect((await call(endpoint, agent, 'GET', PATH)).status, 200));
    const watch = await watchLatency(endpoint, agent);
    return { create, get, [`list of ${COUNT}`]: list, 'create -> watch event': watch };
  } finally {
    agent.destroy();
    server.send('stop');
    await new Promise((resolve) => server.once('exit', resolve));
  }
}

const STORES = ['memory', 'sqlite-full', 'sqlite-normal'] as const;
const results: Record<string, Record<string, Figures>> = {};
for (const store of STORES) results[store] = await runStore(store);
const fmt = (n: number): string => n.toFixed(n >= 100 ? 0 : 1);
console.log(`\nAPI server benchmark: ${COUNT} VirtualMachines, ${CONCURRENCY} requests in flight, load average ${loadavg()[0]!.toFixed(1)}`);
console.log('memory: the test server; sqlite-full: standalone default (group commit, fsync per batch); sqlite-normal: WAL without fsync (survives a process crash)\n');
console.log(['operation'.padEnd(22), ...STORES.map((store) => `${store} /s, p50, p99 ms`.padStart(34))].join(' | '));
for (const operation of Object.keys(results.memory!)) {
  const cells = STORES.map((store) => {
    const f = results[store]![operation]!;
    return `${fmt(f.perSecond)}/s, ${fmt(f.p50)}, ${fmt(f.p99)}`.padStart(34);
  });
  console.log([operation.padEnd(22), ...cells].join(' | '));
}
