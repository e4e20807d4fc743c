/**
 * [REQ-01] List + watch of one resource kind into an ObjectStore, with the failure handling client-node's own
 * informer lacks (it stops silently after an error):
 * - 410 Gone (expired resourceVersion, on the watch request or as a watch ERROR event) -> relist at once;
 * - any other error, or a watch the server closed -> restart from the last resourceVersion after an exponential
 *   backoff (reset by any successful list or received event), counted in `informer restarts`;
 * - a relist diffs against the cache, so objects created, changed or deleted meanwhile are all delivered;
 * - every `resyncPeriodMs` each cached object is delivered again as a `resync` event.
 * Events reach controllers through `events()` (rxjs at the edge), which first replays the cache as `added`.
 */
import type { KubernetesListObject, KubernetesObject, Watch } from '@kubernetes/client-node';
import { Observable, Subject } from 'rxjs';
import { apiStatusCode } from './api-errors.js';
import { sleep, type Clock, type TimerHandle } from './clock.js';
import type { ControllerMetricsSink } from './metrics-sink.js';
import { ObjectStore, type StoreChange } from './object-store.js';
import { collectionPath, type ResourceKind } from './resource-kind.js';
import type { RuntimeLogger } from './runtime-logger.js';

export interface InformerEvent<T> {
  type: StoreChange<T>['type'] | 'resync';
  object: T;
}

export interface InformerOptions<T extends KubernetesObject> {
  resource: ResourceKind;
  list: () => Promise<KubernetesListObject<T>>;
  watch: Pick<Watch, 'watch'>;
  resyncPeriodMs: number;
  restartBackoff: { baseDelayMs: number; maxDelayMs: number };
  clock: Clock;
  logger: RuntimeLogger;
  metrics: ControllerMetricsSink;
}

type WatchOutcome = { kind: 'closed' | 'gone' | 'stopped' } | { kind: 'error'; error: unknown };

export class Informer<T extends KubernetesObject> {
  readonly store = new ObjectStore<T>();
  private readonly changes = new Subject<InformerEvent<T>>();
  private readonly stopController = new AbortController();
  private resourceVersion = '';
  private consecutiveFailures = 0;
  private stopWatch: (() => void) | undefined;
  private resyncTimer: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private markSynced!: () => void;
  /** Resolves after the first complete list. */
  readonly synced = new Promise<void>((resolve) => { this.markSynced = resolve; });

  constructor(private readonly options: InformerOptions<T>) {}

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
    this.running = this.run();
    this.scheduleResync();
  }

  async stop(): Promise<void> {
    this.stopController.abort(new Error('informer stopped'));
    this.stopWatch?.();
    this.resyncTimer?.cancel();
    await this.running;
    this.changes.complete();
  }

  private get stopped(): boolean {
    return this.stopController.signal.aborted;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const outcome = await this.listAndWatch();
      if (outcome.kind === 'stopped') return;
      if (outcome.kind === 'gone') {
        this.resourceVersion = '';
        this.options.logger.info('informer resourceVersion expired, relisting', { resource: this.name });
        this.options.metrics.incInformerRestarts(this.name);
        continue;
      }
      const delayMs = Math.min(this.options.restartBackoff.maxDelayMs, this.options.restartBackoff.baseDelayMs * 2 ** this.consecutiveFailures);
      this.consecutiveFailures += 1;
      this.options.metrics.incInformerRestarts(this.name);
      this.options.logger.warn('informer watch ended, restarting after backoff', {
        resource: this.name,
        delayMs,
        error: outcome.kind === 'error' ? String(outcome.error) : 'watch closed',
      });
      try {
        await sleep(this.options.clock, delayMs, this.stopController.signal);
      } catch {
        return;
      }
    }
  }

  private async listAndWatch(): Promise<WatchOutcome> {
    if (this.resourceVersion === '') {
      let list: KubernetesListObject<T>;
      try {
        list = await this.options.list();
      } catch (error) {
        return this.stopped ? { kind: 'stopped' } : { kind: 'error', error };
      }
      if (this.stopped) return { kind: 'stopped' };
      for (const change of this.store.replace(list.items)) this.changes.next(change);
      this.resourceVersion = list.metadata?.resourceVersion ?? '';
      this.consecutiveFailures = 0;
      this.markSynced();
    }
    return this.watchFrom(this.resourceVersion);
  }

  private watchFrom(resourceVersion: string): Promise<WatchOutcome> {
    return new Promise((resolve) => {
      let finished = false;
      let request: AbortController | undefined;
      const finish = (outcome: WatchOutcome): void => {
        if (finished) return;
        finished = true;
        this.stopWatch = undefined;
        request?.abort();
        resolve(outcome);
      };
      this.stopWatch = () => finish({ kind: 'stopped' });
      const onEvent = (phase: string, object: T): void => {
        if (finished) return;
        if (phase === 'ERROR') {
          finish(apiStatusCode(object) === 410 ? { kind: 'gone' } : { kind: 'error', error: object });
          return;
        }
        this.apply(phase, object);
      };
      const onDone = (error: unknown): void => {
        if (error === null || error === undefined) finish({ kind: 'closed' });
        else finish(apiStatusCode(error) === 410 ? { kind: 'gone' } : { kind: 'error', error });
      };
      const params = { resourceVersion, allowWatchBookmarks: true };
      this.options.watch.watch(collectionPath(this.options.resource), params, onEvent, onDone).then(
        (controller) => {
          request = controller;
          if (finished) controller.abort();
        },
        (error: unknown) => finish({ kind: 'error', error }),
      );
    });
  }

  private apply(phase: string, object: T): void {
    const change = phase === 'DELETED' ? this.store.remove(object) : phase === 'BOOKMARK' ? undefined : this.store.upsert(object);
    if (change !== undefined) this.changes.next(change);
    this.resourceVersion = object.metadata?.resourceVersion ?? this.resourceVersion;
    this.consecutiveFailures = 0;
  }

  private scheduleResync(): void {
    if (this.options.resyncPeriodMs <= 0 || this.stopped) return;
    this.resyncTimer = this.options.clock.setTimeout(() => {
      for (const object of this.store.list()) this.changes.next({ type: 'resync', object });
      this.scheduleResync();
    }, this.options.resyncPeriodMs);
  }
}
