/**
 * [REQ-01] Test doubles for the Host reconciler's unit tests: an in-memory Host API that counts mutating calls
 * (optimistic locking by resourceVersion, finalizer-blocked deletion), a scripted host (SSH + libvirt), and an
 * Event recorder. No network.
 */
import type { V1Secret } from '@kubernetes/client-node';
import type { Host } from '../../../../src/api/v1alpha1/host.js';
import type { ConnectedHost, HostAccess } from '../../../../src/controllers/host/host-access.js';
import type { HostEventSink } from '../../../../src/controllers/host/host-reconciler.js';
import type { HypervisorApi } from '../../../../src/controllers/host/inspect-hypervisor.js';
import { asSecretProblem, type SecretLookup } from '../../../../src/hosts/host-credentials.js';
import { resolveHostTarget, type HostLookup, type TargetSources } from '../../../../src/hosts/host-target.js';
import { HOST_RESOURCE } from '../../../../src/hosts/watch-keys.js';
import type { SshTarget } from '../../../../src/ssh/ssh-target.js';
import { InMemoryResources } from '../../support/in-memory-resources.js';

export class InMemoryHosts extends InMemoryResources<Host> {
  constructor() {
    super(HOST_RESOURCE);
  }

  override put(host: Host): Host {
    return super.put({ ...host, metadata: { generation: 1, uid: `uid-${host.metadata?.name}`, ...host.metadata } });
  }

  /** The informer cache's view: the stored object, read synchronously. */
  readonly cache: HostLookup = { get: (_namespace, name) => this.stored(name) };
}

export class SecretMap implements SecretLookup {
  private readonly secrets = new Map<string, V1Secret>();

  putSshKey(namespace: string, name: string, data: Record<string, string>): void {
    const encoded = Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value).toString('base64')]));
    this.secrets.set(`${namespace}/${name}`, { metadata: { namespace, name }, type: 'kubernetes.io/ssh-auth', data: encoded });
  }

  get(namespace: string | undefined, name: string): V1Secret | undefined {
    return this.secrets.get(`${namespace}/${name}`);
  }

  delete(namespace: string, name: string): void {
    this.secrets.delete(`${namespace}/${name}`);
  }
}

/**
 * What the scripted host does: present a fingerprint or fail to connect; answer libvirt or fail. The target is
 * resolved from the Host and Secret caches exactly as HostConnections resolves it (so credential and
 * spec.hostKeys problems are the real ones); only the network part is scripted.
 */
export interface HostBehaviour {
  connect: { fingerprint: string } | { error: Error };
  hypervisor: HypervisorApi | { error: Error };
}

export class ScriptedHostAccess implements HostAccess {
  connects: SshTarget[] = [];
  forgotten: string[] = [];
  /** `host reason` of every forget. */
  forgetReasons: string[] = [];

  constructor(public behaviour: HostBehaviour, private readonly sources: TargetSources) {}

  async connect(hostName: string): Promise<ConnectedHost> {
    const { host, target } = resolveHostTarget(this.sources, hostName);
    this.connects.push(target);
    const { connect } = this.behaviour;
    // As HostConnections.open: an unreadable key is reported as the Secret's problem.
    if ('error' in connect) throw asSecretProblem(hostName, host.spec.credentialsSecretRef, connect.error);
    return { fingerprint: connect.fingerprint, hypervisor: this.hypervisor() };
  }

  private hypervisor(): HypervisorApi {
    const { hypervisor } = this.behaviour;
    if (!('error' in hypervisor)) return hypervisor;
    const fail = (): Promise<never> => Promise.reject(hypervisor.error);
    return { versions: fail, nodeInfo: fail, domainXmls: fail };
  }

  async forget(hostName: string, reason = 'host-forgotten'): Promise<void> {
    this.forgotten.push(hostName);
    this.forgetReasons.push(`${hostName} ${reason}`);
  }
}

export interface RecordedEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export class RecordingEvents implements HostEventSink {
  events: RecordedEvent[] = [];

  async event(_object: Host, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    this.events.push({ type, reason, message });
  }
}

/** A libvirt host with `cpus` CPUs, `memoryKiB` of memory and the given domain XML documents. */
export function fixedHypervisor(cpus: number, memoryKiB: number, domainXmls: string[] = []): HypervisorApi {
  return {
    versions: async () => ({ libvirt: '9.0.0', hypervisor: '7.2.0' }),
    nodeInfo: async () => ({ cpuModel: 'x86_64', memoryBytes: BigInt(memoryKiB) * 1024n, cpus, mhz: 2000, numaNodes: 1, sockets: 1, coresPerSocket: cpus, threadsPerCore: 1 }),
    domainXmls: async () => domainXmls,
  };
}

/** A minimal domain document; with an owner it carries virtfleet's metadata mark. */
export function domainXml(name: string, vcpus: number, memoryMiB: number, owner?: { namespace: string; uid: string }): string {
  const mark = owner === undefined
    ? ''
    : `<metadata><virtfleet:owner xmlns:virtfleet="https://virtfleet.io/xmlns/domain/v1alpha1" namespace="${owner.namespace}" name="${name}" uid="${owner.uid}" generation="1"/></metadata>`;
  return `<domain type="qemu"><name>${name}</name><memory unit="MiB">${memoryMiB}</memory><vcpu>${vcpus}</vcpu><os><type arch="x86_64">hvm</type></os>${mark}</domain>`;
}
