import { expect } from 'chai';
import { CoordinationV1Api, V1MicroTime, type KubeConfig } from '@kubernetes/client-node';
import { Manager } from '../../../src/controller/manager.js';
import type { ReconcileRequest } from '../../../src/controller/reconciler.js';
import { watchOwnKind } from '../../../src/controller/watch-sources.js';
import type { TestApiServer } from '../../support/apiserver/index.js';
import { VIRTUAL_MACHINES, delay, startServerWithNamespaces, testConfig, virtualMachine, vmClient, waitFor, type VirtualMachineLike } from './support.js';

const LEASE_MS = 2000;
const RETRY_MS = 250;

describe('[REQ-01] Manager leader election against the test API server', function () {
  this.timeout(30_000);
  let server: TestApiServer;
  let kubeConfig: KubeConfig;
  const managers: Manager[] = [];
  const reconciledBy: Array<{ identity: string; request: ReconcileRequest }> = [];

  function newManager(identity: string, releaseOnCancel = true): Manager {
    const manager = new Manager({ kubeConfig, config: testConfig(), identity, releaseOnCancel });
    const informer = manager.informerFor<VirtualMachineLike>(VIRTUAL_MACHINES);
    manager.addController({
      name: 'vm',
      workers: 2,
      sources: [watchOwnKind(informer)],
      reconciler: { reconcile: async (request) => { reconciledBy.push({ identity, request }); return {}; } },
    });
    managers.push(manager);
    return manager;
  }

  beforeEach(async () => {
    ({ server, kubeConfig } = await startServerWithNamespaces('virtfleet-system', 'vms'));
    reconciledBy.length = 0;
  });

  afterEach(async () => {
    await Promise.all(managers.splice(0).map((m) => m.stop()));
    await server.stop();
  });

  async function twoManagers(releaseOnCancel: boolean): Promise<{ leader: Manager; standby: Manager; leaderId: string; standbyId: string }> {
    const a = newManager('replica-a', releaseOnCancel);
    const b = newManager('replica-b', releaseOnCancel);
    a.start();
    b.start();
    await waitFor('a leader', () => a.isLeader || b.isLeader);
    return a.isLeader
      ? { leader: a, standby: b, leaderId: 'replica-a', standbyId: 'replica-b' }
      : { leader: b, standby: a, leaderId: 'replica-b', standbyId: 'replica-a' };
  }

  it('lets only one of two managers reconcile', async () => {
    const { standby, leaderId } = await twoManagers(true);
    const vms = vmClient(kubeConfig);
    for (let i = 0; i < 5; i++) await vms.create(virtualMachine('vms', `vm-${i}`));
    await waitFor('5 reconciles', () => new Set(reconciledBy.map((r) => r.request.name)).size === 5);
    await new Promise((resolve) => setTimeout(resolve, 3 * RETRY_MS));
    expect(new Set(reconciledBy.map((r) => r.identity))).to.deep.equal(new Set([leaderId]));
    expect(standby.isLeader).to.equal(false);
  });

  it('hands over to the standby within the lease duration (plus retry periods) when the leader dies without releasing', async () => {
    const { leader, standby, standbyId } = await twoManagers(false);
    const killedAt = Date.now();
    await leader.stop();
    await waitFor('standby to lead', () => standby.isLeader, 4 * LEASE_MS);
    const takeoverMs = Date.now() - killedAt;
    expect(takeoverMs).to.be.at.most(LEASE_MS + 2 * RETRY_MS * 1.2 + 300);
    expect(takeoverMs, 'the expired lease, not a release, made the handover').to.be.at.least(LEASE_MS - 2 * RETRY_MS * 1.2);
    await vmClient(kubeConfig).create(virtualMachine('vms', 'after-takeover'));
    await waitFor('the new leader to reconcile', () => reconciledBy.some((r) => r.identity === standbyId && r.request.name === 'after-takeover'));
  });

  it('hands over at once when the leader shuts down gracefully and releases the lease', async () => {
    const { leader, standby } = await twoManagers(true);
    const stoppedAt = Date.now();
    await leader.stop();
    await waitFor('standby to lead', () => standby.isLeader, 4 * LEASE_MS);
    expect(Date.now() - stoppedAt).to.be.below(LEASE_MS / 2);
  });
});

describe('[REQ-01] A leader that loses its Lease stops reconciling within renewDeadline', function () {
  this.timeout(30_000);
  const RENEW_DEADLINE_MS = 1500;
  /** Loss is noticed at the next renew attempt: allow one (jittered) retry period beyond the deadline. */
  const STOP_TOLERANCE_MS = RENEW_DEADLINE_MS + RETRY_MS * 1.2;
  const REQUEUE_MS = 20;
  let server: TestApiServer;
  let kubeConfig: KubeConfig;
  const managers: Manager[] = [];
  const reconcileStarts: Array<{ identity: string; at: number }> = [];

  /** A manager whose reconciler requeues its VM every REQUEUE_MS, so it reconciles continually while it leads. */
  function newManager(identity: string): Manager {
    const manager = new Manager({ kubeConfig, config: testConfig({ renewDeadlineSeconds: RENEW_DEADLINE_MS / 1000 }), identity });
    manager.addController({
      name: 'vm',
      workers: 1,
      sources: [watchOwnKind(manager.informerFor<VirtualMachineLike>(VIRTUAL_MACHINES))],
      reconciler: { reconcile: async () => { reconcileStarts.push({ identity, at: Date.now() }); return { requeueAfterMs: REQUEUE_MS }; } },
    });
    managers.push(manager);
    return manager;
  }

  function lastReconcileAt(identity?: string): number {
    const starts = reconcileStarts.filter((start) => identity === undefined || start.identity === identity);
    return starts.at(-1)?.at ?? 0;
  }

  /** Starts `replica-a` alone, so it leads, and waits until it reconciles continually. */
  async function reconcilingLeader(): Promise<Manager> {
    const leader = newManager('replica-a');
    await vmClient(kubeConfig).create(virtualMachine('vms', 'busy'));
    leader.start();
    await waitFor('the leader to reconcile repeatedly', () => reconcileStarts.length >= 5);
    return leader;
  }

  beforeEach(async () => {
    ({ server, kubeConfig } = await startServerWithNamespaces('virtfleet-system', 'vms'));
    reconcileStarts.length = 0;
  });

  afterEach(async () => {
    await Promise.all(managers.splice(0).map((m) => m.stop()));
    await server.stop();
  });

  it('stops reconciling at its next renew when another client takes the Lease over', async () => {
    const leader = await reconcilingLeader();
    const leases = kubeConfig.makeApiClient(CoordinationV1Api);
    const { leaseName: name, leaseNamespace: namespace } = testConfig().leaderElection;
    const lease = await leases.readNamespacedLease({ name, namespace });
    const now = new V1MicroTime(Date.now());
    const spec = { ...lease.spec, holderIdentity: 'intruder', leaseDurationSeconds: 30, acquireTime: now, renewTime: now };
    await leases.replaceNamespacedLease({ name, namespace, body: { ...lease, spec } });
    const takenAt = Date.now();

    await waitFor('the leader to step down', () => !leader.isLeader, 2 * STOP_TOLERANCE_MS);
    const reconcilesAtStepDown = reconcileStarts.length;
    await delay(4 * RETRY_MS);
    const lossToLastReconcileMs = lastReconcileAt() - takenAt;
    console.log(`      lease taken over: last reconcile ${lossToLastReconcileMs} ms after the loss`);
    expect(lossToLastReconcileMs).to.be.at.most(STOP_TOLERANCE_MS);
    expect(lossToLastReconcileMs, 'the renew that saw the new holder stepped down, without waiting out the deadline').to.be.at.most(3 * RETRY_MS);
    expect(reconcileStarts.length, 'no reconcile after stepping down').to.equal(reconcilesAtStepDown);
    const after = await leases.readNamespacedLease({ name, namespace });
    expect(after.spec?.holderIdentity, 'the old leader did not overwrite the valid lease').to.equal('intruder');
  });

  it('stops reconciling when the API server is unreachable, and leads again once it is back', async () => {
    const leader = await reconcilingLeader();
    const standby = newManager('replica-b');
    standby.start();
    await delay(2 * RETRY_MS);
    expect(standby.isLeader).to.equal(false);
    await server.stop();
    const unreachableAt = Date.now();

    await waitFor('the leader to step down', () => !leader.isLeader, 2 * STOP_TOLERANCE_MS);
    const reconcilesAtStepDown = reconcileStarts.length;
    await delay(4 * RETRY_MS);
    const lossToLastReconcileMs = lastReconcileAt() - unreachableAt;
    console.log(`      API server unreachable: last reconcile ${lossToLastReconcileMs} ms after the loss`);
    expect(lossToLastReconcileMs).to.be.at.most(STOP_TOLERANCE_MS);
    expect(reconcileStarts.length, 'no reconcile while the API server is down').to.equal(reconcilesAtStepDown);
    expect(standby.isLeader).to.equal(false);

    await server.restart();
    const restartedAt = Date.now();
    await waitFor('a manager to lead again', () => leader.isLeader || standby.isLeader, 4 * LEASE_MS);
    await waitFor('reconciles to resume', () => lastReconcileAt() > restartedAt, 4 * LEASE_MS);
    expect(leader.isLeader && standby.isLeader, 'a single leader').to.equal(false);
  });
});
