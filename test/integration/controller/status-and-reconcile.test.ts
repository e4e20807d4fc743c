import { expect } from 'chai';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Condition } from '../../../src/api/v1alpha1/condition.js';
import { setCondition } from '../../../src/controller/conditions.js';
import { CustomResourceClient } from '../../../src/controller/custom-resource-client.js';
import { EventRecorder } from '../../../src/controller/event-recorder.js';
import { ensureFinalizer, runFinalizer } from '../../../src/controller/finalizers.js';
import { Manager } from '../../../src/controller/manager.js';
import type { Reconciler } from '../../../src/controller/reconciler.js';
import { silentLogger } from '../../../src/controller/runtime-logger.js';
import { StatusWriter } from '../../../src/controller/status-writer.js';
import { watchOwnKind } from '../../../src/controller/watch-sources.js';
import { InvalidSpecError } from '../../../src/errors/invalid-spec-error.js';
import type { TestApiServer } from '../../support/apiserver/index.js';
import { VIRTUAL_MACHINES, delay, startServerWithNamespaces, testConfig, virtualMachine, vmClient, waitFor, type VirtualMachineLike } from './support.js';

interface VmStatus { conditions?: Condition[]; observedGeneration?: number }
type Vm = VirtualMachineLike & { status?: VmStatus };

/** A real client that counts the mutating requests it sends. */
class CountingClient extends CustomResourceClient<Vm> {
  mutations: string[] = [];
  override replaceStatus(object: Vm): Promise<Vm> {
    this.mutations.push(`status ${object.metadata?.name}`);
    return super.replaceStatus(object);
  }
  override mergePatch(namespace: string | undefined, name: string, patch: object): Promise<Vm> {
    this.mutations.push(`patch ${name}`);
    return super.mergePatch(namespace, name, patch);
  }
}

const FINALIZER = 'virtfleet.io/test-cleanup';

describe('[REQ-01] Status writer, finalizers, events and reconcile outcomes against the test API server', function () {
  this.timeout(30_000);
  let server: TestApiServer;
  let kubeConfig: KubeConfig;

  beforeEach(async () => {
    ({ server, kubeConfig } = await startServerWithNamespaces('virtfleet-system', 'vms'));
  });
  afterEach(async () => {
    await server.stop();
  });

  /** A minimal level-based reconciler: finalizer, Ready condition, one status write. */
  function readyReconciler(client: CountingClient): Reconciler {
    const statusWriter = new StatusWriter<VmStatus, Vm>(client);
    return {
      async reconcile(request) {
        const vm = await client.get(request.namespace, request.name);
        if (vm === undefined) return {};
        const withFinalizer = await ensureFinalizer(client, vm, FINALIZER);
        const conditions = setCondition(withFinalizer.status?.conditions, { type: 'Ready', status: 'True', reason: 'Synced', message: '', observedGeneration: vm.metadata?.generation }, new Date());
        await statusWriter.update(withFinalizer, { ...withFinalizer.status, conditions });
        return {};
      },
    };
  }

  it('makes no mutating call when an unchanged object is reconciled a second time', async () => {
    const client = new CountingClient(kubeConfig, VIRTUAL_MACHINES);
    await client.create(virtualMachine('vms', 'idem'));
    const reconciler = readyReconciler(client);
    const ctx = { signal: new AbortController().signal, logger: silentLogger };
    await reconciler.reconcile({ namespace: 'vms', name: 'idem' }, ctx);
    const afterFirst = await client.get('vms', 'idem');
    expect(client.mutations).to.deep.equal(['patch idem', 'status idem']);
    expect(afterFirst?.status?.observedGeneration).to.equal(afterFirst?.metadata?.generation);
    client.mutations = [];
    await reconciler.reconcile({ namespace: 'vms', name: 'idem' }, ctx);
    expect(client.mutations).to.deep.equal([]);
    expect((await client.get('vms', 'idem'))?.metadata?.resourceVersion).to.equal(afterFirst?.metadata?.resourceVersion);
  });

  it('retries a status write that hits 409 Conflict after re-reading the object', async () => {
    const client = new CountingClient(kubeConfig, VIRTUAL_MACHINES);
    const stale = await client.create(virtualMachine('vms', 'conflict'));
    await vmClient(kubeConfig).mergePatch('vms', 'conflict', { metadata: { labels: { changed: 'meanwhile' } } });
    const written = await new StatusWriter<VmStatus, Vm>(client).update(stale, { conditions: [] });
    expect(client.mutations, 'first PUT conflicted, second succeeded').to.deep.equal(['status conflict', 'status conflict']);
    expect(written?.metadata?.labels).to.deep.equal({ changed: 'meanwhile' });
    expect(written?.status?.observedGeneration).to.equal(stale.metadata?.generation);
  });

  it('keeps the finalizer when cleanup fails and removes it once cleanup succeeds', async () => {
    const client = new CountingClient(kubeConfig, VIRTUAL_MACHINES);
    const vm = await ensureFinalizer(client, await client.create(virtualMachine('vms', 'fin')), FINALIZER);
    let failure: unknown;
    await runFinalizer(client, vm, FINALIZER, async () => { throw new Error('host unreachable'); }).catch((e: unknown) => { failure = e; });
    expect(String(failure)).to.contain('host unreachable');
    expect((await client.get('vms', 'fin'))?.metadata?.finalizers).to.deep.equal([FINALIZER]);
    const cleaned = await runFinalizer(client, vm, FINALIZER, async () => undefined);
    expect(cleaned.metadata?.finalizers ?? []).to.deep.equal([]);
  });

  it('folds repeated Events into one Event with a count', async () => {
    const vm = await vmClient(kubeConfig).create(virtualMachine('vms', 'noisy'));
    const recorder = new EventRecorder(kubeConfig, { component: 'virtfleet-test' });
    for (let i = 0; i < 3; i++) await recorder.event(vm, 'Warning', 'DomainStartFailed', 'not enough memory');
    await recorder.event(vm, 'Warning', 'DomainStartFailed', 'another message');
    const events = (await kubeConfig.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: 'vms' })).items
      .filter((e) => e.involvedObject.name === 'noisy')
      .map((e) => [e.message, e.count]);
    expect(events).to.have.deep.members([['not enough memory', 3], ['another message', 1]]);
  });

  it('reconciles a terminal error once and does not loop on it', async () => {
    let reconciles = 0;
    const manager = new Manager({ kubeConfig, config: testConfig({ enabled: false }), identity: 'solo' });
    manager.addController({
      name: 'vm',
      workers: 2,
      sources: [watchOwnKind(manager.informerFor<Vm>(VIRTUAL_MACHINES))],
      reconciler: { reconcile: async () => { reconciles += 1; throw new InvalidSpecError('spec.memory', 'too small'); } },
    });
    manager.start();
    try {
      await vmClient(kubeConfig).create(virtualMachine('vms', 'bad'));
      await waitFor('the first reconcile', () => reconciles > 0);
      await delay(2000);
      expect(reconciles).to.equal(1);
    } finally {
      await manager.stop();
    }
  });

  it('requeues a retryable error with backoff instead of a hot loop', async () => {
    let reconciles = 0;
    const manager = new Manager({ kubeConfig, config: { ...testConfig({ enabled: false }), backoff: { baseDelayMs: 50, maxDelayMs: 1000, globalQps: 10, globalBurst: 100 } }, identity: 'solo' });
    manager.addController({
      name: 'vm',
      workers: 2,
      sources: [watchOwnKind(manager.informerFor<Vm>(VIRTUAL_MACHINES))],
      reconciler: { reconcile: async () => { reconciles += 1; throw new Error('connection refused'); } },
    });
    manager.start();
    try {
      await vmClient(kubeConfig).create(virtualMachine('vms', 'flaky'));
      await waitFor('the first reconcile', () => reconciles > 0);
      await delay(2000);
      // 50+100+200+400+800 ms = 1.55 s: about 6 attempts in 2 s, never hundreds.
      expect(reconciles).to.be.within(4, 8);
    } finally {
      await manager.stop();
    }
  });
});
