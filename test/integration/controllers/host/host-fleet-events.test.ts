/**
 * Fleet events, measured on the Host controller against the test API server and one Docker libvirt host, with a
 * heartbeat of 60 s so that only event sources can explain a fast reaction: a libvirtd restart inside the host
 * (SSH stays up), a silent host (network cut without RST) next to 20 dead Hosts (closed loopback ports and a
 * listener that accepts and never speaks), and how long any reconcile holds a worker. Figures are printed; the
 * bounds asserted are far below what the heartbeat or an unbounded connect would give.
 */
import { expect } from 'chai';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { createServer, type Server, type Socket } from 'node:net';
import { filter, firstValueFrom } from 'rxjs';
import { fileURLToPath } from 'node:url';
import type { Host } from '../../../../src/api/v1alpha1/host.js';
import { loadConfig } from '../../../../src/config/load-config.js';
import type { SshConfig, VirtfleetConfig } from '../../../../src/config/types.js';
import { findCondition } from '../../../../src/controller/conditions.js';
import { CustomResourceClient } from '../../../../src/controller/custom-resource-client.js';
import { EventRecorder } from '../../../../src/controller/event-recorder.js';
import { Manager } from '../../../../src/controller/manager.js';
import { noopMetrics } from '../../../../src/controller/metrics-sink.js';
import { hostAccessOver } from '../../../../src/controllers/host/host-access.js';
import { registerHostController } from '../../../../src/controllers/host/host-controller.js';
import { HostConnections } from '../../../../src/hosts/host-connections.js';
import { HOST_RESOURCE, hostInformer, sshAuthSecretInformer } from '../../../../src/hosts/watch-keys.js';
import { AuditLog } from '../../../../src/security/audit-log.js';
import { systemClock } from '../../../../src/time/clock.js';
import { startTestApiServer, type TestApiServer } from '../../../support/apiserver/index.js';
import { startHosts, stopHosts, type TestHost } from '../../../support/hosts/index.js';

const REPO = new URL('../../../../', import.meta.url);
const shipped: VirtfleetConfig = loadConfig(fileURLToPath(new URL('config/', REPO)));
const SECRET_NAMESPACE = 'virtfleet-system';
const HEARTBEAT_MS = 60_000;
const ssh: SshConfig = { ...shipped.ssh, connectTimeoutMs: 2000, keepalive: { intervalMs: 1000, countMax: 3 }, reconnect: { baseDelayMs: 200, maxDelayMs: 5000 } };
const KEEPALIVE_TIMEOUT_MS = ssh.keepalive.intervalMs * (ssh.keepalive.countMax + 1);
const DEAD_HOSTS = 20;

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A TCP listener on 127.0.0.1 that accepts connections and never sends a byte: an SSH server that went silent. */
async function silentListener(): Promise<{ server: Server; port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    server,
    port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Ports on 127.0.0.1 that were free a moment ago: connecting to them is refused. */
async function closedPorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    ports.push((probe.address() as { port: number }).port);
    await new Promise((resolve) => probe.close(resolve));
  }
  return ports;
}

describe('[REQ-06] Host controller under fleet events: libvirtd restarts, a silent host, 20 dead hosts', function () {
  this.timeout(300_000);
  let server: TestApiServer;
  let kubeConfig: KubeConfig;
  let core: CoreV1Api;
  let hosts: CustomResourceClient<Host>;
  let testHost: TestHost;
  let manager: Manager;
  let connections: HostConnections;
  let silent: Awaited<ReturnType<typeof silentListener>>;
  /** The longest reconcile of the Host controller seen so far, in ms. */
  let longestReconcileMs = 0;
  /** The longest connect (SSH, from HostAccess.connect) per Host, in ms. */
  const longestConnectMs = new Map<string, number>();
  /** The longest libvirt inspection (versions, node info, domains) per Host, in ms. */
  const longestInspectMs = new Map<string, number>();

  before(async function () {
    this.timeout(900_000);
    let started: TestHost[];
    [server, started, silent] = await Promise.all([
      startTestApiServer({ crdDir: fileURLToPath(new URL('crds', REPO)) }),
      startHosts(1, { namePrefix: 'host-fleet-events' }),
      silentListener(),
    ]);
    testHost = started[0] as TestHost;
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(server.kubeconfigPath);
    core = kubeConfig.makeApiClient(CoreV1Api);
    hosts = new CustomResourceClient<Host>(kubeConfig, HOST_RESOURCE);
    await core.createNamespace({ body: { metadata: { name: SECRET_NAMESPACE } } });
    await core.createNamespacedSecret({
      namespace: SECRET_NAMESPACE,
      body: { metadata: { name: 'fleet-ssh' }, type: 'kubernetes.io/ssh-auth', stringData: { 'ssh-privatekey': testHost.clientPrivateKey } },
    });
    const audit = new AuditLog({ write: () => true }, { controller: 'host-fleet-events' });
    manager = new Manager({
      kubeConfig,
      identity: 'host-fleet-events',
      config: { ...shipped.controller, resyncPeriodSeconds: 0, leaderElection: { ...shipped.controller.leaderElection, enabled: false }, backoff: { ...shipped.controller.backoff, maxDelayMs: 2000 } },
      metrics: { ...noopMetrics, observeReconcile: (controller, _outcome, seconds) => { if (controller === 'host') longestReconcileMs = Math.max(longestReconcileMs, seconds * 1000); } },
    });
    connections = new HostConnections({ hosts: hostInformer(manager).store, secrets: sshAuthSecretInformer(manager, kubeConfig).store, ssh, libvirt: shipped.libvirt, audit });
    const access = hostAccessOver(connections);
    const timedAccess: typeof access = {
      ...access,
      connect: async (host, signal) => {
        const started = Date.now();
        try {
          const connected = await access.connect(host, signal);
          const timed = <T>(call: () => Promise<T>) => async (): Promise<T> => {
            const begun = Date.now();
            try {
              return await call();
            } finally {
              longestInspectMs.set(host, Math.max(longestInspectMs.get(host) ?? 0, Date.now() - begun));
            }
          };
          const { hypervisor } = connected;
          return { ...connected, hypervisor: { versions: timed(() => hypervisor.versions()), nodeInfo: timed(() => hypervisor.nodeInfo()), domainXmls: timed(() => hypervisor.domainXmls()) } };
        } finally {
          longestConnectMs.set(host, Math.max(longestConnectMs.get(host) ?? 0, Date.now() - started));
        }
      },
    };
    registerHostController({
      manager, kubeConfig, access: timedAccess, connectionDrops: connections.drops(),
      events: new EventRecorder(kubeConfig, { component: 'virtfleet-controller' }), clock: systemClock, workers: shipped.controller.workers.host, heartbeatIntervalMs: HEARTBEAT_MS,
    });
    manager.start();
    await createHost('healthy', testHost.address, testHost.sshPort);
    await readyIs('healthy', 'True', 120_000);
  });

  after(async () => {
    await manager?.stop();
    await connections?.closeAll();
    await stopHosts(testHost === undefined ? [] : [testHost]);
    await silent?.close();
    await server?.stop();
  });

  async function createHost(name: string, address: string, port: number): Promise<void> {
    await hosts.create({
      apiVersion: 'virtfleet.io/v1alpha1',
      kind: 'Host',
      metadata: { name },
      spec: { address, port, user: testHost.user, credentialsSecretRef: { namespace: SECRET_NAMESPACE, name: 'fleet-ssh' }, hostKeys: [testHost.hostKeyLine] },
    });
  }

  function readyIs(name: string, status: string, timeoutMs: number): Promise<Host> {
    return eventually(`${name} Ready=${status}`, async () => {
      const host = await hosts.get(undefined, name);
      return findCondition(host?.status?.conditions, 'Ready')?.status === status ? host : undefined;
    }, timeoutMs);
  }

  it('sees libvirtd restarted inside the host (SSH stays up) at once, not at the next heartbeat, and Ready again when it is back', async () => {
    const killed = await testHost.exec(['sh', '-c', 'kill "$(cat /run/libvirtd.pid)" && while [ -e /proc/"$(cat /run/libvirtd.pid 2>/dev/null || echo 0)" ] && [ -S /run/libvirt/libvirt-sock ]; do sleep 0.05; done']);
    expect(killed.code, killed.stderr).to.equal(0);
    const stopped = Date.now();
    let down: Host;
    try {
      down = await readyIs('healthy', 'False', HEARTBEAT_MS / 4);
    } finally {
      console.log(`      libvirtd stopped -> Ready=False: ${Date.now() - stopped} ms (heartbeat ${HEARTBEAT_MS} ms)`);
      const started = await testHost.exec(['sh', '-c', 'rm -f /run/libvirtd.pid; libvirtd -d && until [ -S /run/libvirt/libvirt-sock ]; do sleep 0.05; done']);
      expect(started.code, started.stderr).to.equal(0);
    }
    expect(findCondition(down.status?.conditions, 'LibvirtReady')?.status).to.equal('False');
    expect(findCondition(down.status?.conditions, 'Reachable')?.status, 'SSH stayed up').to.equal('True');
    const answering = Date.now();
    await readyIs('healthy', 'True', HEARTBEAT_MS / 4);
    console.log(`      libvirtd answering again -> Ready=True: ${Date.now() - answering} ms`);
  });

  it(`sees a silent host (network cut, no RST) within the keepalive timeout while ${DEAD_HOSTS} dead Hosts fail, and no reconcile holds a worker past the connect timeout`, async () => {
    const refused = await closedPorts(DEAD_HOSTS / 2);
    await Promise.all([
      ...refused.map((port, i) => createHost(`refused-${i}`, '127.0.0.1', port)),
      ...Array.from({ length: DEAD_HOSTS / 2 }, (_, i) => createHost(`silent-${i}`, '127.0.0.1', silent.port)),
    ]);
    const names = [...refused.map((_, i) => `refused-${i}`), ...Array.from({ length: DEAD_HOSTS / 2 }, (_, i) => `silent-${i}`)];
    for (const name of names) await readyIs(name, 'False', 60_000);
    await readyIs('healthy', 'True', 10_000);

    const dropped = firstValueFrom(connections.drops().pipe(filter((drop) => drop.host === 'healthy' && drop.connection === 'ssh')));
    await testHost.cutNetwork();
    const cut = Date.now();
    let down: Host;
    let droppedAt: number;
    let readyFalseAt: number;
    try {
      await dropped;
      droppedAt = Date.now();
      down = await readyIs('healthy', 'False', KEEPALIVE_TIMEOUT_MS + ssh.connectTimeoutMs + 20_000);
      readyFalseAt = Date.now();
      console.log(`      network cut (no RST) -> SSH keepalive drop: ${droppedAt - cut} ms (keepalive ${ssh.keepalive.intervalMs} ms x ${ssh.keepalive.countMax})`);
      console.log(`      SSH drop -> Ready=False: ${readyFalseAt - droppedAt} ms (${DEAD_HOSTS} dead Hosts failing, ${shipped.controller.workers.host} workers, connect timeout ${ssh.connectTimeoutMs} ms)`);
    } finally {
      await testHost.restoreNetwork();
    }
    const restored = Date.now();
    console.log(`      (network cut -> Ready=False in all: ${readyFalseAt - cut} ms)`);
    await readyIs('healthy', 'True', 30_000);
    console.log(`      network restored -> Ready=True: ${Date.now() - restored} ms`);
    console.log(`      longest Host reconcile: ${Math.round(longestReconcileMs)} ms (connect timeout ${ssh.connectTimeoutMs} ms, ${shipped.controller.workers.host} workers)`);
    const slowest = [...longestConnectMs].sort(([, a], [, b]) => b - a).slice(0, 5).map(([host, ms]) => `${host} ${ms} ms`).join(', ');
    console.log(`      longest connects: ${slowest}; longest libvirt inspection: ${[...longestInspectMs].map(([host, ms]) => `${host} ${ms} ms`).join(', ')}`);
    expect(findCondition(down.status?.conditions, 'Ready')?.message, 'reported from the keepalive drop, not after a further connect timeout').to.equal('ssh healthy: connection lost: Keepalive timeout');
    expect(readyFalseAt - droppedAt, 'the dead Hosts hold a worker at most one connect timeout').to.be.below(2 * ssh.connectTimeoutMs + 1000);
    for (const [host, ms] of longestConnectMs) expect(ms, `${host}: every connect attempt is bounded by the connect timeout`).to.be.below(ssh.connectTimeoutMs + 2000);
  });
});
