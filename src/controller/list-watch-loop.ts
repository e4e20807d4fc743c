/**
 * [REQ-01] One list + watch of one resource kind in one scope (all namespaces, or a single namespace), with the
 * failure handling client-node's own informer lacks (it stops silently after an error):
 * - 410 Gone (expired resourceVersion, on the watch request or as a watch ERROR event) -> relist at once;
 * - any other error, or a watch the server closed -> restart from the last resourceVersion after an exponential
 *   backoff (reset by any successful list or received event), counted in `informer restarts`.
 * What it lists and watches goes to its owner (the Informer) through `onList` and `onEvent`.
 */
import type { KubernetesListObject, KubernetesObject, Watch } from '@kubernetes/client-node';
import { apiStatusCode } from './api-errors.js';
import { sleep, type Clock } from '../time/clock.js';
import type { ControllerMetricsSink } from './metrics-sink.js';
import { collectionPath, type ResourceKind } from './resource-kind.js';
import type { RuntimeLogger } from './runtime-logger.js';

/** What one list call covers: one namespace (all when absent), filtered by a field selector when present. */
export interface ListScope {
  namespace?: string;
  fieldSelector?: string;
}

export type WatchPhase = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

export interface ListWatchLoopOptions<T extends KubernetesObject> {
  resource: ResourceKind;
  scope: ListScope;
  list: (scope: ListScope) => Promise<KubernetesListObject<T>>;
  watch: Pick<Watch, 'watch'>;
  restartBackoff: { baseDelayMs: number; maxDelayMs: number };
  clock: Clock;
  logger: RuntimeLogger;
  metrics: ControllerMetricsSink;
  /** A complete list of the scope arrived: the cache for the scope becomes exactly `items`. */
  onList: (items: T[]) => void;
  onEvent: (phase: WatchPhase, object: T) => void;
}

type WatchOutcome = { kind: 'closed' | 'gone' | 'stopped' } | { kind: 'error'; error: unknown };

export class ListWatchLoop<T extends KubernetesObject> {
  private readonly stopController = new AbortController();
  private resourceVersion = '';
  private consecutiveFailures = 0;
  private stopWatch: (() => void) | undefined;
  private markSynced!: () => void;
  /** Resolves after the first complete list. */
  readonly synced = new Promise<void>((resolve) => { this.markSynced = resolve; });

  constructor(private readonly options: ListWatchLoopOptions<T>) {}

  private get name(): string {
    return this.options.resource.plural;
  }

  private get stopped(): boolean {
    return this.stopController.signal.aborted;
  }

  /** Ends the current watch and the loop; `run()` then resolves. */
  stop(): void {
    this.stopController.abort(new Error('informer stopped'));
    this.stopWatch?.();
  }

  async run(): Promise<void> {
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
        list = await this.options.list(this.options.scope);
      } catch (error) {
        return this.stopped ? { kind: 'stopped' } : { kind: 'error', error };
      }
      if (this.stopped) return { kind: 'stopped' };
      this.options.onList(list.items);
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
        this.options.onEvent(phase as WatchPhase, object);
        this.resourceVersion = object.metadata?.resourceVersion ?? this.resourceVersion;
        this.consecutiveFailures = 0;
      };
      const onDone = (error: unknown): void => {
        if (error === null || error === undefined) finish({ kind: 'closed' });
        else finish(apiStatusCode(error) === 410 ? { kind: 'gone' } : { kind: 'error', error });
      };
      const { namespace, fieldSelector } = this.options.scope;
      const params = { resourceVersion, allowWatchBookmarks: true, ...(fieldSelector === undefined ? {} : { fieldSelector }) };
      this.options.watch.watch(collectionPath(this.options.resource, namespace), params, onEvent, onDone).then(
        (controller) => {
          request = controller;
          if (finished) controller.abort();
        },
        (error: unknown) => finish({ kind: 'error', error }),
      );
    });
  }
}
