import { expect } from 'chai';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { Informer } from '../../../src/controller/informer.js';
import { Manager } from '../../../src/controller/manager.js';
import { requestKey } from '../../../src/controller/reconciler.js';
import { watchOwnKind } from '../../../src/controller/watch-sources.js';
import type { TestApiServer } from '../../support/apiserver/index.js';
import { VIRTUAL_MACHINES, delay, startServerWithNamespaces, testConfig, virtualMachine, vmClient, waitFor, type VirtualMachineLike } from './support.js';

describe('[REQ-01] Manager limited to the configured namespaces, against the test API server', function () {
  this.timeout(30_000);
  let server: TestApiServer;
  let kubeConfig: KubeConfig;
  let manager: Manager;
  let informer: Informer<VirtualMachineLike>;
  let reconciled: Set<string>;

  beforeEach(async () => {
    ({ server, kubeConfig } = await startServerWithNamespaces('team-a', 'team-b', 'team-c'));
    const vms = vmClient(kubeConfig);
    await vms.create(virtualMachine('team-a', 'early'));
    await vms.create(virtualMachine('team-c', 'early'));
    reconciled = new Set();
    manager = new Manager({ kubeConfig, config: { ...testConfig({ enabled: false }), namespaces: ['team-a', 'team-b'] }, identity: 'scoped' });
    informer = manager.informerFor<VirtualMachineLike>(VIRTUAL_MACHINES);
    manager.addController({
      name: 'vm',
      workers: 2,
      sources: [watchOwnKind(informer)],
      reconciler: { reconcile: async (request) => { reconciled.add(requestKey(request)); return {}; } },
    });
    manager.start();
    await informer.synced;
  });

  afterEach(async () => {
    await manager.stop();
    await server.stop();
  });

  const cachedKeys = (): string[] => informer.store.list().map((o) => `${o.metadata?.namespace}/${o.metadata?.name}`).sort();

  it('reconciles objects of the watched namespaces and never those of another namespace', async () => {
    const vms = vmClient(kubeConfig);
    await waitFor('the listed object of team-a', () => reconciled.has('team-a/early'));
    await vms.create(virtualMachine('team-c', 'late'));
    await vms.create(virtualMachine('team-b', 'late'));
    await vms.mergePatch('team-c', 'early', { metadata: { labels: { touched: 'yes' } } });
    await vms.create(virtualMachine('team-a', 'last'));
    await waitFor('the objects created in team-a and team-b', () => reconciled.has('team-b/late') && reconciled.has('team-a/last'));
    await delay(500);
    expect([...reconciled].sort()).to.deep.equal(['team-a/early', 'team-a/last', 'team-b/late']);
    expect(cachedKeys()).to.deep.equal(['team-a/early', 'team-a/last', 'team-b/late']);
    const everywhere = (await vms.list()).items.map((o) => `${o.metadata?.namespace}/${o.metadata?.name}`).sort();
    expect(everywhere).to.include.members(['team-c/early', 'team-c/late']);
  });

  it('relists each watched namespace after compaction, missing neither creations nor deletions', async () => {
    const vms = vmClient(kubeConfig);
    await vms.create(virtualMachine('team-b', 'doomed'));
    await waitFor('team-b/doomed cached', () => cachedKeys().includes('team-b/doomed'));
    server.compact();
    server.dropWatches();
    await vms.create(virtualMachine('team-a', 'after-compact'));
    await kubeConfig.makeApiClient(CustomObjectsApi).deleteNamespacedCustomObject({ group: 'virtfleet.io', version: 'v1alpha1', plural: 'virtualmachines', namespace: 'team-b', name: 'doomed' });
    await vms.create(virtualMachine('team-c', 'after-compact'));
    await waitFor('the cache to follow both namespaces', () => JSON.stringify(cachedKeys()) === JSON.stringify(['team-a/after-compact', 'team-a/early']));
    await waitFor('the creation reconciled', () => reconciled.has('team-a/after-compact'));
    expect([...reconciled].filter((key) => key.startsWith('team-c/'))).to.deep.equal([]);
  });
});
