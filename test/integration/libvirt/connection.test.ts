import { expect } from 'chai';
import { isRetryable } from '../../../src/errors/operator-error.js';
import { LibvirtConnectionError, LibvirtError } from '../../../src/libvirt/libvirt-error.js';
import type { LibvirtClient } from '../../../src/libvirt/libvirt-client.js';
import { localLibvirtTarget, type LibvirtTestTarget } from './libvirt-test-target.js';

describe('[REQ-03] libvirt rpc connection against a real libvirtd', () => {
  let target: LibvirtTestTarget;
  let client: LibvirtClient;

  before(async () => {
    target = await localLibvirtTarget();
    client = target.client();
  });

  after(async () => {
    await client.close();
  });

  it('reports the same libvirt and hypervisor versions as virsh', async () => {
    const versions = await client.host.versions();
    const virsh = (await target.virsh(['version'])).stdout;
    expect(virsh).to.contain(`Using library: libvirt ${versions.libvirt}`);
    expect(virsh).to.contain(`Running hypervisor: QEMU ${versions.hypervisor}`);
  });

  it('reports the node CPUs, memory, hostname and free memory that virsh and the OS report', async () => {
    const info = await client.host.nodeInfo();
    const nodeinfo = (await target.virsh(['nodeinfo'])).stdout;
    expect(nodeinfo).to.match(new RegExp(`CPU\\(s\\):\\s+${info.cpus}\\n`));
    expect(nodeinfo).to.match(new RegExp(`Memory size:\\s+${info.memoryBytes / 1024n} KiB`));
    expect(info.cpuModel).to.equal(/CPU model:\s+(\S+)/.exec(nodeinfo)?.[1]);
    expect(await client.host.hostname()).to.equal((await target.virsh(['hostname'])).stdout.trim());
    const free = await client.host.freeMemoryBytes();
    expect(free > 0n && free <= info.memoryBytes).to.equal(true);
  });

  it('carries 50 concurrent calls on one connection and matches each reply to its call', async () => {
    const spawnedBefore = target.transports.length;
    const names = Array.from({ length: 50 }, (_, index) => `virtfleet-missing-${index}`);
    const results = await Promise.all(names.map((name) => client.domains.lookupByName(name).then(() => null, (error: unknown) => error)));
    results.forEach((error, index) => {
      expect(error).to.be.instanceOf(LibvirtError);
      expect((error as LibvirtError).message).to.contain(`'${names[index]}'`);
    });
    expect(target.transports.length - spawnedBefore).to.be.at.most(1);
  });

  it('fails a missing domain with a not-found LibvirtError carrying libvirt\'s own message', async () => {
    const error = await client.domains.lookupByName('virtfleet-no-such-domain').then(() => null, (failure: unknown) => failure);
    expect(error).to.be.instanceOf(LibvirtError);
    expect((error as LibvirtError).isNotFound).to.equal(true);
    expect((error as LibvirtError).code).to.equal(42);
    expect((error as LibvirtError).message).to.equal("Domain not found: no domain with matching name 'virtfleet-no-such-domain'");
    expect(isRetryable(error)).to.equal(false);
  });

  it('fails the calls in flight retryably when the transport dies, and reconnects on the next call', async () => {
    await client.host.hostname();
    const transport = target.transports.at(-1)!;
    const inFlight = Array.from({ length: 20 }, () => client.host.nodeInfo().then(() => null, (error: unknown) => error));
    transport.kill('SIGKILL');
    const outcomes = await Promise.all(inFlight);
    const failures = outcomes.filter((outcome) => outcome !== null);
    expect(failures.length).to.be.greaterThan(0);
    for (const failure of failures) {
      expect(failure).to.be.instanceOf(LibvirtConnectionError);
      expect(isRetryable(failure)).to.equal(true);
    }
    const spawned = target.transports.length;
    expect(await client.host.hostname()).to.be.a('string').and.not.equal('');
    expect(target.transports.length).to.equal(spawned + 1);
  });
});
