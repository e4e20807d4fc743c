/**
 * [REQ-01] An informer's local cache: the last seen version of every object, keyed `namespace/name`, read by
 * reconcilers and mapping functions without an API call.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { objectKey } from './resource-kind.js';

/** What one cache write changed; an update carries the version it replaced, so watchers can compare. */
export type StoreChange<T> =
  | { type: 'added' | 'deleted'; object: T }
  | { type: 'updated'; object: T; oldObject: T };

export class ObjectStore<T extends KubernetesObject> {
  private readonly objects = new Map<string, T>();

  get size(): number {
    return this.objects.size;
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.objects.get(namespace ? `${namespace}/${name}` : name);
  }

  /** Objects in `namespace` (all when absent) whose labels include every pair of `labels`. */
  list(filter: { namespace?: string; labels?: Record<string, string> } = {}): T[] {
    const result: T[] = [];
    for (const object of this.objects.values()) {
      if (filter.namespace !== undefined && object.metadata?.namespace !== filter.namespace) continue;
      if (filter.labels !== undefined && !matchesLabels(object, filter.labels)) continue;
      result.push(object);
    }
    return result;
  }

  /** Stores a watched object; `undefined` when this exact resourceVersion is already cached. */
  upsert(object: T): StoreChange<T> | undefined {
    const key = objectKey(object);
    const cached = this.objects.get(key);
    if (cached !== undefined && cached.metadata?.resourceVersion === object.metadata?.resourceVersion) return undefined;
    this.objects.set(key, object);
    return cached === undefined ? { type: 'added', object } : { type: 'updated', object, oldObject: cached };
  }

  remove(object: T): StoreChange<T> | undefined {
    const key = objectKey(object);
    const cached = this.objects.get(key);
    if (cached === undefined) return undefined;
    this.objects.delete(key);
    return { type: 'deleted', object };
  }

  /**
   * Replaces the content with a fresh list and returns what changed, deletions included. With `namespace`, the
   * list covers that namespace only, and objects of other namespaces stay as they are.
   */
  replace(items: T[], namespace?: string): StoreChange<T>[] {
    const listed = new Set(items.map(objectKey));
    const changes: StoreChange<T>[] = [];
    for (const [key, object] of this.objects) {
      if (namespace !== undefined && object.metadata?.namespace !== namespace) continue;
      if (!listed.has(key)) {
        this.objects.delete(key);
        changes.push({ type: 'deleted', object });
      }
    }
    for (const item of items) {
      const change = this.upsert(item);
      if (change !== undefined) changes.push(change);
    }
    return changes;
  }
}

function matchesLabels(object: KubernetesObject, labels: Record<string, string>): boolean {
  const actual = object.metadata?.labels ?? {};
  return Object.entries(labels).every(([key, value]) => actual[key] === value);
}
