import { expect } from 'chai';
import { FINALIZERS } from '../../../../src/api/v1alpha1/finalizers.js';
import type { VirtualMachine } from '../../../../src/api/v1alpha1/virtual-machine.js';
import type { LibvirtConfig } from '../../../../src/config/types.js';
import { findCondition } from '../../../../src/controller/conditions.js';
import { silentLogger } from '../../../../src/controller/runtime-logger.js';
import { VirtualMachineReconciler } from '../../../../src/controllers/virtual-machine/vm-reconciler.js';
import type { AuditEntryInput } from '../../../../src/security/audit-record.js';
import type { AuditSink } from '../../../../src/security/audit-log.js';
import { FakeClock } from '../../../support/fake-clock.js';
import { hostObject, vmObject } from './vm-fixtures.js';
import { FakeAccess, FakeLibvirtHost, InMemoryVms, RecordingVmEvents } from './vm-test-doubles.js';

const DIGEST = `sha256:${'cd'.repeat(32)}`;
const CACHE = '/cache';
const libvirtConfig = {
  storagePool: { name: 'virtfleet', path: '/pool' },
  domainDefaults: { type: 'qemu', machine: 'pc', cpuMode: 'host-passthrough', consoleLogDir: '/console' },
} as LibvirtConfig;

function harness(vm: VirtualMachine) {
  const vms = new InMemoryVms();
  vms.put(vm);
  const hv1 = new FakeLibvirtHost('hv1');
  const access = new FakeAccess(new Map([['hv1', hv1]]));
  const events = new RecordingVmEvents();
  const audits: AuditEntryInput[] = [];
  const audit = { record: (entry: AuditEntryInput) => { audits.push(entry); return entry; } } as unknown as AuditSink;
  const clock = new FakeClock();
  const hosts = [hostObject('hv1')];
  const reconciler = new VirtualMachineReconciler({
    vms, vmCache: { list: () => vms.all() }, hostCache: { get: (_ns, name) => hosts.find((h) => h.metadata?.name === name), list: () => hosts },
    access, readSecret: async () => undefined, events, audit, clock, libvirt: libvirtConfig, imageCacheDir: CACHE,
  });
  const name = vm.metadata?.name ?? '';
  const ctx = { signal: new AbortController().signal, logger: silentLogger };
  const reconcile = async (): Promise<unknown> => reconciler.reconcile({ namespace: 'apps', name }, ctx).catch((error: unknown) => error);
  return { vms, hv1, access, events, audits, clock, reconcile, stored: () => vms.stored(name) };
}

const imageVm = (spec: Partial<VirtualMachine['spec']> = {}): VirtualMachine => vmObject('web', {
  hostName: 'hv1', memory: '128Mi',
  disks: [{ name: 'root', source: { image: { url: 'https://example.test/i', digest: DIGEST } } }, { name: 'data', source: { blank: { size: '1Gi' } } }],
  cloudInit: { userData: '#cloud-config\n' },
  ...spec,
});

describe('[REQ-01] VirtualMachine reconciler: apply, then a second pass changes nothing', () => {
  it('creates disks, seed and domain, starts it, reports Running; the second pass makes no call and no write', async () => {
    const h = harness(imageVm());
    h.hv1.files.set(`${CACHE}/sha256-${'cd'.repeat(32)}`, { format: 'raw', size: 32 * 2 ** 20 });
    await h.reconcile();
    const uid = h.stored()?.metadata?.uid ?? '';
    expect(h.hv1.changes).to.deep.equal([
      'pool.define', 'pool.create', `volume.create vf-${uid}-root.qcow2`, `volume.create vf-${uid}-data.qcow2`,
      h.hv1.changes[4], h.hv1.changes[5], 'define apps_web', 'create apps_web',
    ]);
    expect(h.hv1.changes[4]).to.match(new RegExp(`^volume.create vf-${uid}-cidata-[0-9a-f]{16}\\.iso$`));
    expect(h.hv1.changes[5]).to.match(/^volume.upload /);
    const status = h.stored()?.status;
    expect(status).to.include({ printableStatus: 'Running', host: 'hv1', domainUUID: uid });
    expect(h.stored()?.metadata?.finalizers).to.deep.equal([FINALIZERS.virtualMachineCleanup]);
    for (const type of ['Scheduled', 'DisksReady', 'Ready', 'Synchronized']) expect(findCondition(status?.conditions, type)?.status, type).to.equal('True');

    const first = JSON.stringify(h.stored()?.status);
    const changes = h.hv1.calls.length;
    const writes = h.vms.mutations.length;
    const events = h.events.events.length;
    await h.reconcile();
    expect(h.hv1.calls.slice(changes)).to.deep.equal([]);
    expect(JSON.stringify(h.stored()?.status)).to.equal(first);
    expect(h.vms.mutations.slice(writes)).to.deep.equal([]);
    expect(h.events.events.slice(events)).to.deep.equal([]);
  });

  it('stores a new placement before acting on the Host, so a reconcile cut off halfway resumes on the same Host', async () => {
    const h = harness(vmObject('web', { memory: '128Mi', disks: [{ name: 'data', source: { blank: { size: '1Gi' } } }] }));
    h.hv1.libvirt.storage.lookupPoolByName = async () => { throw new Error('operator killed here'); };
    expect(((await h.reconcile()) as Error).message).to.equal('operator killed here');
    expect(h.stored()?.status?.host).to.equal('hv1');
    expect(findCondition(h.stored()?.status?.conditions, 'Scheduled')).to.include({ status: 'True', reason: 'HostAssigned' });
    expect(h.hv1.changes).to.deep.equal([]);
  });

  it('an image not in the cache leaves the VM WaitingForImage and creates no domain', async () => {
    const h = harness(imageVm());
    await h.reconcile();
    expect(h.stored()?.status?.printableStatus).to.equal('WaitingForImage');
    expect(findCondition(h.stored()?.status?.conditions, 'DisksReady')).to.include({ status: 'False', reason: 'WaitingForImage' });
    expect(h.hv1.domains.size).to.equal(0);
  });

  it('Always restarts a destroyed guest at once, then backs off a second failure', async () => {
    const h = harness(vmObject('web', { hostName: 'hv1', disks: [{ name: 'data', source: { blank: { size: '1Gi' } } }] }));
    await h.reconcile();
    const domain = [...h.hv1.domains.values()][0];
    if (domain === undefined) throw new Error('no domain');
    domain.state = { state: 'shutoff', reason: 2 };
    await h.reconcile();
    expect(domain.state.state).to.equal('running');
    expect(h.stored()?.status?.startFailure?.consecutiveFailCount).to.equal(1);
    domain.state = { state: 'shutoff', reason: 3 };
    await h.clock.advance(2000);
    await h.reconcile();
    expect(domain.state.state).to.equal('shutoff');
    expect(h.stored()?.status?.printableStatus).to.equal('CrashLoopBackOff');
    await h.clock.advance(10_000);
    await h.reconcile();
    expect(domain.state.state).to.equal('running');
    expect(h.stored()?.status?.startFailure?.consecutiveFailCount).to.equal(2);
  });

  it('memory changed while running: RestartRequired and the domain untouched; applied once it stops', async () => {
    const h = harness(vmObject('web', { hostName: 'hv1', memory: '128Mi' }));
    await h.reconcile();
    const vm = h.stored() as VirtualMachine;
    h.vms.put({ ...vm, metadata: { ...vm.metadata, generation: 2 }, spec: { ...vm.spec, memory: '256Mi' } });
    const before = h.hv1.changes.length;
    await h.reconcile();
    expect(h.hv1.changes.slice(before)).to.deep.equal([]);
    expect(findCondition(h.stored()?.status?.conditions, 'RestartRequired')).to.include({ status: 'True', message: 'memory 128Mi -> 256Mi' });
    const domain = [...h.hv1.domains.values()][0];
    if (domain === undefined) throw new Error('no domain');
    domain.state = { state: 'shutoff', reason: 1 };
    await h.reconcile();
    expect(h.hv1.changes.slice(before)).to.deep.equal(['define apps_web', 'create apps_web']);
    expect(findCondition(h.stored()?.status?.conditions, 'RestartRequired')).to.equal(undefined);
  });

  it('a domain undefined out of band is defined again with a DriftRepaired Event', async () => {
    const h = harness(vmObject('web', { hostName: 'hv1' }));
    await h.reconcile();
    h.hv1.domains.clear();
    await h.reconcile();
    expect(h.hv1.domains.size).to.equal(1);
    expect(h.events.events.map((event) => event.reason)).to.include('DriftRepaired');
  });

  it('a foreign domain with the same name is refused: Synchronized False DomainNameTaken, nothing changed on it', async () => {
    const h = harness(vmObject('web', { hostName: 'hv1' }));
    const foreign = "<domain type='qemu'><name>apps_web</name><uuid>99999999-9999-4999-8999-999999999999</uuid><memory>1024</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>";
    h.hv1.domains.set('99999999-9999-4999-8999-999999999999', { ref: { name: 'apps_web', uuid: '99999999-9999-4999-8999-999999999999', id: -1 }, xml: foreign, state: { state: 'running', reason: 1 } });
    await h.reconcile();
    expect(findCondition(h.stored()?.status?.conditions, 'Synchronized')).to.include({ status: 'False', reason: 'DomainNameTaken' });
    expect(h.hv1.domains.get('99999999-9999-4999-8999-999999999999')?.xml).to.equal(foreign);
    expect(h.events.events.some((event) => event.type === 'Warning' && event.reason === 'DomainNameTaken')).to.equal(true);
  });
});

describe('[REQ-01] VirtualMachine deletion: cleanup first, Orphan keeps volumes, force-delete releases an unreachable host', () => {
  it('Delete removes domain and volumes, then the finalizer', async () => {
    const h = harness(vmObject('web', { hostName: 'hv1', disks: [{ name: 'data', source: { blank: { size: '1Gi' } } }] }));
    await h.reconcile();
    h.vms.markDeleted('web');
    await h.reconcile();
    expect(h.hv1.domains.size).to.equal(0);
    expect(h.hv1.volumes.size).to.equal(0);
    expect(h.stored()).to.equal(undefined);
  });

  it('Orphan keeps the volumes', async () => {
    const h = harness(vmObject('web', { hostName: 'hv1', deletionPolicy: 'Orphan', disks: [{ name: 'data', source: { blank: { size: '1Gi' } } }] }));
    await h.reconcile();
    h.vms.markDeleted('web');
    await h.reconcile();
    expect(h.hv1.domains.size).to.equal(0);
    expect(h.hv1.volumes.size).to.equal(1);
    expect(h.stored()).to.equal(undefined);
  });

  it('an unreachable host keeps the finalizer with a condition and an Event; force-delete releases it with an audit record', async () => {
    const h = harness(vmObject('web', { hostName: 'hv1' }));
    await h.reconcile();
    h.access.unreachable = true;
    h.vms.markDeleted('web');
    const error = await h.reconcile();
    expect(error).to.be.instanceOf(Error);
    expect(h.stored()?.metadata?.finalizers).to.deep.equal([FINALIZERS.virtualMachineCleanup]);
    expect(findCondition(h.stored()?.status?.conditions, 'Synchronized')).to.include({ status: 'False', reason: 'DeleteFailed' });
    expect(h.stored()?.status?.printableStatus).to.equal('Terminating');
    const vm = h.stored() as VirtualMachine;
    h.vms.put({ ...vm, metadata: { ...vm.metadata, annotations: { 'virtfleet.io/force-delete': 'true' } } });
    await h.reconcile();
    expect(h.stored()).to.equal(undefined);
    expect(h.audits.map((entry) => entry.action)).to.deep.equal(['virtualmachine.force-delete']);
    expect(JSON.stringify(h.audits[0]?.arguments)).to.contain('apps_web');
    expect(h.events.events.some((event) => event.reason === 'ForceDeleted')).to.equal(true);
  });
});
