/**
 * [REQ-01] In-memory object storage of the test API server: one global, increasing resourceVersion (like etcd's
 * revision), a bounded history of change events for watches, and compaction that makes older versions expire.
 */
import type { KubeObject } from './types.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredEvent {
  type: WatchEventType;
  typeKey: string;
  resourceVersion: number;
  object: KubeObject;
}

export type HistoryResult = { expired: false; events: StoredEvent[] } | { expired: true; oldest: number };

const DEFAULT_HISTORY_LIMIT = 10_000;
const FIRST_RESOURCE_VERSION = 1000;

function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

export function cloneObject<T>(value: T): T {
  return structuredClone(value);
}

export class ObjectStore {
  private revision = FIRST_RESOURCE_VERSION;
  /** Watches may start from any resourceVersion >= this one. */
  private oldestWatchable = FIRST_RESOURCE_VERSION;
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private history: StoredEvent[] = [];
  private readonly listeners = new Set<(event: StoredEvent) => void>();

  constructor(private readonly historyLimit = DEFAULT_HISTORY_LIMIT) {}

  get currentResourceVersion(): number {
    return this.revision;
  }

  get oldestResourceVersion(): number {
    return this.oldestWatchable;
  }

  get(typeKey: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.objects.get(typeKey)?.get(objectKey(namespace, name));
    return found === undefined ? undefined : cloneObject(found);
  }

  /** Objects of one type, in one namespace or all, sorted by namespace then name. */
  list(typeKey: string, namespace?: string): KubeObject[] {
    const all = [...(this.objects.get(typeKey)?.values() ?? [])];
    return all
      .filter((o) => namespace === undefined || o.metadata.namespace === namespace)
      .sort((a, b) => objectKey(a.metadata.namespace, a.metadata.name ?? '').localeCompare(objectKey(b.metadata.namespace, b.metadata.name ?? '')))
      .map(cloneObject);
  }

  /** Stores (or removes, for DELETED) the object under a new resourceVersion and notifies watchers. */
  commit(typeKey: string, type: WatchEventType, object: KubeObject): KubeObject {
    this.revision += 1;
    const stored = cloneObject(object);
    stored.metadata.resourceVersion = String(this.revision);
    const byKey = this.objects.get(typeKey) ?? new Map<string, KubeObject>();
    this.objects.set(typeKey, byKey);
    const key = objectKey(stored.metadata.namespace, stored.metadata.name ?? '');
    if (type === 'DELETED') byKey.delete(key);
    else byKey.set(key, stored);
    const event: StoredEvent = { type, typeKey, resourceVersion: this.revision, object: stored };
    this.history.push(event);
    if (this.history.length > this.historyLimit) {
      const dropped = this.history.splice(0, this.history.length - this.historyLimit);
      this.oldestWatchable = dropped[dropped.length - 1]?.resourceVersion ?? this.oldestWatchable;
    }
    for (const listener of this.listeners) listener(event);
    return cloneObject(stored);
  }

  /** Events of one type after `resourceVersion`, or `expired` when history no longer reaches back that far. */
  eventsSince(typeKey: string, resourceVersion: number): HistoryResult {
    if (resourceVersion < this.oldestWatchable) return { expired: true, oldest: this.oldestWatchable };
    return { expired: false, events: this.history.filter((e) => e.typeKey === typeKey && e.resourceVersion > resourceVersion) };
  }

  /** Forgets all history: only the current resourceVersion stays watchable. */
  compact(): void {
    this.history = [];
    this.oldestWatchable = this.revision;
  }

  subscribe(listener: (event: StoredEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
