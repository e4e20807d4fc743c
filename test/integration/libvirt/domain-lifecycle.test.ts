import { expect } from 'chai';
import { firstValueFrom, filter, ReplaySubject, takeWhile, timeout, toArray, type Subscription } from 'rxjs';
import { buildDomainXml } from '../../../src/libvirt/domain-xml.js';
import type { LibvirtClient } from '../../../src/libvirt/libvirt-client.js';
import { DomainNotOwnedError, LibvirtError } from '../../../src/libvirt/libvirt-error.js';
import type { DomainLifecycleEvent, LifecycleEventName } from '../../../src/libvirt/operations/domain-events.js';
import type { AuditRecord } from '../../../src/security/audit-record.js';
import { guestBootedMarker, guestInitrdPath, guestKernelPath, guestPowerOffMarker } from '../../support/guest/guest-domain.js';
import { waitForSerialMarker } from '../../support/guest/serial-log.js';
import { startLibvirtHosts, uniqueName, type LibvirtTestFleet, type LibvirtTestHost } from './libvirt-test-target.js';

const BOOT_TIMEOUT_MS = 150_000;
const EVENT_TIMEOUT_MS = 60_000;
/** libvirt registers an event callback asynchronously after subscribe; give it a moment before acting. */
const REGISTRATION_GRACE_MS = 300;
/** VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN, VIR_DOMAIN_EVENT_STOPPED_DESTROYED, VIR_DOMAIN_SHUTOFF_SHUTDOWN. */
const STOPPED_SHUTDOWN = 0;
const STOPPED_DESTROYED = 1;
const SHUTOFF_REASON_SHUTDOWN = 1;

/** The bootable test guest, built by the operator's own XML builder: direct kernel boot, serial to a file. */
function bootableGuestXml(name: string, serialPath: string): string {
  return buildDomainXml({
    name,
    type: 'qemu',
    machine: 'pc',
    vcpus: 1,
    memoryBytes: 128 * 1024 * 1024,
    firmware: 'bios',
    kernelBoot: { kernel: guestKernelPath, initrd: guestInitrdPath, cmdline: 'console=ttyS0 quiet panic=-1' },
    disks: [],
    interfaces: [],
    serial: { type: 'file', path: serialPath },
    owner: { namespace: 'default', name, uid: '6f1d2c3b-0000-4000-8000-000000000001', generation: 1 },
  });
}

/** Records every lifecycle event of one domain from now on. */
async function recordEvents(client: LibvirtClient, name: string): Promise<{ events: ReplaySubject<DomainLifecycleEvent>; subscription: Subscription }> {
  const events = new ReplaySubject<DomainLifecycleEvent>();
  const subscription = client.lifecycleEvents().pipe(filter((event) => event.domainName === name)).subscribe(events);
  await new Promise((resolve) => setTimeout(resolve, REGISTRATION_GRACE_MS));
  return { events, subscription };
}

function nextEvent(events: ReplaySubject<DomainLifecycleEvent>, kind: LifecycleEventName): Promise<DomainLifecycleEvent> {
  return firstValueFrom(events.pipe(filter((event) => event.event === kind), timeout(EVENT_TIMEOUT_MS)));
}

function eventsUntilUndefined(events: ReplaySubject<DomainLifecycleEvent>): Promise<DomainLifecycleEvent[]> {
  return firstValueFrom(events.pipe(takeWhile((event) => event.event !== 'undefined', true), toArray(), timeout(EVENT_TIMEOUT_MS)));
}

const TRANSITIONS: readonly LifecycleEventName[] = ['defined', 'started', 'shutdown', 'stopped', 'undefined'];

/** The libvirt audit records the host's clients wrote after the first `skip` records of its audit log. */
function libvirtRecordsAfter(target: LibvirtTestHost, skip: number): AuditRecord[] {
  return target.auditRecords.slice(skip).filter((record) => record.action.startsWith('libvirt.'));
}

/** What the tests check of each libvirt audit record: action, outcome, host and domain name. */
function summary(record: AuditRecord): { action: string; outcome: string; host?: string; domain: unknown } {
  return { action: record.action, outcome: record.outcome, host: record.host, domain: record.arguments?.['domain'] };
}

describe('[REQ-03] libvirt over ssh: domain lifecycle on container hosts', () => {
  let fleet: LibvirtTestFleet;
  let hostA: LibvirtTestHost;
  let hostB: LibvirtTestHost;
  let clientA: LibvirtClient;
  let clientB: LibvirtClient;

  before(async function () {
    this.timeout(900_000);
    fleet = await startLibvirtHosts(2, 'vf-libvirt-domains');
    [hostA, hostB] = fleet.hosts as [LibvirtTestHost, LibvirtTestHost];
    clientA = hostA.client();
    clientB = hostB.client();
  });

  after(async () => {
    await Promise.all([clientA?.close(), clientB?.close()]);
    await fleet?.stop();
  });

  it('boots a guest through define, start, a graceful ACPI shutdown and undefine, with an event for each transition', async function () {
    this.timeout(BOOT_TIMEOUT_MS + 60_000);
    const name = uniqueName('vf-boot');
    const serialPath = `/var/log/libvirt/qemu/${name}-serial.log`;
    const { events, subscription } = await recordEvents(clientA, name);
    const auditedBefore = hostA.auditRecords.length;
    try {
      const domain = await clientA.domains.defineXml(bootableGuestXml(name, serialPath));
      expect((await clientA.domains.getState(domain)).state).to.equal('shutoff');
      expect((await hostA.virsh(['domstate', name])).stdout.trim()).to.equal('shut off');

      await clientA.domains.create(domain);
      expect((await clientA.domains.getState(domain)).state).to.equal('running');
      const console = await waitForSerialMarker(hostA.host, serialPath, guestBootedMarker, BOOT_TIMEOUT_MS);
      expect(console).to.contain(guestBootedMarker);

      await clientA.domains.shutdown(domain);
      const stopped = await nextEvent(events, 'stopped');
      expect(stopped.detail).to.equal(STOPPED_SHUTDOWN);
      expect(await clientA.domains.getState(domain)).to.deep.equal({ state: 'shutoff', reason: SHUTOFF_REASON_SHUTDOWN });
      expect((await hostA.virsh(['domstate', '--reason', name])).stdout.trim()).to.equal('shut off (shutdown)');
      expect((await hostA.run(['cat', serialPath])).stdout).to.contain(guestPowerOffMarker);

      await clientA.domains.undefine(domain);
      expect((await hostA.virsh(['dominfo', name])).code).to.not.equal(0);
      const received = await eventsUntilUndefined(events);
      expect(received.map((event) => event.event).filter((kind) => TRANSITIONS.includes(kind))).to.deep.equal(TRANSITIONS);
      expect(received.every((event) => event.uuid === domain.uuid)).to.equal(true);
      const audited = libvirtRecordsAfter(hostA, auditedBefore);
      expect(audited.map(summary)).to.deep.equal(['define', 'create', 'shutdown', 'undefine'].map((verb) => ({
        action: `libvirt.domain.${verb}`, outcome: 'success', host: hostA.host.name, domain: name,
      })));
      expect(audited.slice(1).every((record) => record.arguments?.['uuid'] === domain.uuid)).to.equal(true);
      expect(audited[0]?.arguments?.['xmlSha256']).to.match(/^[0-9a-f]{64}$/);
    } finally {
      subscription.unsubscribe();
    }
  });

  it('stops a running guest through destroy, reported as a stopped event with the destroyed detail', async function () {
    this.timeout(120_000);
    const name = uniqueName('vf-destroy');
    const { events, subscription } = await recordEvents(clientB, name);
    const auditedBefore = hostB.auditRecords.length;
    try {
      const domain = await clientB.domains.defineXml(bootableGuestXml(name, `/var/log/libvirt/qemu/${name}-serial.log`));
      await clientB.domains.create(domain);
      await nextEvent(events, 'started');
      expect((await hostB.virsh(['domstate', name])).stdout.trim()).to.equal('running');
      await clientB.domains.destroy(domain);
      expect((await nextEvent(events, 'stopped')).detail).to.equal(STOPPED_DESTROYED);
      expect((await hostB.virsh(['domstate', '--reason', name])).stdout.trim()).to.equal('shut off (destroyed)');
      await clientB.domains.undefine(domain);
      // QEMU also reports 'resumed' on start and 'shutdown' on destroy; the four transitions come in this order.
      const kinds = (await eventsUntilUndefined(events)).map((event) => event.event);
      expect(kinds.filter((kind) => ['defined', 'started', 'stopped', 'undefined'].includes(kind))).to.deep.equal(['defined', 'started', 'stopped', 'undefined']);
      expect(libvirtRecordsAfter(hostB, auditedBefore).map(summary)).to.deep.equal(['define', 'create', 'destroy', 'undefine'].map((verb) => ({
        action: `libvirt.domain.${verb}`, outcome: 'success', host: hostB.host.name, domain: name,
      })));
    } finally {
      subscription.unsubscribe();
    }
  });

  it('keeps two hosts isolated: a domain defined on one is neither seen nor announced on the other', async () => {
    const name = uniqueName('vf-isolated');
    const onA = await recordEvents(clientA, name);
    const onB = await recordEvents(clientB, name);
    try {
      const domain = await clientA.domains.defineXml(bootableGuestXml(name, `/var/log/libvirt/qemu/${name}-serial.log`));
      expect((await hostA.virsh(['list', '--all', '--name'])).stdout.split('\n')).to.include(name);
      expect((await hostB.virsh(['list', '--all', '--name'])).stdout.split('\n')).to.not.include(name);
      const missing = await clientB.domains.lookupByName(name).then(() => null, (error: unknown) => error);
      expect((missing as LibvirtError).isNotFound).to.equal(true);
      expect((await clientB.domains.listAll()).map((listed) => listed.name)).to.not.include(name);
      expect(await clientA.host.hostname()).to.equal(hostA.host.name);
      expect(await clientB.host.hostname()).to.equal(hostB.host.name);
      await clientA.domains.undefine(domain);
      expect((await eventsUntilUndefined(onA.events)).map((event) => event.event)).to.deep.equal(['defined', 'undefined']);
      const seenOnB: DomainLifecycleEvent[] = [];
      onB.events.subscribe((event) => seenOnB.push(event));
      expect(seenOnB).to.deep.equal([]);
    } finally {
      onA.subscription.unsubscribe();
      onB.subscription.unsubscribe();
    }
  });

  it('reads back the owner metadata of a defined domain and sets autostart as virsh sees it', async () => {
    const name = uniqueName('vf-autostart');
    const domain = await clientA.domains.defineXml(bootableGuestXml(name, `/var/log/libvirt/qemu/${name}-serial.log`));
    try {
      expect(await clientA.domains.assertOwned(domain)).to.deep.include({ namespace: 'default', name, generation: 1 });
      await clientA.domains.setAutostart(domain, true);
      expect((await hostA.virsh(['dominfo', name])).stdout).to.match(/Autostart:\s+enable/);
      await clientA.domains.setAutostart(domain, false);
      expect((await hostA.virsh(['dominfo', name])).stdout).to.match(/Autostart:\s+disable/);
    } finally {
      await clientA.domains.undefine(domain);
    }
  });

  it('reports invalid domain XML as a LibvirtError carrying the message libvirt gives virsh for the same XML', async () => {
    const name = uniqueName('vf-bad');
    const xml = bootableGuestXml(name, '/tmp/unused.log').replace(/<memory unit=(["'])KiB\1>\d+<\/memory>/, '<memory unit="KiB">lots</memory>');
    expect(xml).to.contain('>lots<');
    const error = await clientA.domains.defineXml(xml).then(() => null, (failure: unknown) => failure);
    expect(error).to.be.instanceOf(LibvirtError);
    expect((error as LibvirtError).isNotFound).to.equal(false);
    await hostA.run(['sh', '-c', `cat > /tmp/${name}.xml <<'EOF'\n${xml}\nEOF\n`]);
    const virsh = await hostA.virsh(['define', `/tmp/${name}.xml`]);
    expect(virsh.code).to.not.equal(0);
    expect(virsh.stderr).to.contain(`error: ${(error as LibvirtError).message}`);
    expect((await hostA.virsh(['dominfo', name])).code).to.not.equal(0);
  });

  it('never touches a domain defined without virtfleet metadata, and virsh shows it unchanged', async () => {
    const name = uniqueName('vf-foreign');
    const foreignXml = bootableGuestXml(name, `/var/log/libvirt/qemu/${name}-serial.log`).replace(/<metadata>[\s\S]*<\/metadata>/, '');
    await hostB.run(['sh', '-c', `cat > /tmp/${name}.xml <<'EOF'\n${foreignXml}\nEOF\n`]);
    expect((await hostB.virsh(['define', `/tmp/${name}.xml`])).code).to.equal(0);
    const before = (await hostB.virsh(['dumpxml', '--inactive', name])).stdout;
    const auditedBefore = hostB.auditRecords.length;
    try {
      const domain = await clientB.domains.lookupByName(name);
      for (const change of [
        () => clientB.domains.create(domain),
        () => clientB.domains.destroy(domain),
        () => clientB.domains.shutdown(domain),
        () => clientB.domains.reboot(domain),
        () => clientB.domains.undefine(domain),
        () => clientB.domains.setAutostart(domain, true),
        () => clientB.domains.defineXml(bootableGuestXml(name, '/tmp/replaced.log')),
        () => clientB.domains.defineXml(foreignXml),
      ]) {
        const error = await change().then(() => null, (failure: unknown) => failure);
        expect(error).to.be.instanceOf(DomainNotOwnedError);
      }
      const refusals = ['create', 'destroy', 'shutdown', 'reboot', 'undefine', 'set-autostart', 'define', 'define'];
      expect(libvirtRecordsAfter(hostB, auditedBefore).map(summary)).to.deep.equal(refusals.map((verb) => ({
        action: `libvirt.domain.${verb}`, outcome: 'denied', host: hostB.host.name, domain: name,
      })));
      expect((await hostB.virsh(['domstate', name])).stdout.trim()).to.equal('shut off');
      expect((await hostB.virsh(['dominfo', name])).stdout).to.match(/Autostart:\s+disable/);
      expect((await hostB.virsh(['dumpxml', '--inactive', name])).stdout).to.equal(before);
    } finally {
      await hostB.virsh(['undefine', name]);
    }
  });

  it('writes no audit record for read-only calls', async () => {
    const name = uniqueName('vf-readonly');
    const domain = await clientA.domains.defineXml(bootableGuestXml(name, `/var/log/libvirt/qemu/${name}-serial.log`));
    try {
      const auditedBefore = hostA.auditRecords.length;
      await clientA.domains.lookupByName(name);
      await clientA.domains.lookupByUuid(domain.uuid);
      await clientA.domains.getState(domain);
      await clientA.domains.getXmlDesc(domain);
      await clientA.domains.assertOwned(domain);
      await clientA.domains.listAll();
      await clientA.host.versions();
      await clientA.host.hostname();
      await clientA.host.nodeInfo();
      await clientA.host.freeMemoryBytes();
      await clientA.storage.listPools();
      expect(libvirtRecordsAfter(hostA, auditedBefore)).to.deep.equal([]);
    } finally {
      await clientA.domains.undefine(domain);
    }
  });
});
