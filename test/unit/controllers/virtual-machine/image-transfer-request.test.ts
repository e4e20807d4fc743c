import { expect } from 'chai';
import { ApiImageTransferRequests, transferNameFor, vmsWaitingOn } from '../../../../src/controllers/virtual-machine/image-transfer-request.js';
import { VirtualMachineReconciler } from '../../../../src/controllers/virtual-machine/vm-reconciler.js';
import { findCondition } from '../../../../src/controller/conditions.js';
import { silentLogger } from '../../../../src/controller/runtime-logger.js';
import type { LibvirtConfig } from '../../../../src/config/types.js';
import type { AuditSink } from '../../../../src/security/audit-log.js';
import { FakeClock } from '../../../support/fake-clock.js';
import { InMemoryTransfers, transferObject } from '../image-transfer/transfer-test-doubles.js';
import { hostObject, vmObject } from './vm-fixtures.js';
import { FakeAccess, FakeLibvirtHost, InMemoryVms, RecordingVmEvents } from './vm-test-doubles.js';

const DIGEST = `sha256:${'cd'.repeat(32)}`;
const URL_IMAGE = { url: 'http://127.0.0.1:9/guest.img', digest: DIGEST };
const libvirtConfig = {
  storagePool: { name: 'virtfleet', path: '/pool' },
  domainDefaults: { type: 'qemu', machine: 'pc', cpuMode: 'host-passthrough', consoleLogDir: '/console' },
} as LibvirtConfig;

function harness(disks: NonNullable<ReturnType<typeof vmObject>['spec']['disks']>) {
  const vm = vmObject('web', { hostName: 'hv1', memory: '128Mi', disks });
  const vms = new InMemoryVms();
  vms.put(vm);
  const transfers = new InMemoryTransfers();
  const hv1 = new FakeLibvirtHost('hv1');
  const hosts = [hostObject('hv1')];
  const reconciler = new VirtualMachineReconciler({
    vms, vmCache: { list: () => vms.all() }, hostCache: { get: (_ns, name) => hosts.find((h) => h.metadata?.name === name), list: () => hosts },
    access: new FakeAccess(new Map([['hv1', hv1]])), readSecret: async () => undefined, events: new RecordingVmEvents(),
    audit: { record: (entry: unknown) => entry } as unknown as AuditSink, clock: new FakeClock(), libvirt: libvirtConfig, imageCacheDir: '/cache',
    images: new ApiImageTransferRequests(transfers),
  });
  const reconcile = async (): Promise<unknown> => reconciler.reconcile({ namespace: 'apps', name: 'web' }, { signal: new AbortController().signal, logger: silentLogger }).catch((e: unknown) => e);
  return { vm, vms, transfers, hv1, reconcile, disksReady: () => findCondition(vms.stored('web')?.status?.conditions, 'DisksReady') };
}

describe('[REQ-01][REQ-04] VirtualMachine image disks through an ImageTransfer owned by the VM', () => {
  it('a URL image not in the cache: creates one ImageTransfer to the VM\'s Host, owned by the VM; the VM waits with its progress; a second pass creates nothing', async () => {
    const h = harness([{ name: 'root', source: { image: URL_IMAGE } }]);
    await h.reconcile();
    const name = transferNameFor(h.vm, { name: 'root', source: { image: URL_IMAGE } });
    const created = h.transfers.stored(name);
    expect(created?.spec).to.deep.equal({ source: { url: { url: URL_IMAGE.url } }, digest: DIGEST, destinations: [{ host: 'hv1' }] });
    expect(created?.metadata?.ownerReferences?.map((o) => [o.kind, o.name, o.uid, o.controller])).to.deep.equal([['VirtualMachine', 'web', h.vm.metadata?.uid, true]]);
    expect(h.vms.stored('web')?.status?.printableStatus).to.equal('WaitingForImage');
    expect(h.disksReady()).to.include({ status: 'False', reason: 'WaitingForImage', message: `disk root: ImageTransfer ${name} Pending 0%` });
    const progressed = h.transfers.stored(name)!;
    progressed.status = { phase: 'Transferring', progress: '42%', rate: '12MiB/s', eta: '5s' };
    h.transfers.put(progressed);
    const before = h.transfers.mutations.length;
    await h.reconcile();
    expect(h.transfers.mutations.slice(before)).to.deep.equal([]);
    expect(h.disksReady()?.message).to.equal(`disk root: ImageTransfer ${name} Transferring 42% at 12MiB/s, 5s left`);
  });

  it('once the image is in the cache the VM gets its overlay and no transfer is created', async () => {
    const h = harness([{ name: 'root', source: { image: URL_IMAGE } }]);
    h.hv1.files.set(`/cache/sha256-${'cd'.repeat(32)}`, { format: 'raw', size: 2 ** 20 });
    await h.reconcile();
    expect(h.transfers.mutations).to.deep.equal([]);
    expect(h.disksReady()).to.include({ status: 'True' });
  });

  it('a transferRef disk follows the named transfer and uses its digest', async () => {
    const h = harness([{ name: 'root', source: { image: { transferRef: { name: 'shared' } } } }]);
    await h.reconcile();
    expect(h.disksReady()?.message).to.equal('disk root: ImageTransfer shared (transferRef) does not exist');
    h.transfers.put({ ...transferObject('shared', { digest: DIGEST, destinations: [{ host: 'hv1' }] }), status: { phase: 'Failed', conditions: [{ type: 'Complete', status: 'False', reason: 'SourceNotFound', message: 'gone', lastTransitionTime: '2025-01-01T00:00:00Z' }] } });
    await h.reconcile();
    expect(h.disksReady()?.message).to.equal('disk root: ImageTransfer shared Failed 0%: SourceNotFound: gone');
    h.hv1.files.set(`/cache/sha256-${'cd'.repeat(32)}`, { format: 'raw', size: 2 ** 20 });
    await h.reconcile();
    expect(h.disksReady()).to.include({ status: 'True' });
    expect(h.transfers.mutations.filter((m) => m.startsWith('create'))).to.deep.equal([]);
  });

  it('a transfer maps to its owner VM and to the VMs that reference it', () => {
    const owned = { ...transferObject('t'), metadata: { name: 't', namespace: 'apps', ownerReferences: [{ apiVersion: 'virtfleet.io/v1alpha1', kind: 'VirtualMachine', name: 'web', uid: 'u' }] } };
    const referencing = vmObject('db', { disks: [{ name: 'root', source: { image: { transferRef: { name: 't' } } } }] });
    const elsewhere = { ...vmObject('other', { disks: [{ name: 'root', source: { image: { transferRef: { name: 't' } } } }] }) };
    elsewhere.metadata = { ...elsewhere.metadata, namespace: 'other' };
    expect(vmsWaitingOn(owned, [referencing, elsewhere])).to.deep.equal([{ namespace: 'apps', name: 'web' }, { namespace: 'apps', name: 'db' }]);
  });
});
