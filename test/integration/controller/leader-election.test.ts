import { expect } from 'chai';
import type { KubeConfig } from '@kubernetes/client-node';
import { Manager } from '../../../src/controller/manager.js';
import type { ReconcileRequest } from '../../../src/controller/reconciler.js';
import { watchOwnKind } from '../../../src/controller/watch-sources.js';
import type { TestApiServer } from '../../support/apiserver/index.js';
import { VIRTUAL_MACHINES, startServerWithNamespaces, testConfig, virtualMachine, vmClient, waitFor, type VirtualMachineLike } from './support.js';

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
