import { expect } from 'chai';
import { CustomObjectsApi, Watch, type KubeConfig } from '@kubernetes/client-node';
import { systemClock } from '../../../src/time/clock.js';
import { Informer, type InformerEvent } from '../../../src/controller/informer.js';
import { noopMetrics } from '../../../src/controller/metrics-sink.js';
import { silentLogger } from '../../../src/controller/runtime-logger.js';
import type { TestApiServer } from '../../support/apiserver/index.js';
import { VIRTUAL_MACHINES, startServerWithNamespaces, virtualMachine, vmClient, waitFor, type VirtualMachineLike } from './support.js';

describe('[REQ-01] Informer against the test API server', function () {
  this.timeout(30_000);
  let server: TestApiServer;
  let kubeConfig: KubeConfig;
  let informer: Informer<VirtualMachineLike>;
  let restarts: number;
  const events: InformerEvent<VirtualMachineLike>[] = [];

  beforeEach(async () => {
    ({ server, kubeConfig } = await startServerWithNamespaces('vms'));
    restarts = 0;
    events.length = 0;
    const client = vmClient(kubeConfig);
    informer = new Informer<VirtualMachineLike>({
      resource: VIRTUAL_MACHINES,
      list: () => client.list(),
      watch: new Watch(kubeConfig),
      resyncPeriodMs: 0,
      restartBackoff: { baseDelayMs: 50, maxDelayMs: 500 },
      clock: systemClock,
      logger: silentLogger,
      metrics: { ...noopMetrics, incInformerRestarts: () => { restarts += 1; } },
    });
    informer.events().subscribe((event) => events.push(event));
    informer.start();
    await informer.synced;
  });

  afterEach(async () => {
    await informer.stop();
    await server.stop();
  });

  const seen = (type: string, name: string): boolean => events.some((e) => e.type === type && e.object.metadata?.name === name);

  async function expectCacheMatchesServer(): Promise<void> {
    const listed = await vmClient(kubeConfig).list();
    const serverView = listed.items.map((o) => `${o.metadata?.name}@${o.metadata?.resourceVersion}`).sort();
    await waitFor('cache to match the server', () =>
      JSON.stringify(informer.store.list().map((o) => `${o.metadata?.name}@${o.metadata?.resourceVersion}`).sort()) === JSON.stringify(serverView));
  }

  it('delivers adds, updates and deletes and keeps a cache readable by namespace and label', async () => {
    const vms = vmClient(kubeConfig);
    await vms.create({ ...virtualMachine('vms', 'a'), metadata: { namespace: 'vms', name: 'a', labels: { tier: 'web' } } });
    await vms.create(virtualMachine('vms', 'b'));
    await vms.mergePatch('vms', 'b', { metadata: { labels: { tier: 'db' } } });
    await waitFor('updates', () => seen('updated', 'b'));
    expect(informer.store.list({ namespace: 'vms', labels: { tier: 'web' } }).map((o) => o.metadata?.name)).to.deep.equal(['a']);
    expect(informer.store.get('vms', 'b')?.metadata?.labels).to.deep.equal({ tier: 'db' });
    expect(informer.store.list({ namespace: 'other' })).to.deep.equal([]);
  });

  it('survives a server restart and misses nothing created meanwhile', async () => {
    const vms = vmClient(kubeConfig);
    await vms.create(virtualMachine('vms', 'before'));
    await waitFor('before', () => seen('added', 'before'));
    await server.restart();
    await vms.create(virtualMachine('vms', 'after-restart'));
    await waitFor('the object created after the restart', () => seen('added', 'after-restart'));
    expect(restarts).to.be.at.least(1);
    await expectCacheMatchesServer();
  });

  it('relists after 410 Gone (compaction) and delivers changes it did not watch, deletions included', async () => {
    const vms = vmClient(kubeConfig);
    await vms.create(virtualMachine('vms', 'keep'));
    await vms.create(virtualMachine('vms', 'doomed'));
    await waitFor('both', () => seen('added', 'keep') && seen('added', 'doomed'));
    server.compact();
    server.dropWatches();
    await vms.create(virtualMachine('vms', 'new-after-compact'));
    await kubeConfig.makeApiClient(CustomObjectsApi).deleteNamespacedCustomObject({ group: 'virtfleet.io', version: 'v1alpha1', plural: 'virtualmachines', namespace: 'vms', name: 'doomed' });
    await waitFor('the object created after compaction', () => seen('added', 'new-after-compact'));
    await waitFor('the deletion', () => seen('deleted', 'doomed'));
    expect(restarts).to.be.at.least(1);
    await expectCacheMatchesServer();
  });
});
