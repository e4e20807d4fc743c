/** [REQ-03] The test hypervisor hosts themselves: SSH with pinned keys, libvirt, isolation, faults. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { clientKeyPair, startHosts, stopHosts } from '../../support/hosts/index.js';
import type { TestHost } from '../../support/hosts/index.js';
import { runOpenSsh, writeKnownHosts } from '../../support/hosts/openssh-client.js';
import { defineTestGuest } from '../../support/guest/define-test-guest.js';

const run = promisify(execFile);

async function definedDomains(host: TestHost): Promise<string[]> {
  const list = await host.virsh(['list', '--all', '--name']);
  expect(list.code, list.stderr).to.equal(0);
  return list.stdout.split('\n').map((line) => line.trim()).filter((line) => line.length > 0);
}

describe('[REQ-03] test hypervisor hosts (containers with sshd, libvirtd and QEMU)', function () {
  this.timeout(120_000);
  let hosts: TestHost[] = [];
  let first: TestHost;
  let second: TestHost;

  before(async function () {
    this.timeout(900_000); // a missing image is built once (debootstrap), usually it is cached
    hosts = await startHosts(2, { namePrefix: 'virtfleet-hosts-test' });
    [first, second] = hosts as [TestHost, TestHost];
  });

  after(async () => {
    await stopHosts(hosts);
  });

  it('starts two hosts on distinct loopback ports with distinct host keys', () => {
    expect(hosts).to.have.length(2);
    expect(first.sshPort).to.not.equal(second.sshPort);
    expect(first.hostKeyLine).to.match(/^ssh-ed25519 [A-Za-z0-9+/=]+/);
    expect(first.hostKeyLine).to.not.equal(second.hostKeyLine);
    expect(first.clientPrivateKey).to.contain('BEGIN OPENSSH PRIVATE KEY');
  });

  it('reports the host key fingerprint exactly as ssh-keygen computes it', async () => {
    for (const host of hosts) {
      const knownHosts = await writeKnownHosts(host, host.hostKeyLine);
      const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', knownHosts]);
      expect(stdout.split(/\s+/)[1]).to.equal(host.hostKeyFingerprint);
    }
  });

  it('answers the OpenSSH client with the pinned host key and runs virsh against qemu:///system', async () => {
    for (const host of hosts) {
      const result = await runOpenSsh(host, 'virsh -c qemu:///system version');
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.match(/Running hypervisor: QEMU \d+\.\d+/);
    }
  });

  it('is refused by a client that pins a different host key', async () => {
    const result = await runOpenSsh(first, 'true', { knownHostsLine: second.hostKeyLine });
    expect(result.code).to.equal(255);
    expect(result.stderr).to.match(/HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
  });

  it('serves libvirt RPC through virt-ssh-helper to a client that pins the host key', async () => {
    const helper = await runOpenSsh(first, 'command -v virt-ssh-helper');
    expect(helper.stdout.trim()).to.equal('/usr/bin/virt-ssh-helper');
    const { privateKeyPath } = await clientKeyPair();
    const knownHosts = await writeKnownHosts(first, first.hostKeyLine);
    const uri =
      `qemu+libssh://root@127.0.0.1:${first.sshPort}/system?proxy=native&keyfile=${privateKeyPath}` +
      `&known_hosts=${knownHosts}&known_hosts_verify=normal&sshauth=privkey`;
    const { stdout } = await run('virsh', ['-c', uri, 'hostname'], { timeout: 30_000 });
    expect(stdout.trim()).to.equal(first.name);
  });

  it('has an active default directory storage pool', async () => {
    const info = await first.virsh(['pool-dumpxml', 'default']);
    expect(info.code, info.stderr).to.equal(0);
    expect(info.stdout).to.contain('<path>/var/lib/libvirt/images</path>');
    const active = await first.virsh(['pool-info', 'default']);
    expect(active.stdout).to.match(/State:\s+running/);
  });

  it('keeps the two hosts isolated: a domain defined on one is unknown to the other', async () => {
    await defineTestGuest(first, { name: 'isolation-probe' });
    expect(await definedDomains(first)).to.include('isolation-probe');
    expect(await definedDomains(second)).to.not.include('isolation-probe');
    const lookup = await second.virsh(['dominfo', 'isolation-probe']);
    expect(lookup.code).to.not.equal(0);
    expect((await first.virsh(['undefine', 'isolation-probe'])).code).to.equal(0);
  });

  it('stops answering SSH when its network is cut and answers again once restored', async () => {
    await second.cutNetwork();
    try {
      const cut = await runOpenSsh(second, 'true', { connectTimeoutSeconds: 2, timeoutMs: 15_000 });
      expect(cut.code).to.equal(255);
      expect(cut.stderr).to.match(/timed out/i);
      expect((await second.exec(['true'])).code, 'docker exec works during the cut').to.equal(0);
    } finally {
      await second.restoreNetwork();
    }
    const restored = await runOpenSsh(second, 'echo back');
    expect(restored.code, restored.stderr).to.equal(0);
    expect(restored.stdout.trim()).to.equal('back');
  });

  it('hangs SSH while paused and serves it again after unpause', async () => {
    await second.pause();
    try {
      const paused = await runOpenSsh(second, 'true', { connectTimeoutSeconds: 2, timeoutMs: 15_000 });
      expect(paused.code).to.equal(255);
    } finally {
      await second.unpause();
    }
    expect((await runOpenSsh(second, 'true')).code).to.equal(0);
  });

  it('keeps its port, host key and libvirt definitions across restart and across kill plus start', async () => {
    const { sshPort, hostKeyLine } = second;
    await defineTestGuest(second, { name: 'survives-restart' });
    await second.restart();
    await second.kill();
    expect((await runOpenSsh(second, 'true', { connectTimeoutSeconds: 2, timeoutMs: 15_000 })).code).to.equal(255);
    await second.start();
    expect(second.sshPort).to.equal(sshPort);
    const key = await second.exec(['cat', '/etc/ssh/ssh_host_ed25519_key.pub']);
    expect(key.stdout.trim()).to.equal(hostKeyLine);
    const viaSsh = await runOpenSsh(second, 'virsh -c qemu:///system list --all --name');
    expect(viaSsh.code, viaSsh.stderr).to.equal(0);
    expect(viaSsh.stdout).to.contain('survives-restart');
  });
});
