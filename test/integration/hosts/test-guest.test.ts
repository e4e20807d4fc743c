/** [REQ-03] The test guest really boots inside a test host (software emulation) and shuts down gracefully. */
import { expect } from 'chai';
import { startHosts, stopHosts } from '../../support/hosts/index.js';
import type { TestHost } from '../../support/hosts/index.js';
import { guestBootedMarker, guestPowerOffMarker } from '../../support/guest/guest-domain.js';
import { defineTestGuest } from '../../support/guest/define-test-guest.js';
import { waitForSerialMarker } from '../../support/guest/serial-log.js';

const bootTimeoutMs = 120_000; // ~7 s on an idle core, several times that on a loaded 2-core machine
const shutdownTimeoutMs = 30_000;

async function domainState(host: TestHost, guestName: string): Promise<string> {
  const state = await host.virsh(['domstate', '--reason', guestName]);
  expect(state.code, state.stderr).to.equal(0);
  return state.stdout.trim();
}

async function waitForState(host: TestHost, guestName: string, wanted: RegExp, timeoutMs: number): Promise<string> {
  const giveUpAt = Date.now() + timeoutMs;
  let state = await domainState(host, guestName);
  while (!wanted.test(state) && Date.now() < giveUpAt) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    state = await domainState(host, guestName);
  }
  return state;
}

/** Defines and starts a guest of its own; resolves with its serial log once it reached userspace. */
async function bootGuest(host: TestHost, guestName: string): Promise<{ serialLogPath: string; log: string }> {
  const serialLogPath = await defineTestGuest(host, { name: guestName });
  const start = await host.virsh(['start', guestName]);
  expect(start.code, start.stderr).to.equal(0);
  return { serialLogPath, log: await waitForSerialMarker(host, serialLogPath, guestBootedMarker, bootTimeoutMs) };
}

describe('[REQ-03] test guest booting inside a test hypervisor host', function () {
  this.timeout(bootTimeoutMs + 60_000);
  let hosts: TestHost[] = [];
  let host: TestHost;
  /** Guests a test defined; removed after each test, whatever it left them in. */
  const defined: string[] = [];

  before(async function () {
    this.timeout(900_000); // a missing image is built once (debootstrap), usually it is cached
    hosts = await startHosts(1, { namePrefix: 'virtfleet-guest-test' });
    [host] = hosts as [TestHost];
  });

  afterEach(async () => {
    for (const guestName of defined.splice(0)) {
      await host.virsh(['destroy', guestName]); // fails harmlessly when it is already shut off
      await host.virsh(['undefine', guestName]);
    }
  });

  after(async () => {
    await stopHosts(hosts);
  });

  it('runs a type=qemu guest whose serial console shows it reached userspace', async () => {
    defined.push('boot-probe');
    const { log } = await bootGuest(host, 'boot-probe');
    const dumped = await host.virsh(['dumpxml', 'boot-probe']);
    expect(dumped.stdout).to.match(/<domain type='qemu'/);
    expect(log).to.match(new RegExp(`${guestBootedMarker} kernel=6\\.\\d+\\.\\d+-\\d+-amd64`));
    expect(await domainState(host, 'boot-probe')).to.match(/^running/);
  });

  it('powers off gracefully on virsh shutdown through the ACPI power button', async () => {
    defined.push('shutdown-probe');
    const { serialLogPath } = await bootGuest(host, 'shutdown-probe');
    const shutdown = await host.virsh(['shutdown', 'shutdown-probe']);
    expect(shutdown.code, shutdown.stderr).to.equal(0);
    const state = await waitForState(host, 'shutdown-probe', /^shut off/, shutdownTimeoutMs);
    expect(state).to.equal('shut off (shutdown)');
    const log = await waitForSerialMarker(host, serialLogPath, guestPowerOffMarker, 5_000);
    expect(log).to.contain(guestPowerOffMarker);
  });
});
