import { expect } from 'chai';
import { isRetryable } from '../../../src/errors/operator-error.js';
import type { LibvirtClient } from '../../../src/libvirt/libvirt-client.js';
import { LibvirtConnectionError, LibvirtError } from '../../../src/libvirt/libvirt-error.js';
import { quickKeepalive, startLibvirtHosts, type LibvirtTestFleet, type LibvirtTestHost } from './libvirt-test-target.js';

const HELPER = '/usr/bin/virt-ssh-helper';

/** PIDs of the processes named `name` inside the host (the relay's far end of each RPC connection). */
async function remotePids(target: LibvirtTestHost, name: string): Promise<string[]> {
  const found = await target.run(['pgrep', '-x', name]);
  return found.stdout.split('\n').filter((line) => line !== '');
}

async function outcome(call: Promise<unknown>): Promise<unknown> {
  return call.then(() => null, (error: unknown) => error);
}

describe('[REQ-03] libvirt over ssh: rpc connection to a container host', () => {
  let fleet: LibvirtTestFleet;
  let target: LibvirtTestHost;
  let client: LibvirtClient;

  before(async function () {
    this.timeout(900_000);
    fleet = await startLibvirtHosts(1, 'vf-libvirt-conn');
    target = fleet.hosts[0]!;
    client = target.client();
  });

  after(async () => {
    await client?.close();
    await fleet?.stop();
  });

  it('reports the same libvirt and hypervisor versions, node info and hostname as virsh inside the host', async () => {
    const versions = await client.host.versions();
    const virshVersion = (await target.virsh(['version'])).stdout;
    expect(virshVersion).to.contain(`Using library: libvirt ${versions.libvirt}`);
    expect(virshVersion).to.contain(`Running hypervisor: QEMU ${versions.hypervisor}`);
    const info = await client.host.nodeInfo();
    const nodeinfo = (await target.virsh(['nodeinfo'])).stdout;
    expect(nodeinfo).to.match(new RegExp(`CPU\\(s\\):\\s+${info.cpus}\\n`));
    expect(nodeinfo).to.match(new RegExp(`Memory size:\\s+${info.memoryBytes / 1024n} KiB`));
    expect(await client.host.hostname()).to.equal(target.host.name);
  });

  it('runs virt-ssh-helper on an exec channel of the host session, after probing for it once', async () => {
    expect(target.commands).to.deep.include(['sh', '-c', 'command -v virt-ssh-helper']);
    expect(await remotePids(target, 'virt-ssh-helper')).to.have.length(1);
    const second = target.client();
    try {
      await second.host.hostname();
      expect(await remotePids(target, 'virt-ssh-helper')).to.have.length(2);
    } finally {
      await second.close();
    }
    expect(target.commands.filter((argv) => argv[0] === 'sh')).to.have.length(1);
    expect(target.session.connectionCount).to.equal(1);
  });

  it('carries 50 concurrent calls on one connection and matches each reply to its call', async () => {
    const names = Array.from({ length: 50 }, (_, index) => `virtfleet-missing-${index}`);
    const results = await Promise.all(names.map((name) => outcome(client.domains.lookupByName(name))));
    results.forEach((error, index) => {
      expect(error).to.be.instanceOf(LibvirtError);
      expect((error as LibvirtError).message).to.contain(`'${names[index]}'`);
    });
    expect(await remotePids(target, 'virt-ssh-helper')).to.have.length(1);
  });

  it('fails a missing domain with a not-found LibvirtError carrying libvirt\'s own message', async () => {
    const error = await outcome(client.domains.lookupByName('virtfleet-no-such-domain'));
    expect(error).to.be.instanceOf(LibvirtError);
    expect((error as LibvirtError).isNotFound).to.equal(true);
    expect((error as LibvirtError).code).to.equal(42);
    expect((error as LibvirtError).message).to.equal("Domain not found: no domain with matching name 'virtfleet-no-such-domain'");
    expect(isRetryable(error)).to.equal(false);
  });

  it('fails the calls in flight retryably when the helper dies on the host, and reconnects on the next call', async () => {
    await client.host.hostname();
    const [helper] = await remotePids(target, 'virt-ssh-helper');
    await target.run(['kill', '-STOP', helper!]); // frozen: the calls below stay in flight until the kill
    const inFlight = Array.from({ length: 20 }, () => outcome(client.host.nodeInfo()));
    await target.run(['kill', '-KILL', helper!]);
    const failures = await Promise.all(inFlight);
    for (const failure of failures) {
      expect(failure).to.be.instanceOf(LibvirtConnectionError);
      expect(isRetryable(failure)).to.equal(true);
    }
    expect(await client.host.hostname()).to.equal(target.host.name);
    const helpers = await remotePids(target, 'virt-ssh-helper');
    expect(helpers).to.have.length(1);
    expect(helpers).to.not.include(helper);
  });

  it('fails a call retryably when the network is cut under it, and the next call after the cut reconnects', async function () {
    this.timeout(120_000);
    const watched = target.client({ keepalive: quickKeepalive });
    try {
      await watched.host.hostname();
      await target.host.cutNetwork();
      const started = Date.now();
      const error = await outcome(watched.host.nodeInfo());
      expect(error).to.be.instanceOf(LibvirtConnectionError);
      expect((error as LibvirtConnectionError).message).to.contain('keepalive');
      expect(isRetryable(error)).to.equal(true);
      expect(Date.now() - started).to.be.below(10_000);
      await target.host.restoreNetwork();
      expect(await watched.host.hostname()).to.equal(target.host.name);
    } finally {
      await target.host.restoreNetwork();
      await watched.close();
    }
  });

  for (const transport of ['socat', 'nc'] as const) {
    it(`reaches libvirtd through a ${transport} relay to its UNIX socket when the transport is forced to ${transport}`, async () => {
      const relayed = target.client({ transport });
      try {
        expect(await relayed.host.hostname()).to.equal(target.host.name);
        const error = await outcome(relayed.domains.lookupByName('virtfleet-via-relay'));
        expect((error as LibvirtError).isNotFound).to.equal(true);
        expect(await remotePids(target, transport)).to.have.length(1);
      } finally {
        await relayed.close();
      }
    });
  }

  it('falls back to socat on a host without virt-ssh-helper and probes only once for every client', async () => {
    const session = target.openSession();
    const commandsBefore = target.commands.length;
    await target.run(['mv', HELPER, `${HELPER}.hidden`]);
    try {
      const first = target.client({ session });
      const second = target.client({ session });
      expect(await first.host.hostname()).to.equal(target.host.name);
      expect(await second.host.hostname()).to.equal(target.host.name);
      expect(await remotePids(target, 'socat')).to.have.length(2);
      first.abortConnection();
      expect(await first.host.hostname()).to.equal(target.host.name);
      const probes = target.commands.slice(commandsBefore).filter((argv) => argv[0] === 'sh');
      expect(probes).to.deep.equal([['sh', '-c', 'command -v virt-ssh-helper'], ['sh', '-c', 'command -v socat']]);
      await Promise.all([first.close(), second.close()]);
    } finally {
      await target.run(['mv', `${HELPER}.hidden`, HELPER]);
      session.close();
    }
  });
});
