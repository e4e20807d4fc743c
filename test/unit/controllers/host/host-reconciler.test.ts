import { expect } from 'chai';
import { HOST_CONDITIONS } from '../../../../src/api/v1alpha1/condition.js';
import { FINALIZERS } from '../../../../src/api/v1alpha1/finalizers.js';
import type { Host } from '../../../../src/api/v1alpha1/host.js';
import type { VirtualMachine } from '../../../../src/api/v1alpha1/virtual-machine.js';
import { findCondition } from '../../../../src/controller/conditions.js';
import type { Result } from '../../../../src/controller/reconciler.js';
import { silentLogger } from '../../../../src/controller/runtime-logger.js';
import { UnreportedDrops } from '../../../../src/controllers/host/connection-drops.js';
import { HostReconciler, UNREACHABLE_RECHECK_MS } from '../../../../src/controllers/host/host-reconciler.js';
import { isRetryable } from '../../../../src/errors/operator-error.js';
import { HostKeyMismatchError, SshAuthError, SshConnectError, SshCredentialsError } from '../../../../src/errors/ssh-errors.js';
import { LibvirtConnectionError } from '../../../../src/libvirt/libvirt-error.js';
import { FakeClock } from '../../../support/fake-clock.js';
import { InMemoryHosts, RecordingEvents, ScriptedHostAccess, SecretMap, domainXml, fixedHypervisor, type HostBehaviour } from './host-test-doubles.js';

const PINNED = 'SHA256:sJXsjbJLQ+c/RL/JSMoM+LQuwDJMTMar+pfHaWwMkos';
const PRESENTED = 'SHA256:AAAAjbJLQ+c/RL/JSMoM+LQuwDJMTMar+pfHaWwMkos';
const HEARTBEAT_MS = 60_000;
const RECHECK_MS = 300_000;

function hostObject(name = 'hv1', hostKeys = [PINNED]): Host {
  return {
    apiVersion: 'virtfleet.io/v1alpha1',
    kind: 'Host',
    metadata: { name },
    spec: { address: '192.0.2.10', port: 22, user: 'root', credentialsSecretRef: { namespace: 'virtfleet-system', name: `${name}-ssh` }, hostKeys },
  };
}

const healthy: HostBehaviour = {
  connect: { fingerprint: PINNED },
  hypervisor: fixedHypervisor(8, 16 * 1024 * 1024, [
    domainXml('web', 2, 1024, { namespace: 'apps', uid: 'u1' }),
    domainXml('db', 4, 2048, { namespace: 'apps', uid: 'u2' }),
    domainXml('someone-elses', 16, 8192),
  ]),
};

function harness(behaviour: HostBehaviour, options: { secret?: Record<string, string> | 'absent'; host?: Host; drops?: UnreportedDrops } = {}) {
  const hosts = new InMemoryHosts();
  const secrets = new SecretMap();
  const host = options.host ?? hostObject();
  if (options.secret !== 'absent') secrets.putSshKey('virtfleet-system', `${host.metadata?.name}-ssh`, options.secret ?? { 'ssh-privatekey': 'PRIVATE KEY' });
  hosts.put(host);
  const access = new ScriptedHostAccess(behaviour, { hosts: hosts.cache, secrets });
  const events = new RecordingEvents();
  const clock = new FakeClock();
  const virtualMachines: VirtualMachine[] = [];
  const reconciler = new HostReconciler({
    hosts, cache: hosts.cache, virtualMachines: { list: () => virtualMachines }, access, events, clock, heartbeatIntervalMs: HEARTBEAT_MS, recheckIntervalMs: RECHECK_MS,
    ...(options.drops === undefined ? {} : { drops: options.drops }),
  });
  const name = host.metadata?.name ?? '';
  const logged: Array<{ level: string; message: string; meta: Record<string, unknown> }> = [];
  const record = (level: string) => (message: string, meta: Record<string, unknown> = {}): void => {
    logged.push({ level, message, meta });
  };
  const logger = { ...silentLogger, info: record('info'), warn: record('warn') };
  const ctx = { signal: new AbortController().signal, logger };
  /** One reconcile: its Result, or the error it threw. */
  const reconcile = async (): Promise<Result | Error> => {
    try {
      return await reconciler.reconcile({ name }, ctx);
    } catch (error) {
      return error as Error;
    }
  };
  return { hosts, secrets, access, events, clock, virtualMachines, reconcile, logged, stored: () => hosts.stored(name) };
}

function condition(host: Host | undefined, type: string) {
  return findCondition(host?.status?.conditions, type);
}

interface FailureCase {
  name: string;
  behaviour: HostBehaviour;
  secret?: Record<string, string> | 'absent';
  hostKeys?: string[];
  reachable: string;
  authenticated: [string, string];
  libvirtReady: [string, string];
  /** Text the Warning Event and the Ready condition's message contain. */
  message: string;
  outcome: 'retry soon' | 'recheck later';
}

const failures: FailureCase[] = [
  {
    name: 'a missing Secret',
    behaviour: healthy,
    secret: 'absent',
    reachable: 'Unknown',
    authenticated: ['False', 'CredentialsNotFound'],
    libvirtReady: ['Unknown', 'CredentialsNotFound'],
    message: 'Secret virtfleet-system/hv1-ssh of type kubernetes.io/ssh-auth not found',
    outcome: 'recheck later',
  },
  {
    name: 'a Secret without ssh-privatekey',
    behaviour: healthy,
    secret: { 'id_ed25519': 'x' },
    reachable: 'Unknown',
    authenticated: ['False', 'CredentialsInvalid'],
    libvirtReady: ['Unknown', 'CredentialsInvalid'],
    message: "has no 'ssh-privatekey' key",
    outcome: 'recheck later',
  },
  {
    name: 'a private key that cannot be read (wrong passphrase)',
    behaviour: { connect: { error: new SshCredentialsError('hv1', 'cannot read the private key: bad passphrase') }, hypervisor: healthy.hypervisor },
    reachable: 'Unknown',
    authenticated: ['False', 'CredentialsInvalid'],
    libvirtReady: ['Unknown', 'CredentialsInvalid'],
    message: 'Secret virtfleet-system/hv1-ssh: cannot read the private key: bad passphrase',
    outcome: 'recheck later',
  },
  {
    name: 'a host key that is not pinned',
    behaviour: { connect: { error: new HostKeyMismatchError('hv1', PRESENTED) }, hypervisor: healthy.hypervisor },
    reachable: 'True',
    authenticated: ['False', 'HostKeyMismatch'],
    libvirtReady: ['Unknown', 'HostKeyMismatch'],
    message: PRESENTED,
    outcome: 'recheck later',
  },
  {
    name: 'a refused client key',
    behaviour: { connect: { error: new SshAuthError('hv1', 'the host refused our key') }, hypervisor: healthy.hypervisor },
    reachable: 'True',
    authenticated: ['False', 'SshAuthenticationFailed'],
    libvirtReady: ['Unknown', 'SshAuthenticationFailed'],
    message: 'refused our key',
    outcome: 'recheck later',
  },
  {
    name: 'a malformed pinned host key',
    behaviour: healthy,
    hostKeys: ['not-a-key'],
    reachable: 'Unknown',
    authenticated: ['False', 'InvalidSpec'],
    libvirtReady: ['Unknown', 'InvalidSpec'],
    message: 'spec.hostKeys',
    outcome: 'recheck later',
  },
  {
    name: 'an unreachable host',
    behaviour: { connect: { error: new SshConnectError('hv1', 'connect ECONNREFUSED 192.0.2.10:22') }, hypervisor: healthy.hypervisor },
    reachable: 'False',
    authenticated: ['Unknown', 'SshConnectFailed'],
    libvirtReady: ['Unknown', 'SshConnectFailed'],
    message: 'ECONNREFUSED',
    outcome: 'retry soon',
  },
  {
    name: 'a lost libvirt connection',
    behaviour: { connect: { fingerprint: PINNED }, hypervisor: { error: new LibvirtConnectionError('libvirt RPC transport closed') } },
    reachable: 'True',
    authenticated: ['True', 'AuthSucceeded'],
    libvirtReady: ['False', 'LibvirtConnectionLost'],
    message: 'transport closed',
    outcome: 'retry soon',
  },
];

describe('[REQ-01] HostReconciler', () => {
  it('reports a healthy host Ready with versions, capacity and its own VMs, and a second pass mutates nothing', async () => {
    const { hosts, events, reconcile, stored } = harness(healthy);
    const first = await reconcile();
    expect(first).to.deep.equal({ requeueAfterMs: HEARTBEAT_MS });
    expect(hosts.mutations).to.deep.equal(['patch hv1', 'status hv1']);
    const host = stored();
    expect(host?.metadata?.finalizers).to.deep.equal([FINALIZERS.hostCleanup]);
    const checks = [HOST_CONDITIONS.Reachable, HOST_CONDITIONS.Authenticated, HOST_CONDITIONS.LibvirtReady, HOST_CONDITIONS.Ready];
    expect(host?.status?.conditions?.map((c) => c.type).sort()).to.deep.equal([...checks].sort());
    for (const type of checks) expect(condition(host, type)?.status, type).to.equal('True');
    expect(condition(host, 'Ready')?.observedGeneration).to.equal(1);
    expect(host?.status).to.deep.include({
      hostKeyFingerprint: PINNED,
      libvirtVersion: '9.0.0',
      hypervisorVersion: '7.2.0',
      capacity: { cpus: 8, memory: '16Gi' },
      allocated: { cpus: 6, memory: '3Gi' },
      vmCount: 2,
      lastHeartbeatTime: '2025-01-01T00:00:00Z',
      observedGeneration: 1,
    });
    expect(events.events).to.deep.equal([{ type: 'Normal', reason: 'HostReady', message: 'SSH, authentication and libvirt are working' }]);

    hosts.mutations = [];
    const second = await reconcile();
    expect(second).to.deep.equal({ requeueAfterMs: HEARTBEAT_MS });
    expect(hosts.mutations).to.deep.equal([]);
    expect(events.events).to.have.length(1);
    expect(stored()?.metadata?.resourceVersion).to.equal(host?.metadata?.resourceVersion);
  });

  it('writes only the heartbeat once the heartbeat interval has passed, and asks to come back when the next is due', async () => {
    const { hosts, events, clock, reconcile, stored } = harness(healthy);
    await reconcile();
    const before = stored();
    await clock.advance(20_000);
    hosts.mutations = [];
    expect(await reconcile()).to.deep.equal({ requeueAfterMs: 40_000 });
    expect(hosts.mutations).to.deep.equal([]);

    await clock.advance(40_000);
    expect(await reconcile()).to.deep.equal({ requeueAfterMs: HEARTBEAT_MS });
    expect(hosts.mutations).to.deep.equal(['status hv1']);
    const after = stored();
    expect(after?.status?.lastHeartbeatTime).to.equal('2025-01-01T00:01:00Z');
    expect(after?.status?.conditions).to.deep.equal(before?.status?.conditions);
    expect(events.events).to.have.length(1);
  });

  for (const failure of failures) {
    it(`reports ${failure.name} in the conditions with a Warning Event, then ${failure.outcome} without writing again`, async () => {
      const { hosts, events, access, reconcile, stored } = harness(failure.behaviour, {
        ...(failure.secret === undefined ? {} : { secret: failure.secret }),
        ...(failure.hostKeys === undefined ? {} : { host: hostObject('hv1', failure.hostKeys) }),
      });
      const first = await reconcile();
      const host = stored();
      expect(condition(host, 'Reachable')?.status).to.equal(failure.reachable);
      expect([condition(host, 'Authenticated')?.status, condition(host, 'Authenticated')?.reason]).to.deep.equal(failure.authenticated);
      expect([condition(host, 'LibvirtReady')?.status, condition(host, 'LibvirtReady')?.reason]).to.deep.equal(failure.libvirtReady);
      const ready = condition(host, 'Ready');
      const blocking = [failure.reachable === 'False' ? 'SshConnectFailed' : undefined, failure.authenticated[0] === 'False' ? failure.authenticated[1] : undefined, failure.libvirtReady[1]]
        .find((reason) => reason !== undefined);
      expect(ready).to.include({ status: 'False', reason: blocking });
      expect(ready?.message).to.contain(failure.message);
      expect(events.events).to.have.length(1);
      expect(events.events[0]).to.include({ type: 'Warning', reason: blocking });
      expect(events.events[0]?.message).to.contain(failure.message);
      expect(host?.status?.observedGeneration).to.equal(1);
      if (failure.outcome === 'retry soon') {
        expect(first).to.deep.include({ requeueAfterMs: UNREACHABLE_RECHECK_MS });
        expect(isRetryable((first as Result).failure)).to.equal(true);
        expect((first as Result).failure?.reason).to.equal(blocking);
      } else {
        expect(first).to.deep.include({ requeueAfterMs: RECHECK_MS });
        const terminal = (first as Result).failure;
        expect(terminal?.reason, 'the terminal failure is returned for the metrics').to.equal(blocking);
        expect(terminal?.retryable).to.equal(false);
      }

      hosts.mutations = [];
      const connectsBefore = access.connects.length;
      const second = await reconcile();
      expect(hosts.mutations).to.deep.equal([]);
      expect(events.events).to.have.length(1);
      expect(second instanceof Error).to.equal(first instanceof Error);
      expect(access.connects.length - connectsBefore).to.be.at.most(1);
    });
  }

  it('never connects while the Secret is missing, and becomes Ready once the Secret exists', async () => {
    const { access, secrets, events, reconcile, stored } = harness(healthy, { secret: 'absent' });
    await reconcile();
    expect(access.connects).to.deep.equal([]);
    secrets.putSshKey('virtfleet-system', 'hv1-ssh', { 'ssh-privatekey': 'PRIVATE KEY', passphrase: 'secret words' });
    await reconcile();
    expect(access.connects).to.have.length(1);
    expect(access.connects[0]).to.deep.include({ host: 'hv1', address: '192.0.2.10', port: 22, user: 'root', privateKey: 'PRIVATE KEY', passphrase: 'secret words' });
    expect([...(access.connects[0]?.hostKeys.fingerprints ?? [])]).to.deep.equal([PINNED]);
    expect(condition(stored(), 'Ready')?.status).to.equal('True');
    expect(events.events.map((event) => `${event.type} ${event.reason}`)).to.deep.equal(['Warning CredentialsNotFound', 'Normal HostReady']);
  });

  it('moves Ready to False and back, changing lastTransitionTime only when the status changes, and keeps the last facts', async () => {
    const { access, clock, events, reconcile, stored } = harness(healthy);
    await reconcile();
    const readySince = condition(stored(), 'Ready')?.lastTransitionTime;
    await clock.advance(5000);
    access.behaviour = { connect: { error: new SshConnectError('hv1', 'connect ECONNREFUSED') }, hypervisor: healthy.hypervisor };
    await reconcile();
    const down = stored();
    expect(condition(down, 'Reachable')?.status).to.equal('False');
    expect(condition(down, 'Ready')?.lastTransitionTime).to.equal('2025-01-01T00:00:05Z');
    expect(down?.status?.capacity).to.deep.equal({ cpus: 8, memory: '16Gi' });
    expect(down?.status?.lastHeartbeatTime).to.equal('2025-01-01T00:00:00Z');
    await clock.advance(5000);
    access.behaviour = healthy;
    await reconcile();
    const up = stored();
    expect(condition(up, 'Ready')).to.include({ status: 'True', lastTransitionTime: '2025-01-01T00:00:10Z' });
    expect(readySince).to.equal('2025-01-01T00:00:00Z');
    expect(up?.status?.lastHeartbeatTime).to.equal('2025-01-01T00:00:10Z');
    expect(events.events.map((event) => `${event.type} ${event.reason}`)).to.deep.equal(['Normal HostReady', 'Warning SshConnectFailed', 'Normal HostReady']);
  });

  it('clears hostKeyFingerprint during a host-key mismatch, shows the presented key beside it, and restores the match once pinned', async () => {
    const { hosts, access, reconcile, stored } = harness(healthy);
    await reconcile();
    expect(stored()?.status).to.deep.include({ hostKeyFingerprint: PINNED, summary: { status: 'Ready', allocatedMemory: '3Gi', capacityMemory: '16Gi' } });
    expect(stored()?.status?.presentedHostKeyFingerprint).to.equal(undefined);
    access.behaviour = { connect: { error: new HostKeyMismatchError('hv1', PRESENTED) }, hypervisor: healthy.hypervisor };
    await reconcile();
    const mismatched = stored();
    expect(mismatched?.status?.hostKeyFingerprint, 'a key that matched no pin is never shown as the matched key').to.equal(undefined);
    expect(mismatched?.status?.presentedHostKeyFingerprint).to.equal(PRESENTED);
    expect(mismatched?.status?.summary).to.deep.equal({ status: 'NotReady', reason: 'HostKeyMismatch', allocatedMemory: '3Gi', capacityMemory: '16Gi' });
    expect(mismatched?.status?.capacity, 'capacity stays last-known').to.deep.equal({ cpus: 8, memory: '16Gi' });
    access.behaviour = { connect: { error: new SshConnectError('hv1', 'connect ECONNREFUSED') }, hypervisor: healthy.hypervisor };
    await reconcile();
    expect(stored()?.status?.presentedHostKeyFingerprint, 'an unreachable host keeps the last presented key').to.equal(PRESENTED);
    access.behaviour = healthy;
    await reconcile();
    expect(stored()?.status?.hostKeyFingerprint).to.equal(PINNED);
    expect(stored()?.status?.presentedHostKeyFingerprint).to.equal(undefined);
    hosts.mutations = [];
    await reconcile();
    expect(hosts.mutations).to.deep.equal([]);
  });

  it('shows Ready,SchedulingDisabled for an unschedulable Host', async () => {
    const host = hostObject();
    host.spec.unschedulable = true;
    const { reconcile, stored } = harness(healthy, { host });
    await reconcile();
    expect(stored()?.status?.summary?.status).to.equal('Ready,SchedulingDisabled');
  });

  it('reports a lost SSH connection at once without connecting, then checks for real; a lost libvirt connection alone is checked for real', async () => {
    const drops = new UnreportedDrops();
    const { access, reconcile, stored } = harness(healthy, { drops });
    await reconcile();
    const connects = access.connects.length;
    drops.record({ host: 'hv1', connection: 'libvirt', error: new Error('libvirt RPC transport closed') });
    await reconcile();
    expect(access.connects.length, 'a libvirt drop is checked over the live SSH connection').to.equal(connects + 1);
    expect(condition(stored(), 'Ready')?.status).to.equal('True');
    drops.record({ host: 'hv1', connection: 'ssh', error: new Error('ssh hv1: keepalive timeout') });
    expect(await reconcile()).to.deep.include({ requeueAfterMs: UNREACHABLE_RECHECK_MS });
    expect(access.connects.length, 'no connect attempt to a host that just went silent').to.equal(connects + 1);
    expect(condition(stored(), 'Reachable')).to.include({ status: 'False', reason: 'SshConnectFailed', message: 'ssh hv1: connection lost: keepalive timeout' });
    await reconcile();
    expect(access.connects.length).to.equal(connects + 2);
    expect(condition(stored(), 'Ready')?.status).to.equal('True');
  });

  it('logs at info when a Host becomes Ready and when it recovers (with the reason and how long it was down), at warn when it goes', async () => {
    const { access, clock, reconcile, logged } = harness(healthy);
    await reconcile();
    await reconcile();
    const lines = () => logged.filter((line) => line.message.startsWith('host ')).map((line) => `${line.level} ${line.message} ${JSON.stringify(line.meta)}`);
    expect(lines()).to.deep.equal(['info host ready {"libvirtVersion":"9.0.0"}']);
    await clock.advance(1000);
    access.behaviour = { connect: { error: new SshConnectError('hv1', 'connect ECONNREFUSED') }, hypervisor: healthy.hypervisor };
    await reconcile();
    await clock.advance(4000);
    access.behaviour = healthy;
    await reconcile();
    await reconcile();
    expect(lines()).to.deep.equal([
      'info host ready {"libvirtVersion":"9.0.0"}',
      'warn host not ready {"reason":"SshConnectFailed","message":"ssh hv1: connect ECONNREFUSED"}',
      'info host recovered {"previousReason":"SshConnectFailed","notReadyForMs":4000}',
    ]);
  });

  it('closes the host session and removes the finalizer when the Host is deleted', async () => {
    const { hosts, access, reconcile, stored } = harness(healthy);
    await reconcile();
    hosts.markDeleted('hv1');
    hosts.mutations = [];
    expect(await reconcile()).to.deep.equal({});
    expect(access.forgotten).to.deep.equal(['hv1']);
    expect(hosts.mutations).to.deep.equal(['patch hv1']);
    expect(stored()).to.equal(undefined);
  });

  it('waits with HasVirtualMachines=True while VMs run on a deleted Host, then closes it and removes the finalizer', async () => {
    const { hosts, access, events, virtualMachines, reconcile, stored } = harness(healthy);
    await reconcile();
    const vm = (namespace: string, name: string, host: string): VirtualMachine => ({ metadata: { namespace, name }, spec: {} as VirtualMachine['spec'], status: { host } });
    virtualMachines.push(vm('apps', 'web', 'hv1'), vm('apps', 'db', 'hv1'), vm('apps', 'elsewhere', 'hv2'));
    hosts.markDeleted('hv1');
    hosts.mutations = [];
    expect(await reconcile()).to.deep.equal({});
    const waiting = condition(stored(), 'HasVirtualMachines');
    expect(waiting).to.include({ status: 'True', reason: 'VirtualMachinesPresent' });
    expect(waiting?.message).to.equal('deletion waits: 2 VirtualMachines still on this host (apps/db, apps/web); delete or move them first');
    expect(access.forgotten).to.deep.equal([]);
    expect(stored()?.metadata?.finalizers).to.deep.equal([FINALIZERS.hostCleanup]);
    expect(events.events.at(-1)).to.include({ type: 'Warning', reason: 'VirtualMachinesPresent' });

    hosts.mutations = [];
    await reconcile();
    expect(hosts.mutations, 'a second pass while waiting writes nothing').to.deep.equal([]);
    expect(events.events.filter((event) => event.reason === 'VirtualMachinesPresent')).to.have.length(1);

    virtualMachines.splice(0, 2);
    expect(await reconcile()).to.deep.equal({});
    expect(access.forgotten).to.deep.equal(['hv1']);
    expect(stored()).to.equal(undefined);
  });

  it('closes the Host session when its Secret is deleted: revoking the credentials revokes the access', async () => {
    const { access, secrets, reconcile, stored } = harness(healthy);
    await reconcile();
    expect(access.forgetReasons).to.deep.equal([]);
    secrets.delete('virtfleet-system', 'hv1-ssh');
    await reconcile();
    expect(access.forgetReasons).to.deep.equal(['hv1 credentials-revoked']);
    expect(condition(stored(), 'Authenticated')).to.include({ status: 'False', reason: 'CredentialsNotFound' });
  });

  it('does nothing for a Host that no longer exists', async () => {
    const { hosts, access, reconcile } = harness(healthy);
    const gone = new HostReconciler({ hosts, cache: hosts.cache, virtualMachines: { list: () => [] }, access, events: new RecordingEvents(), clock: new FakeClock() });
    expect(await gone.reconcile({ name: 'never-created' }, { signal: new AbortController().signal, logger: silentLogger })).to.deep.equal({});
    expect(hosts.mutations).to.deep.equal([]);
    expect(access.connects).to.deep.equal([]);
    expect(await reconcile()).to.deep.equal({ requeueAfterMs: HEARTBEAT_MS });
  });
});
