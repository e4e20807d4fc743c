/** [REQ-03] The test guest really boots inside a test host (software emulation) and shuts down gracefully. */
import { expect } from 'chai';
import { startHosts, stopHosts } from '../../support/hosts/index.js';
import type { TestHost } from '../../support/hosts/index.js';
import { guestBootedMarker, guestPowerOffMarker } from '../../support/guest/guest-domain.js';
import { defineTestGuest } from '../../support/guest/define-test-guest.js';
import { waitForSerialMarker } from '../../support/guest/serial-log.js';

const guestName = 'boot-probe';
const bootTimeoutMs = 120_000; // ~7 s on an idle core, several times that on a loaded 2-core machine
const shutdownTimeoutMs = 30_000;

async function domainState(host: TestHost): Promise<string> {
  const state = await host.virsh(['domstate', '--reason', guestName]);
  expect(state.code, state.stderr).to.equal(0);
  return state.stdout.trim();
}

async function waitForState(host: TestHost, wanted: RegExp, timeoutMs: number): Promise<string> {
  const giveUpAt = Date.now() + timeoutMs;
  let state = await domainState(host);
  while (!wanted.test(state) && Date.now() < giveUpAt) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    state = await domainState(host);
  }
  return state;
}

describe('[REQ-03] test guest booting inside a test hypervisor host', function () {
  this.timeout(bootTimeoutMs + 60_000);
  let hosts: TestHost[] = [];
  let host: TestHost;
  let serialLogPath = '';

  before(async function () {
    this.timeout(900_000); // a missing image is built once (debootstrap), usually it is cached
    hosts = await startHosts(1, { namePrefix: 'virtfleet-guest-test' });
    [host] = hosts as [TestHost];
  });

  after(async () => {
    await stopHosts(hosts);
  });

  it('runs a type=qemu guest whose serial console shows it reached userspace', async () => {
    serialLogPath = await defineTestGuest(host, { name: guestName });
    const start = await host.virsh(['start', guestName]);
    expect(start.code, start.stderr).to.equal(0);
    const dumped = await host.virsh(['dumpxml', guestName]);
    expect(dumped.stdout).to.match(/<domain type='qemu'/);

    const log = await waitForSerialMarker(host, serialLogPath, guestBootedMarker, bootTimeoutMs);
    expect(log).to.match(new RegExp(`${guestBootedMarker} kernel=6\\.\\d+\\.\\d+-\\d+-amd64`));
    expect(await domainState(host)).to.match(/^running/);
  });

  it('powers off gracefully on virsh shutdown through the ACPI power button', async () => {
    const shutdown = await host.virsh(['shutdown', guestName]);
    expect(shutdown.code, shutdown.stderr).to.equal(0);
    const state = await waitForState(host, /^shut off/, shutdownTimeoutMs);
    expect(state).to.equal('shut off (shutdown)');
    const log = await waitForSerialMarker(host, serialLogPath, guestPowerOffMarker, 5_000);
    expect(log).to.contain(guestPowerOffMarker);
    expect((await host.virsh(['undefine', guestName])).code).to.equal(0);
  });
});
