/**
 * [REQ-03] Real hypervisor hosts for integration tests: containers of a locally built Debian image running
 * sshd, libvirtd and QEMU (software emulation), each reachable on its own 127.0.0.1 port with a pinned host
 * key and a per-run client key. Call stopHosts in an `after` hook: the Ryuk reaper is disabled here.
 */
import './testcontainers-env.js';
import { randomBytes } from 'node:crypto';
import { clientKeyPair } from './client-key.js';
import { ensureHostImage } from './host-image.js';
import { freeLoopbackPort } from '../loopback-port.js';
import { DockerTestHost } from './test-host.js';
import type { TestHost } from './test-host.js';

export type { CommandResult, TestHost } from './test-host.js';
export { ensureHostImage } from './host-image.js';
export { clientKeyPair } from './client-key.js';

export interface StartHostsOptions {
  /** Prefix of the container (and host) names; a random run id and the index follow. */
  namePrefix?: string;
}

/** Starts `count` independent hosts in parallel (building the image first if needed). */
export async function startHosts(count: number, opts: StartHostsOptions = {}): Promise<TestHost[]> {
  const [image, clientKey] = await Promise.all([ensureHostImage(), clientKeyPair()]);
  const runId = randomBytes(3).toString('hex');
  const prefix = opts.namePrefix ?? 'virtfleet-host';
  const ports = await distinctFreePorts(count);
  const started = await Promise.allSettled(
    ports.map((sshPort, index) =>
      DockerTestHost.start({
        image,
        name: `${prefix}-${runId}-${index}`,
        sshPort,
        clientPrivateKey: clientKey.privateKey,
        authorizedKey: clientKey.publicKey,
      }),
    ),
  );
  const hosts = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failure = started.find((result) => result.status === 'rejected');
  if (failure) {
    await stopHosts(hosts);
    throw failure.reason;
  }
  return hosts;
}

/** Removes the hosts' containers (running, stopped, paused or killed alike). */
export async function stopHosts(hosts: TestHost[]): Promise<void> {
  await Promise.all(
    hosts.map(async (host) => {
      if (host instanceof DockerTestHost) await host.remove();
    }),
  );
}

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  for (let attempt = 0; ports.size < count && attempt < count * 10; attempt++) {
    ports.add(await freeLoopbackPort());
  }
  if (ports.size < count) throw new Error(`could not find ${count} free loopback ports`);
  return [...ports];
}
