/**
 * [REQ-01] Test doubles for the Host reconciler's unit tests: an in-memory Host API that counts mutating calls
 * (optimistic locking by resourceVersion, finalizer-blocked deletion), a scripted host (SSH + libvirt), and an
 * Event recorder. No network.
 */
import { KubeConfig, type V1Secret } from '@kubernetes/client-node';
import type { Host } from '../../../../src/api/v1alpha1/host.js';
import { CustomResourceClient } from '../../../../src/controller/custom-resource-client.js';
import type { ConnectedHost, HostAccess } from '../../../../src/controllers/host/host-access.js';
import type { HostEventSink } from '../../../../src/controllers/host/host-reconciler.js';
import type { HypervisorApi } from '../../../../src/controllers/host/inspect-hypervisor.js';
import { asSecretProblem, type SecretLookup } from '../../../../src/hosts/host-credentials.js';
import { resolveHostTarget, type HostLookup, type TargetSources } from '../../../../src/hosts/host-target.js';
import { HOST_RESOURCE } from '../../../../src/hosts/watch-keys.js';
import type { SshTarget } from '../../../../src/ssh/ssh-target.js';

/** Never contacted: every call the reconciler makes is overridden below. */
function unusedKubeConfig(): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'none', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
    users: [{ name: 'none' }],
    contexts: [{ name: 'none', cluster: 'none', user: 'none' }],
    currentContext: 'none',
  });
  return kubeConfig;
}

function conflict(): Error {
  return Object.assign(new Error('Conflict'), { code: 409 });
}

export class InMemoryHosts extends CustomResourceClient<Host> {
  private readonly objects = new Map<string, Host>();
  private version = 1;
  /** Mutating calls, e.g. `status hv1`, `patch hv1`. */
  mutations: string[] = [];

  constructor() {
    super(unusedKubeConfig(), HOST_RESOURCE);
  }

  put(host: Host): Host {
    const stored = structuredClone(host);
    stored.metadata = { generation: 1, uid: `uid-${host.metadata?.name}`, ...stored.metadata, resourceVersion: String(this.version++) };
    this.objects.set(stored.metadata.name ?? '', stored);
    return structuredClone(stored);
  }

  stored(name: string): Host | undefined {
    const host = this.objects.get(name);
    return host === undefined ? undefined : structuredClone(host);
  }

  /** Marks the host deleted; it disappears once its finalizers are gone. */
  markDeleted(name: string): void {
    const host = this.objects.get(name);
    if (host?.metadata === undefined) throw new Error(`no host ${name}`);
    host.metadata.deletionTimestamp = new Date();
    host.metadata.resourceVersion = String(this.version++);
  }

  override async get(_namespace: string | undefined, name: string): Promise<Host | undefined> {
    return this.stored(name);
  }

  /** The informer cache's view: the stored object, read synchronously. */
  readonly cache: HostLookup = { get: (_namespace, name) => this.stored(name) };

  override async replaceStatus(object: Host): Promise<Host> {
    const name = object.metadata?.name ?? '';
    this.mutations.push(`status ${name}`);
    const current = this.objects.get(name);
    if (current?.metadata === undefined) throw Object.assign(new Error('NotFound'), { code: 404 });
    if (current.metadata.resourceVersion !== object.metadata?.resourceVersion) throw conflict();
    // The status subresource keeps spec and metadata as stored, and the API server serialises to JSON.
    current.status = JSON.parse(JSON.stringify(object.status)) as Host['status'];
    current.metadata.resourceVersion = String(this.version++);
    return structuredClone(current);
  }

  override async mergePatch(_namespace: string | undefined, name: string, patch: object): Promise<Host> {
    this.mutations.push(`patch ${name}`);
    const current = this.objects.get(name);
    if (current?.metadata === undefined) throw Object.assign(new Error('NotFound'), { code: 404 });
    const { metadata } = patch as { metadata: { finalizers: string[]; resourceVersion?: string } };
    if (metadata.resourceVersion !== undefined && metadata.resourceVersion !== current.metadata.resourceVersion) throw conflict();
    current.metadata.finalizers = metadata.finalizers;
    current.metadata.resourceVersion = String(this.version++);
    const result = structuredClone(current);
    if (current.metadata.deletionTimestamp !== undefined && metadata.finalizers.length === 0) this.objects.delete(name);
    return result;
  }
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
