import { expect } from 'chai';
import type { KubeConfig } from '@kubernetes/client-node';
import { Manager } from '../../../src/controller/manager.js';
import { StatusWriter } from '../../../src/controller/status-writer.js';
import { watchOwnKind, type OwnKindWatchOptions } from '../../../src/controller/watch-sources.js';
import type { TestApiServer } from '../../support/apiserver/index.js';
import { VIRTUAL_MACHINES, startServerWithNamespaces, testConfig, virtualMachine, vmClient, waitFor, type VirtualMachineLike } from './support.js';

type Vm = VirtualMachineLike & { status?: { printableStatus?: string; observedGeneration?: number } };

/**
 * One worker and FIFO order make a sentinel object a sync point: once an object created after a change is
 * reconciled, every reconcile that change could have requested has already run.
 */
describe('[REQ-01][REQ-06] Own-kind watch skips the reconciler\'s own status write, against the test API server', function () {
  this.timeout(30_000);
  let server: TestApiServer;
  let kubeConfig: KubeConfig;
  let manager: Manager;
  let reconciles: Map<string, number>;
  let sentinels = 0;

  beforeEach(async () => {
    ({ server, kubeConfig } = await startServerWithNamespaces('vms'));
    reconciles = new Map();
  });
  afterEach(async () => {
    await manager.stop();
    await server.stop();
  });

  /** A status-writing reconciler (observedGeneration), counting its calls per object. */
  function startController(options?: OwnKindWatchOptions): void {
    manager = new Manager({ kubeConfig, config: testConfig({ enabled: false }), identity: 'solo' });
    const statusWriter = new StatusWriter<NonNullable<Vm['status']>, Vm>(vmClient(kubeConfig));
    manager.addController({
      name: 'vm',
      workers: 1,
      sources: [watchOwnKind(manager.informerFor<Vm>(VIRTUAL_MACHINES), options)],
      reconciler: {
        async reconcile(request) {
          reconciles.set(request.name, (reconciles.get(request.name) ?? 0) + 1);
          const vm = await vmClient(kubeConfig).get(request.namespace, request.name);
          if (vm !== undefined) await statusWriter.update(vm, { printableStatus: 'Stopped' });
          return {};
        },
      },
    });
    manager.start();
  }

  /** Creates a fresh object and waits until it is reconciled: every earlier event has been handled by then. */
  async function settle(): Promise<void> {
    const name = `sentinel-${sentinels++}`;
    await vmClient(kubeConfig).create(virtualMachine('vms', name));
    await waitFor(`${name} reconciled`, () => reconciles.has(name));
  }

  async function statusWritten(name: string, generation: number): Promise<void> {
    await waitFor(`${name} status for generation ${generation}`, async () => (await vmClient(kubeConfig).get('vms', name) as Vm | undefined)?.status?.observedGeneration === generation);
  }

  it('reconciles a new object once, then again for a spec change and a label change, but not for status written by anyone', async () => {
    startController();
    const client = vmClient(kubeConfig);
    await client.create(virtualMachine('vms', 'vm-1'));
    await statusWritten('vm-1', 1);
    await settle();
    expect(reconciles.get('vm-1'), 'create (own status write skipped)').to.equal(1);

    await client.mergePatch('vms', 'vm-1', { spec: { memory: '128Mi' } });
    await statusWritten('vm-1', 2);
    await settle();
    expect(reconciles.get('vm-1'), 'after a spec change').to.equal(2);

    await client.mergePatch('vms', 'vm-1', { metadata: { labels: { tier: 'gold' } } });
    await settle();
    expect(reconciles.get('vm-1'), 'after a label change').to.equal(3);

    const current = await client.get('vms', 'vm-1') as Vm;
    await client.replaceStatus({ ...current, status: { ...current.status, printableStatus: 'Running' } });
    await settle();
    expect(reconciles.get('vm-1'), 'after a status write by another client').to.equal(3);
  });

  it('reconciles on its own status write too when the controller opts in to status-only updates', async () => {
    startController({ includeStatusOnlyUpdates: true });
    await vmClient(kubeConfig).create(virtualMachine('vms', 'vm-2'));
    await statusWritten('vm-2', 1);
    await settle();
    expect(reconciles.get('vm-2'), 'create, then the status write coming back (which changes nothing more)').to.equal(2);
  });
});
