/**
 * [REQ-06] Profiling aid for the API server's create path: the server in this process (memory or SQLite with
 * fsync), BENCH_OBJECTS (default 2,000) VirtualMachine creates over HTTPS with 16 in flight, then it stops.
 * Prints creates per second and CPU time per create (server and client together, less sensitive to other load
 * than wall time). Run with `node --cpu-prof --cpu-prof-dir DIR --import tsx bench/standalone/profile-create.ts [memory|sqlite-full]`
 * and read the profile with `npx tsx bench/standalone/profile-summary.ts DIR/*.cpuprofile`.
 */
import { Agent, request } from 'node:https';
import { startBenchServer } from './bench-server.js';

const COUNT = Number(process.env.BENCH_OBJECTS ?? 2000);
const PATH = '/apis/virtfleet.io/v1alpha1/namespaces/default/virtualmachines';
const { server, caPem, token, stop } = await startBenchServer(process.argv[2] === 'sqlite-full' ? 'sqlite-full' : 'memory');
const agent = new Agent({ keepAlive: true, maxSockets: 16 });
const create = (i: number): Promise<number> =>
  new Promise((resolve, reject) => {
    const body = JSON.stringify({
      apiVersion: 'virtfleet.io/v1alpha1', kind: 'VirtualMachine', metadata: { name: `vm-${i}`, labels: { bench: 'profile' } },
      spec: { cpu: { cores: 2 }, memory: '2Gi', disks: [{ name: 'root', source: { blank: { size: '10Gi' } } }] },
    });
    const req = request(`${server.url}${PATH}`, { method: 'POST', agent, ca: caPem, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } }, (res) => {
      res.resume().on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
let next = 0;
const started = process.hrtime.bigint();
const cpuBefore = process.cpuUsage();
await Promise.all(Array.from({ length: 16 }, async () => {
  while (next < COUNT) {
    const status = await create(next++);
    if (status !== 201) throw new Error(`create answered ${status}`);
  }
}));
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const cpu = process.cpuUsage(cpuBefore);
const cpuPerCreate = (cpu.user + cpu.system) / 1000 / COUNT;
console.log(`${COUNT} creates in ${seconds.toFixed(2)} s: ${(COUNT / seconds).toFixed(0)}/s, ${cpuPerCreate.toFixed(2)} ms CPU per create (server and client in this process)`);
agent.destroy();
await stop();
