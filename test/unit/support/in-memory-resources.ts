/**
 * [REQ-01] The in-memory custom resource API the controllers' unit tests share: objects by name, a resourceVersion
 * bumped on every write, optimistic locking on status writes (and on merge patches that carry a resourceVersion),
 * deletion held until the finalizers are gone, and every mutating call recorded (`status vm-1`, `patch vm-1`,
 * `create it-1`). No network: the KubeConfig it is built with points nowhere.
 */
import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { CustomResourceClient } from '../../../src/controller/custom-resource-client.js';
import type { ResourceKind } from '../../../src/controller/resource-kind.js';

/** Never contacted: every call a reconciler makes is overridden. */
export function unusedKubeConfig(): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'none', server: 'https://127.0.0.1:1', skipTLSVerify: true }], users: [{ name: 'none' }],
    contexts: [{ name: 'none', cluster: 'none', user: 'none' }], currentContext: 'none',
  });
  return kubeConfig;
}

const apiError = (reason: string, code: number): Error => Object.assign(new Error(reason), { code });

export class InMemoryResources<T extends KubernetesObject & { status?: unknown }> extends CustomResourceClient<T> {
  protected readonly objects = new Map<string, T>();
  private version = 1;
  /** Mutating calls, e.g. `status hv1`, `patch hv1`, `create it-1`. */
  mutations: string[] = [];

  constructor(resource: ResourceKind) {
    super(unusedKubeConfig(), resource);
  }

  /** Stores a copy with a new resourceVersion, and returns a copy of what was stored. */
  put(object: T): T {
    const stored = structuredClone(object);
    stored.metadata = { ...stored.metadata, resourceVersion: String(this.version++) };
    this.objects.set(stored.metadata.name ?? '', stored);
    return structuredClone(stored);
  }

  stored(name: string): T | undefined {
    const object = this.objects.get(name);
    return object === undefined ? undefined : structuredClone(object);
  }

  all(): T[] {
    return [...this.objects.values()].map((object) => structuredClone(object));
  }

  /** Marks the object deleted; it disappears once its finalizers are gone. */
  markDeleted(name: string): void {
    const object = this.objects.get(name);
    if (object?.metadata === undefined) throw new Error(`no ${this.resource.plural} ${name}`);
    object.metadata.deletionTimestamp = new Date();
    object.metadata.resourceVersion = String(this.version++);
  }

  override async get(_namespace: string | undefined, name: string): Promise<T | undefined> {
    return this.stored(name);
  }

  override async create(object: T): Promise<T> {
    const name = object.metadata?.name ?? '';
    this.mutations.push(`create ${name}`);
    if (this.objects.has(name)) throw apiError('AlreadyExists', 409);
    this.put(object);
    return this.stored(name)!;
  }

  override async replaceStatus(object: T): Promise<T> {
    const name = object.metadata?.name ?? '';
    this.mutations.push(`status ${name}`);
    const current = this.objects.get(name);
    if (current?.metadata === undefined) throw apiError('NotFound', 404);
    if (current.metadata.resourceVersion !== object.metadata?.resourceVersion) throw apiError('Conflict', 409);
    // The status subresource keeps spec and metadata as stored, and the API server serialises to JSON.
    current.status = JSON.parse(JSON.stringify(object.status)) as T['status'];
    current.metadata.resourceVersion = String(this.version++);
    return structuredClone(current);
  }

  override async mergePatch(_namespace: string | undefined, name: string, patch: object): Promise<T> {
    this.mutations.push(`patch ${name}`);
    const current = this.objects.get(name);
    if (current?.metadata === undefined) throw apiError('NotFound', 404);
    const { metadata } = patch as { metadata: { finalizers: string[]; resourceVersion?: string } };
    if (metadata.resourceVersion !== undefined && metadata.resourceVersion !== current.metadata.resourceVersion) throw apiError('Conflict', 409);
    current.metadata.finalizers = metadata.finalizers;
    current.metadata.resourceVersion = String(this.version++);
    const result = structuredClone(current);
    if (current.metadata.deletionTimestamp !== undefined && metadata.finalizers.length === 0) this.objects.delete(name);
    return result;
  }
}
