import { expect } from 'chai';
import { Subject, type Observable } from 'rxjs';
import type { Host } from '../../../../src/api/v1alpha1/host.js';
import type { VirtualMachine } from '../../../../src/api/v1alpha1/virtual-machine.js';
import type { InformerEvent } from '../../../../src/controller/informer.js';
import { ObjectStore } from '../../../../src/controller/object-store.js';
import type { ReconcileRequest } from '../../../../src/controller/reconciler.js';
import { silentLogger } from '../../../../src/controller/runtime-logger.js';
import { hostDomainEvents } from '../../../../src/controllers/virtual-machine/host-domain-events.js';
import type { VmHost, VmHostAccess } from '../../../../src/controllers/virtual-machine/vm-host.js';
import type { LibvirtClient } from '../../../../src/libvirt/libvirt-client.js';
import { LibvirtConnectionError } from '../../../../src/libvirt/libvirt-error.js';
import type { DomainLifecycleEvent } from '../../../../src/libvirt/operations/domain-events.js';
import { FakeClock } from '../../../support/fake-clock.js';
import { hostObject, vmObject } from './vm-fixtures.js';

function setup() {
  const hostEvents = new Subject<InformerEvent<Host>>();
  const store = new ObjectStore<Host>();
  store.upsert(hostObject('hv1'));
  const placed = vmObject('web', {}, { host: 'hv1' });
  const other = vmObject('db', {}, { host: 'hv2' });
  const vms: VirtualMachine[] = [placed, other];
  let lifecycle = new Subject<DomainLifecycleEvent>();
  let listed = 0;
  const libvirt = {
    lifecycleEvents: (): Observable<DomainLifecycleEvent> => lifecycle,
    domains: { listAll: async () => { listed += 1; return [{ name: 'apps_db', uuid: other.metadata?.uid ?? '', id: 1 }]; } },
  } as unknown as LibvirtClient;
  const access: VmHostAccess = { open: async (name): Promise<VmHost> => { return { name, libvirt, exec: async () => ({ code: 0, stdout: '', stderr: '' }) }; } };
  const clock = new FakeClock();
  const requests: ReconcileRequest[] = [];
  const subscription = hostDomainEvents({ hosts: { events: () => hostEvents, store }, vms: { list: () => vms }, access, clock, logger: silentLogger, relistIntervalMs: 60_000 })
    .subscribe((request) => requests.push(request));
  const settle = async (): Promise<void> => { for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve)); };
  return {
    requests, clock, settle, subscription, placed, other, hostEvents,
    get listed() { return listed; },
    lifecycle: () => lifecycle, dropConnection: () => { const old = lifecycle; lifecycle = new Subject(); old.error(new LibvirtConnectionError('connection lost')); },
  };
}

const names = (requests: ReconcileRequest[]): string[] => requests.map((request) => request.name).sort();

describe('[REQ-01][REQ-03] per-host libvirt domain events wake the VMs they concern, never a poll per VM', () => {
  it('relists on subscribe: the VMs placed on the host and those owning a listed domain', async () => {
    const s = setup();
    await s.settle();
    expect(s.listed).to.equal(1);
    expect(names(s.requests)).to.deep.equal(['db', 'web']);
    s.subscription.unsubscribe();
  });

  it('maps a lifecycle event to the VM whose uid is the domain UUID; unknown domains map to nothing', async () => {
    const s = setup();
    await s.settle();
    s.requests.length = 0;
    s.lifecycle().next({ domainName: 'apps_web', uuid: s.placed.metadata?.uid ?? '', event: 'stopped', detail: 1 });
    s.lifecycle().next({ domainName: 'someone-elses', uuid: '99999999-9999-4999-8999-999999999999', event: 'stopped', detail: 1 });
    expect(names(s.requests)).to.deep.equal(['web']);
    s.subscription.unsubscribe();
  });

  it('a dropped connection requests the host\'s VMs at once, then resubscribes with a relist after the backoff', async () => {
    const s = setup();
    await s.settle();
    s.requests.length = 0;
    s.dropConnection();
    await s.settle();
    expect(names(s.requests)).to.deep.equal(['web']);
    expect(s.listed).to.equal(1);
    await s.clock.advance(500);
    await s.settle();
    expect(s.listed).to.equal(2);
    s.lifecycle().next({ domainName: 'apps_web', uuid: s.placed.metadata?.uid ?? '', event: 'started', detail: 0 });
    expect(s.requests.filter((request) => request.name === 'web')).to.have.length(3);
    s.subscription.unsubscribe();
  });

  it('relists every relistIntervalMs, and a deleted Host ends its subscription', async () => {
    const s = setup();
    await s.settle();
    expect(s.listed).to.equal(1);
    await s.clock.advance(60_000);
    await s.settle();
    expect(s.listed).to.equal(2);
    s.hostEvents.next({ type: 'deleted', object: hostObject('hv1') });
    await s.clock.advance(120_000);
    await s.settle();
    expect(s.listed).to.equal(2);
    expect(s.clock.pendingTimers).to.equal(0);
    s.subscription.unsubscribe();
  });
});
