/**
 * [REQ-01] Object storage of the API server: one global, increasing resourceVersion (like etcd's revision), a
 * bounded history of change events for watches, and compaction that makes older versions expire. Reads are
 * served from memory; with a `StorePersistence` every commit is first written durably, then applied.
 */
import type { KubeObject } from './types.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredEvent {
  type: WatchEventType;
  typeKey: string;
  resourceVersion: number;
  object: KubeObject;
  /** The object as it was before this change (absent for ADDED): selector watches compare both. */
  previous?: KubeObject;
}

export type HistoryResult = { expired: false; events: StoredEvent[] } | { expired: true; oldest: number };

/** What a persistent store holds: its revision, its objects by type key, its retained history. */
export interface StoreState {
  revision: number;
  oldestWatchable: number;
  objects: { typeKey: string; object: KubeObject }[];
  history: StoredEvent[];
}

/** Durable storage under the store: `append` returns only once the event is committed. */
export interface StorePersistence {
  load(): StoreState | undefined;
  /** Queues the event; throws when the store can no longer write. */
  append(event: StoredEvent, oldestWatchable: number): void;
  /** Resolves when everything appended so far is stored durably. */
  durable(): Promise<void>;
  compact(oldestWatchable: number): void;
  close(): void;
}

export const DEFAULT_HISTORY_LIMIT = 10_000;
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

  constructor(
    private readonly historyLimit = DEFAULT_HISTORY_LIMIT,
    private readonly persistence?: StorePersistence,
  ) {
    const state = persistence?.load();
    if (state === undefined) return;
    this.revision = state.revision;
    this.oldestWatchable = state.oldestWatchable;
    this.history = state.history;
    for (const { typeKey, object } of state.objects) this.byType(typeKey).set(objectKey(object.metadata.namespace, object.metadata.name ?? ''), object);
  }

  /** True while nothing has ever been committed (also not before a restart from durable storage). */
  get isEmpty(): boolean {
    return this.revision === FIRST_RESOURCE_VERSION;
  }

  get currentResourceVersion(): number {
    return this.revision;
  }

  get oldestResourceVersion(): number {
    return this.oldestWatchable;
  }

  private byType(typeKey: string): Map<string, KubeObject> {
    const found = this.objects.get(typeKey);
    if (found !== undefined) return found;
    const created = new Map<string, KubeObject>();
    this.objects.set(typeKey, created);
    return created;
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
    const revision = this.revision + 1;
    const stored = cloneObject(object);
    stored.metadata.resourceVersion = String(revision);
    const byKey = this.byType(typeKey);
    const key = objectKey(stored.metadata.namespace, stored.metadata.name ?? '');
    const previous = byKey.get(key);
    const event: StoredEvent = { type, typeKey, resourceVersion: revision, object: stored, ...(previous === undefined ? {} : { previous }) };
    const overflow = this.history.length + 1 - this.historyLimit;
    const oldest = overflow > 0 ? (this.history[overflow - 1]?.resourceVersion ?? this.oldestWatchable) : this.oldestWatchable;
    this.persistence?.append(event, oldest);
    this.revision = revision;
    if (type === 'DELETED') byKey.delete(key);
    else byKey.set(key, stored);
    this.history.push(event);
    if (overflow > 0) this.history.splice(0, overflow);
    this.oldestWatchable = oldest;
    // Watchers see an event only once it is durable (in order: batches resolve in order).
    if (this.persistence === undefined) this.notify(event);
    else this.persistence.durable().then(() => this.notify(event), () => undefined);
    return cloneObject(stored);
  }

  private notify(event: StoredEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /** Resolves when every write committed so far is durable; a write is acknowledged only after it. */
  durable(): Promise<void> {
    return this.persistence?.durable() ?? Promise.resolve();
  }

  /** Events of one type after `resourceVersion`, or `expired` when history no longer reaches back that far. */
  eventsSince(typeKey: string, resourceVersion: number): HistoryResult {
    if (resourceVersion < this.oldestWatchable) return { expired: true, oldest: this.oldestWatchable };
    return { expired: false, events: this.history.filter((e) => e.typeKey === typeKey && e.resourceVersion > resourceVersion) };
  }

  /** Forgets all history: only the current resourceVersion stays watchable. */
  compact(): void {
    this.persistence?.compact(this.revision);
    this.history = [];
    this.oldestWatchable = this.revision;
  }

  subscribe(listener: (event: StoredEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.persistence?.close();
  }
}
