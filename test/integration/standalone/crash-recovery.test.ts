import { expect } from 'chai';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api } from '../apiserver/https-client.js';
import { startStandaloneProcess, type StandaloneProcess } from './standalone-process.js';

const WRITES = 100;
const KILL_AFTER = 40;
const IN_FLIGHT = 8;

function configMap(i: number): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `burst-${i}` }, data: { index: String(i), payload: 'x'.repeat(2000 + i) } };
}

describe('[REQ-01] standalone mode under kill -9 during a burst of writes', function () {
  this.timeout(180_000);
  let root: string;
  let running: StandaloneProcess | undefined;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'virtfleet-crash-'));
    await mkdir(join(root, 'config'));
    await writeFile(join(root, 'config', 'controller_config.yaml'), 'metricsAddress: "127.0.0.1:0"\n');
  });
  afterEach(async () => {
    if (running !== undefined && running.child.exitCode === null && running.child.signalCode === null) {
      running.child.kill('SIGTERM');
      await running.exited;
    }
    running = undefined;
    await rm(root, { recursive: true, force: true });
  });

  it('keeps every acknowledged write after kill -9 and restart, and nothing half-written', async () => {
    const dataDir = join(root, 'data');
    running = await startStandaloneProcess(dataDir, join(root, 'config'));
    const endpoint = running.endpoint;
    const acknowledged = new Set<string>();
    let next = 0;
    let killed = false;
    const writer = async (): Promise<void> => {
      while (next < WRITES) {
        const i = next++;
        try {
          const response = await api(endpoint, 'POST', '/api/v1/namespaces/default/configmaps', { body: configMap(i) });
          if (response.status === 201) acknowledged.add(`burst-${i}`);
        } catch {
          // the connection died with the process: not acknowledged
        }
        if (acknowledged.size >= KILL_AFTER && !killed) {
          killed = true;
          running!.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, writer));
    expect(await running.exited).to.equal('SIGKILL');
    expect(acknowledged.size).to.be.within(KILL_AFTER, WRITES - 1);

    running = await startStandaloneProcess(dataDir, join(root, 'config'));
    const list = await api(running.endpoint, 'GET', '/api/v1/namespaces/default/configmaps');
    const items = (list.body.items as { metadata: { name: string; resourceVersion: string }; data: Record<string, string> }[]).filter((c) => c.metadata.name.startsWith('burst-'));
    const stored = new Set(items.map((c) => c.metadata.name));
    expect([...acknowledged].filter((name) => !stored.has(name))).to.deep.equal([]);
    for (const item of items) {
      const i = Number(item.metadata.name.slice('burst-'.length));
      expect(item.data, item.metadata.name).to.deep.equal(configMap(i).data);
    }
    const versions = items.map((c) => Number(c.metadata.resourceVersion));
    expect(new Set(versions).size).to.equal(versions.length);
    const after = await api(running.endpoint, 'POST', '/api/v1/namespaces/default/configmaps', { body: configMap(WRITES) });
    expect(after.status).to.equal(201);
    expect(Number((after.body.metadata as { resourceVersion: string }).resourceVersion)).to.be.greaterThan(Math.max(...versions));
  });
});
