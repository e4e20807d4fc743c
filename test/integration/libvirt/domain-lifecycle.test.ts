import { expect } from 'chai';
import { firstValueFrom, filter, takeWhile, toArray, type Observable } from 'rxjs';
import { buildDomainXml } from '../../../src/libvirt/domain-xml.js';
import type { LibvirtClient } from '../../../src/libvirt/libvirt-client.js';
import { DomainNotOwnedError, LibvirtError } from '../../../src/libvirt/libvirt-error.js';
import type { DomainLifecycleEvent } from '../../../src/libvirt/operations/domain-events.js';
import { localLibvirtTarget, uniqueName, type LibvirtTestTarget } from './libvirt-test-target.js';

function tinyDomainXml(name: string): string {
  return buildDomainXml({
    name,
    type: 'qemu',
    machine: 'pc',
    vcpus: 1,
    memoryBytes: 64 * 1024 * 1024,
    firmware: 'bios',
    disks: [],
    interfaces: [],
    owner: { namespace: 'default', name, uid: '6f1d2c3b-0000-4000-8000-000000000001', generation: 1 },
  });
}

/** The events of one domain up to and including its 'undefined' event. */
function eventsUntilUndefined(events: Observable<DomainLifecycleEvent>, name: string): Promise<DomainLifecycleEvent[]> {
  return firstValueFrom(events.pipe(
    filter((event) => event.domainName === name),
    takeWhile((event) => event.event !== 'undefined', true),
    toArray(),
  ));
}

describe('[REQ-03] libvirt rpc domain lifecycle against a real libvirtd', () => {
  let target: LibvirtTestTarget;
  let client: LibvirtClient;
  const created: string[] = [];

  before(async () => {
    target = await localLibvirtTarget();
    client = target.client();
  });

  after(async () => {
    for (const name of created) {
      await target.virsh(['destroy', name]);
      await target.virsh(['undefine', name]);
    }
    await client.close();
  });

  it('defines, starts, reads the state of, destroys and undefines a domain, with one lifecycle event per step', async () => {
    const name = uniqueName('vf-it-life');
    created.push(name);
    const events = client.lifecycleEvents();
    const expected = eventsUntilUndefined(events, name);
    await new Promise((resolve) => setTimeout(resolve, 50)); // let the subscription register with libvirtd

    const domain = await client.domains.defineXml(tinyDomainXml(name));
    expect(domain.name).to.equal(name);
    expect((await client.domains.getState(domain)).state).to.equal('shutoff');
    expect((await client.domains.lookupByUuid(domain.uuid)).name).to.equal(name);

    await client.domains.create(domain);
    expect(await client.domains.getState(domain)).to.deep.equal({ state: 'running', reason: 1 });
    expect((await target.virsh(['domstate', name])).stdout.trim()).to.equal('running');
    const running = await client.domains.lookupByName(name);
    expect(running.id).to.be.greaterThan(0);
    expect((await client.domains.listAll()).map((listed) => listed.name)).to.include(name);

    await client.domains.destroy(domain);
    expect((await client.domains.getState(domain)).state).to.equal('shutoff');
    expect((await target.virsh(['domstate', name])).stdout.trim()).to.equal('shut off');

    await client.domains.undefine(domain);
    expect((await target.virsh(['dominfo', name])).code).to.not.equal(0);

    const received = await expected;
    const kinds = received.map((event) => event.event);
    // QEMU also reports 'resumed' on start and 'shutdown' on destroy; the four transitions come in this order.
    const transitions = kinds.filter((kind) => ['defined', 'started', 'stopped', 'undefined'].includes(kind));
    expect(transitions).to.deep.equal(['defined', 'started', 'stopped', 'undefined']);
    expect(received.every((event) => event.uuid === domain.uuid)).to.equal(true);
    expect(received.find((event) => event.event === 'stopped')!.detail).to.equal(1); // VIR_DOMAIN_EVENT_STOPPED_DESTROYED
  });

  it('reads back the XML with the owner metadata and sets autostart', async () => {
    const name = uniqueName('vf-it-xml');
    created.push(name);
    const domain = await client.domains.defineXml(tinyDomainXml(name));
    const owner = await client.domains.assertOwned(domain);
    expect(owner).to.deep.include({ namespace: 'default', name, generation: 1 });
    await client.domains.setAutostart(domain, true);
    expect((await target.virsh(['dominfo', name])).stdout).to.match(/Autostart:\s+enable/);
    await client.domains.setAutostart(domain, false);
    await client.domains.undefine(domain);
  });

  it('reports invalid domain XML as a LibvirtError with libvirt\'s own message', async () => {
    const xml = tinyDomainXml(uniqueName('vf-it-bad')).replace('<memory unit="KiB">65536</memory>', '<memory unit="KiB">lots</memory>');
    const error = await client.domains.defineXml(xml).then(() => null, (failure: unknown) => failure);
    expect(error).to.be.instanceOf(LibvirtError);
    expect((error as LibvirtError).isNotFound).to.equal(false);
    expect((error as LibvirtError).message).to.match(/memory/i);
    expect((error as LibvirtError).code).to.be.greaterThan(0);
  });

  it('never touches a domain without virtfleet metadata', async () => {
    const name = uniqueName('vf-it-foreign');
    created.push(name);
    const foreignXml = tinyDomainXml(name).replace(/<metadata>[\s\S]*<\/metadata>/, '');
    const defined = await target.run(['sh', '-c', `printf '%s' '${foreignXml}' | virsh -c qemu:///system define /dev/stdin`]);
    expect(defined.code, defined.stderr).to.equal(0);
    expect((await target.virsh(['start', name])).code).to.equal(0);
    const domain = await client.domains.lookupByName(name);

    for (const change of [
      () => client.domains.destroy(domain),
      () => client.domains.shutdown(domain),
      () => client.domains.reboot(domain),
      () => client.domains.undefine(domain),
      () => client.domains.setAutostart(domain, true),
      () => client.domains.defineXml(tinyDomainXml(name)),
    ]) {
      const error = await change().then(() => null, (failure: unknown) => failure);
      expect(error).to.be.instanceOf(DomainNotOwnedError);
    }
    expect((await target.virsh(['domstate', name])).stdout.trim()).to.equal('running');
    expect((await target.virsh(['dominfo', name])).stdout).to.match(/Autostart:\s+disable/);
    expect(await client.domains.defineXml(foreignXml).then(() => null, (failure: unknown) => failure)).to.be.instanceOf(DomainNotOwnedError);
  });
});
