/**
 * [REQ-01] The cache of one resource kind: an ObjectStore kept current by list + watch loops (list-watch-loop.ts:
 * restart with backoff, relist after 410 Gone), one for all namespaces, or one per namespace when the informer is
 * limited to `namespaces` (namespaced kinds only; a cluster-scoped kind is always watched whole). A `fieldSelector`
 * narrows both list and watch on the server, so objects it excludes never reach the cache.
 * - a relist diffs against the cache (of its namespace), so objects created, changed or deleted meanwhile are all
 *   delivered;
 * - every `resyncPeriodMs` each cached object is delivered again as a `resync` event.
 * Events reach controllers through `events()` (rxjs at the edge), which first replays the cache as `added`.
 */
import type { KubernetesListObject, KubernetesObject, Watch } from '@kubernetes/client-node';
import { Observable, Subject } from 'rxjs';
import type { Clock, TimerHandle } from '../time/clock.js';
import { ListWatchLoop, type ListScope, type WatchPhase } from './list-watch-loop.js';
import type { ControllerMetricsSink } from './metrics-sink.js';
import { ObjectStore, type StoreChange } from './object-store.js';
import type { ResourceKind } from './resource-kind.js';
import type { RuntimeLogger } from './runtime-logger.js';

/** A cache change (an `updated` one carries `oldObject`), or a `resync` re-delivery of an unchanged object. */
export type InformerEvent<T> = StoreChange<T> | { type: 'resync'; object: T };

export interface InformerOptions<T extends KubernetesObject> {
  resource: ResourceKind;
  /** Namespaces to list and watch, each on its own; absent or empty = all namespaces. Ignored for cluster-scoped kinds. */
  namespaces?: readonly string[];
  /** Server-side field selector for list and watch, e.g. `type=kubernetes.io/ssh-auth`. */
  fieldSelector?: string;
  /** Lists one scope; must honour `scope.namespace` and `scope.fieldSelector`. */
  list: (scope: ListScope) => Promise<KubernetesListObject<T>>;
  watch: Pick<Watch, 'watch'>;
  resyncPeriodMs: number;
  restartBackoff: { baseDelayMs: number; maxDelayMs: number };
  clock: Clock;
  logger: RuntimeLogger;
  metrics: ControllerMetricsSink;
}

export class Informer<T extends KubernetesObject> {
  readonly store = new ObjectStore<T>();
  private readonly changes = new Subject<InformerEvent<T>>();
  private readonly loops: ListWatchLoop<T>[];
  private stopped = false;
  private resyncTimer: TimerHandle | undefined;
  private running: Promise<unknown> | undefined;
  /** Resolves after the first complete list of every namespace. */
  readonly synced: Promise<void>;

  constructor(private readonly options: InformerOptions<T>) {
    this.loops = watchedNamespaces(options.resource, options.namespaces ?? []).map((namespace) => this.loopFor(namespace));
    this.synced = Promise.all(this.loops.map((loop) => loop.synced)).then(() => undefined);
  }

  get name(): string {
    return this.options.resource.plural;
  }

  /** Cache content as `added` events, then live changes. */
  events(): Observable<InformerEvent<T>> {
    return new Observable<InformerEvent<T>>((subscriber) => {
      for (const object of this.store.list()) subscriber.next({ type: 'added', object });
      return this.changes.subscribe(subscriber);
    });
  }

  start(): void {
    if (this.running !== undefined) return;
    this.running = Promise.all(this.loops.map((loop) => loop.run()));
    this.scheduleResync();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const loop of this.loops) loop.stop();
    this.resyncTimer?.cancel();
    await this.running;
    this.changes.complete();
  }

  private loopFor(namespace: string | undefined): ListWatchLoop<T> {
    const { fieldSelector } = this.options;
    const scope: ListScope = { ...(namespace === undefined ? {} : { namespace }), ...(fieldSelector === undefined ? {} : { fieldSelector }) };
    return new ListWatchLoop<T>({
      resource: this.options.resource,
      scope,
      list: this.options.list,
      watch: this.options.watch,
      restartBackoff: this.options.restartBackoff,
      clock: this.options.clock,
      logger: namespace === undefined ? this.options.logger : this.options.logger.child({ namespace }),
      metrics: this.options.metrics,
      onList: (items) => {
        for (const change of this.store.replace(items, namespace)) this.changes.next(change);
      },
      onEvent: (phase, object) => this.apply(phase, object),
    });
  }

  private apply(phase: WatchPhase, object: T): void {
    const change = phase === 'DELETED' ? this.store.remove(object) : phase === 'BOOKMARK' ? undefined : this.store.upsert(object);
    if (change !== undefined) this.changes.next(change);
  }

  private scheduleResync(): void {
    if (this.options.resyncPeriodMs <= 0 || this.stopped) return;
    this.resyncTimer = this.options.clock.setTimeout(() => {
      for (const object of this.store.list()) this.changes.next({ type: 'resync', object });
      this.scheduleResync();
    }, this.options.resyncPeriodMs);
  }
}

/** `[undefined]` (one loop over all namespaces) unless a namespaced kind is limited to a list of namespaces. */
function watchedNamespaces(resource: ResourceKind, namespaces: readonly string[]): Array<string | undefined> {
  return resource.namespaced && namespaces.length > 0 ? [...new Set(namespaces)] : [undefined];
}
