/**
 * [REQ-01] The apiserver's registry logic over the object store: create, update (main and /status), delete
 * with finalizers, namespace existence and termination, resourceVersion preconditions and managedFields.
 */
import { admit, type FieldValidation } from './admission.js';
import type { ValidatingAdmissionPolicies } from './admission-policy.js';
import type { UserInfo } from './authentication.js';
import { establish, isCrdType, validateCrd } from './crd-strategy.js';
import { recordUpdate, type ManagerIdentity } from './managed-fields.js';
import { bumpGeneration, checkIdentity, initializeForCreate, isNoop, mergeForUpdate, normalizeSecret, timestamp } from './object-lifecycle.js';
import type { ObjectStore } from './object-store.js';
import type { ResourceRegistry } from './resource-registry.js';
import { alreadyExists, badRequest, conflict, forbidden, notFound } from './status-errors.js';
import { apiVersionOf, typeKeyOf, type KubeObject, type ResourceType } from './types.js';

export interface WriteOptions {
  fieldManager: string;
  fieldValidation: FieldValidation;
  dryRun: boolean;
  /** Who writes (admission policies see it); undefined for the server's own writes. */
  user?: UserInfo;
}

export interface WriteResult {
  object: KubeObject;
  warnings: string[];
  created?: boolean;
}

export interface DeleteOptions {
  preconditions?: { uid?: string; resourceVersion?: string };
}

/**
 * A write that sets managedFields to something new (as kubectl does when it migrates client-side apply
 * ownership to server-side apply) replaces the stored entries before this write's own changes are tracked.
 */
function withRequestedManagedFields(old: KubeObject, incoming: KubeObject): KubeObject {
  const requested = incoming.metadata.managedFields;
  if (requested === undefined || JSON.stringify(requested) === JSON.stringify(old.metadata.managedFields)) return old;
  return { ...old, metadata: { ...old.metadata, managedFields: requested } };
}

export class ResourceService {
  constructor(
    readonly store: ObjectStore,
    readonly registry: ResourceRegistry,
    private readonly clock: () => Date,
    private readonly policies?: ValidatingAdmissionPolicies,
  ) {}

  get namespaceType(): ResourceType {
    return this.registry.find('', 'v1', 'namespaces')!;
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const found = this.store.get(typeKeyOf(type), namespace, name);
    if (found === undefined) throw notFound(type, name);
    return found;
  }

  manager(who: string, subresource: string, type: ResourceType): ManagerIdentity {
    return { manager: who, apiVersion: apiVersionOf(type), subresource, now: timestamp(this.clock()) };
  }

  /** Kind-specific normalisation and checks before admission: Secrets' stringData, CRDs' status. */
  private prepare(type: ResourceType, object: KubeObject): void {
    if (type.group === '' && type.plural === 'secrets') normalizeSecret(object);
    if (isCrdType(type)) {
      validateCrd(object);
      establish(object, timestamp(this.clock()));
    }
  }

  private checkNamespace(type: ResourceType, namespace: string | undefined, name: string): void {
    if (!type.namespaced) return;
    const ns = this.store.get(typeKeyOf(this.namespaceType), undefined, namespace ?? '');
    if (ns === undefined) throw notFound(this.namespaceType, namespace ?? '');
    if (ns.metadata.deletionTimestamp !== undefined) {
      throw forbidden(type, name, `unable to create new content in namespace ${namespace} because it is being terminated`);
    }
  }

  create(type: ResourceType, namespace: string | undefined, body: KubeObject, options: WriteOptions, managed?: KubeObject['metadata']['managedFields']): WriteResult {
    checkIdentity(type, namespace, body);
    const object = initializeForCreate(type, body, this.clock());
    this.prepare(type, object);
    const warnings = admit(type, object, undefined, options.fieldValidation);
    warnings.push(...(this.policies?.validate({ operation: 'CREATE', type, subresource: '', namespace, object, oldObject: undefined, user: options.user, dryRun: options.dryRun }) ?? []));
    this.checkNamespace(type, namespace, object.metadata.name!);
    if (this.store.get(typeKeyOf(type), namespace, object.metadata.name!) !== undefined) throw alreadyExists(type, object.metadata.name!);
    object.metadata.managedFields = managed ?? recordUpdate(undefined, object, type.schema, this.manager(options.fieldManager, '', type));
    if (options.dryRun) return { object, warnings, created: true };
    return { object: this.store.commit(typeKeyOf(type), 'ADDED', object), warnings, created: true };
  }

  /**
   * Stores `incoming` as the new state of an existing object (a PUT body or a patch result). `managedFields`
   * given by server-side apply replace the ones recorded for an ordinary update.
   */
  update(type: ResourceType, old: KubeObject, incoming: KubeObject, subresource: string, options: WriteOptions, managed?: KubeObject['metadata']['managedFields']): WriteResult {
    const name = old.metadata.name!;
    checkIdentity(type, old.metadata.namespace, incoming);
    if (incoming.metadata.name !== undefined && incoming.metadata.name !== name) {
      throw badRequest(`the name of the object (${incoming.metadata.name}) does not match the name on the URL (${name})`);
    }
    const requested = incoming.metadata.resourceVersion;
    if (requested !== undefined && requested !== '' && requested !== old.metadata.resourceVersion) throw conflict(type, name);
    const next = mergeForUpdate(type, old, incoming, subresource);
    this.prepare(type, next);
    const warnings = admit(type, next, old, options.fieldValidation);
    warnings.push(...(this.policies?.validate({ operation: 'UPDATE', type, subresource, namespace: old.metadata.namespace, object: next, oldObject: old, user: options.user, dryRun: options.dryRun }) ?? []));
    bumpGeneration(type, old, next);
    next.metadata.managedFields = managed ?? recordUpdate(withRequestedManagedFields(old, incoming), next, type.schema, this.manager(options.fieldManager, subresource, type));
    if (isNoop(old, next)) return { object: old, warnings };
    if (options.dryRun) return { object: next, warnings };
    const finished = next.metadata.deletionTimestamp !== undefined && (next.metadata.finalizers ?? []).length === 0;
    if (finished) return { object: this.remove(type, next), warnings };
    return { object: this.store.commit(typeKeyOf(type), 'MODIFIED', next), warnings };
  }

  /** DELETE: with finalizers the object is only marked (deletionTimestamp, generation+1); otherwise removed. */
  delete(type: ResourceType, namespace: string | undefined, name: string, options: DeleteOptions, dryRun: boolean): KubeObject {
    const current = this.get(type, namespace, name);
    const { uid, resourceVersion } = options.preconditions ?? {};
    if (uid !== undefined && uid !== current.metadata.uid) {
      throw conflict(type, name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${current.metadata.uid}`);
    }
    if (resourceVersion !== undefined && resourceVersion !== current.metadata.resourceVersion) {
      throw conflict(type, name, `Precondition failed: ResourceVersion in precondition: ${resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`);
    }
    if (current.metadata.deletionTimestamp !== undefined) return current;
    const blocking = (current.metadata.finalizers ?? []).length > 0 || type.plural === 'namespaces';
    if (dryRun) return current;
    if (!blocking) return this.remove(type, current);
    const marked = structuredClone(current);
    marked.metadata.deletionTimestamp = timestamp(this.clock());
    marked.metadata.deletionGracePeriodSeconds = 0;
    if (marked.metadata.generation !== undefined) marked.metadata.generation += 1;
    if (type.plural === 'namespaces') marked.status = { ...(marked.status as object), phase: 'Terminating' };
    const stored = this.store.commit(typeKeyOf(type), 'MODIFIED', marked);
    if (type.plural === 'namespaces') return this.terminateNamespace(stored);
    return stored;
  }

  private remove(type: ResourceType, object: KubeObject): KubeObject {
    if (isCrdType(type)) this.removeInstances(object);
    const removed = this.store.commit(typeKeyOf(type), 'DELETED', object);
    if (type.namespaced) this.finishNamespaceIfEmpty(object.metadata.namespace!);
    return removed;
  }

  /** Deleting a CRD deletes every custom resource it served. */
  private removeInstances(crd: KubeObject): void {
    const spec = crd.spec as { group: string; names: { plural: string } };
    const typeKey = `${spec.group}/${spec.names.plural}`;
    for (const object of this.store.list(typeKey)) this.store.commit(typeKey, 'DELETED', object);
  }

  private terminateNamespace(namespace: KubeObject): KubeObject {
    const name = namespace.metadata.name!;
    for (const type of this.registry.types.filter((t) => t.namespaced)) {
      for (const object of this.store.list(typeKeyOf(type), name)) {
        if (object.metadata.deletionTimestamp === undefined) this.delete(type, name, object.metadata.name!, {}, false);
      }
    }
    return this.finishNamespaceIfEmpty(name) ?? namespace;
  }

  private finishNamespaceIfEmpty(name: string): KubeObject | undefined {
    const ns = this.store.get(typeKeyOf(this.namespaceType), undefined, name);
    if (ns?.metadata.deletionTimestamp === undefined) return undefined;
    const empty = this.registry.types.filter((t) => t.namespaced).every((t) => this.store.list(typeKeyOf(t), name).length === 0);
    return empty ? this.store.commit(typeKeyOf(this.namespaceType), 'DELETED', ns) : undefined;
  }
}
