/**
 * [REQ-01] Runs the controllers of one operator process. Informers (one per kind, shared by controllers) start at
 * once on every replica so a standby's cache is warm; controllers start only once leadership is won and the
 * caches have synced, and stop when it is lost. `stop()` (SIGTERM) is graceful: controllers abort in-flight
 * reconciles through their AbortSignal and drain, then the lease is released, then informers stop.
 */
import { CoordinationV1Api, Watch, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import type { ControllerConfig } from '../config/types.js';
import { systemClock, type Clock } from '../time/clock.js';
import { Controller, type ControllerOptions } from './controller.js';
import { CustomResourceClient } from './custom-resource-client.js';
import { Informer } from './informer.js';
import { LeaderElector } from './leader-election.js';
import type { ListScope } from './list-watch-loop.js';
import { noopMetrics, type ControllerMetricsSink } from './metrics-sink.js';
import { collectionPath, type ResourceKind } from './resource-kind.js';
import { silentLogger, type RuntimeLogger } from './runtime-logger.js';

export interface ManagerOptions {
  kubeConfig: KubeConfig;
  /** `namespaces` limits the informers of namespaced kinds (absent or empty = all namespaces). */
  config: Pick<ControllerConfig, 'resyncPeriodSeconds' | 'leaderElection' | 'backoff'> & Partial<Pick<ControllerConfig, 'namespaces'>>;
  /** Unique per replica, e.g. the pod name; written into the Lease. */
  identity: string;
  /** Release the lease on stop so a standby takes over at once (client-go's ReleaseOnCancel). Default true. */
  releaseOnCancel?: boolean;
  informerRestartBackoff?: { baseDelayMs: number; maxDelayMs: number };
  clock?: Clock;
  logger?: RuntimeLogger;
  metrics?: ControllerMetricsSink;
}

/** What an informer caches beyond its kind, and how a core kind is listed. */
export interface InformerSelection<T extends KubernetesObject> {
  list?: (scope: ListScope) => Promise<KubernetesListObject<T>>;
  fieldSelector?: string;
  /** Overrides the configured `namespaces` for this informer; empty = all namespaces. */
  namespaces?: readonly string[];
}

export type ManagedControllerOptions = Pick<ControllerOptions, 'name' | 'reconciler' | 'sources' | 'workers' | 'onStopped'>;

const DEFAULT_INFORMER_RESTART_BACKOFF = { baseDelayMs: 200, maxDelayMs: 30_000 };

export class Manager {
  private readonly informers = new Map<string, Informer<KubernetesObject>>();
  private readonly controllers: Controller[] = [];
  private readonly watch: Watch;
  private readonly clock: Clock;
  private readonly logger: RuntimeLogger;
  private readonly metrics: ControllerMetricsSink;
  private readonly stopping = new AbortController();
  private elector: LeaderElector | undefined;

  constructor(private readonly options: ManagerOptions) {
    this.watch = new Watch(options.kubeConfig);
    this.clock = options.clock ?? systemClock;
    this.logger = (options.logger ?? silentLogger).child({ identity: options.identity });
    this.metrics = options.metrics ?? noopMetrics;
  }

  get isLeader(): boolean {
    return this.elector?.isLeader ?? this.controllers.some((c) => c.running);
  }

  /**
   * The shared informer of `resource` (one per kind, field selector and namespaces). Custom resources are listed
   * through CustomObjectsApi; other kinds need `list` (e.g. over CoreV1Api's listSecretForAllNamespaces and
   * listNamespacedSecret). Namespaced kinds are watched in the configured `namespaces` unless `namespaces` is given.
   */
  informerFor<T extends KubernetesObject>(resource: ResourceKind, options: InformerSelection<T> = {}): Informer<T> {
    const namespaces = options.namespaces ?? this.options.config.namespaces ?? [];
    const key = informerKey(resource, options.fieldSelector, namespaces);
    const existing = this.informers.get(key);
    if (existing !== undefined) return existing as unknown as Informer<T>;
    if (options.list === undefined && resource.group === '') throw new TypeError(`informer for core kind ${resource.kind} needs a list function`);
    const client = new CustomResourceClient<T>(this.options.kubeConfig, resource);
    const informer = new Informer<T>({
      resource,
      namespaces,
      ...(options.fieldSelector === undefined ? {} : { fieldSelector: options.fieldSelector }),
      list: options.list ?? ((scope) => client.list(scope)),
      watch: this.watch,
      resyncPeriodMs: this.options.config.resyncPeriodSeconds * 1000,
      restartBackoff: this.options.informerRestartBackoff ?? DEFAULT_INFORMER_RESTART_BACKOFF,
      clock: this.clock,
      logger: this.logger.child({ informer: resource.plural }),
      metrics: this.metrics,
    });
    this.informers.set(key, informer as unknown as Informer<KubernetesObject>);
    return informer;
  }

  addController(options: ManagedControllerOptions): Controller {
    const controller = new Controller({
      ...options,
      backoff: this.options.config.backoff,
      clock: this.clock,
      logger: this.logger,
      metrics: this.metrics,
    });
    this.controllers.push(controller);
    return controller;
  }

  /** Starts informers and, once leading (or at once without leader election), the controllers. */
  start(): void {
    for (const informer of this.informers.values()) informer.start();
    const election = this.options.config.leaderElection;
    if (!election.enabled) {
      void this.startControllers();
      return;
    }
    this.elector = new LeaderElector({
      api: this.options.kubeConfig.makeApiClient(CoordinationV1Api),
      namespace: election.leaseNamespace,
      name: election.leaseName,
      identity: this.options.identity,
      leaseDurationSeconds: election.leaseDurationSeconds,
      renewDeadlineMs: election.renewDeadlineSeconds * 1000,
      retryPeriodMs: election.retryPeriodSeconds * 1000,
      releaseOnCancel: this.options.releaseOnCancel ?? true,
      clock: this.clock,
      logger: this.logger,
    });
    this.elector.run({
      onStartedLeading: () => this.startControllers(),
      onStoppedLeading: () => this.stopControllers(),
    });
  }

  /** Graceful shutdown: controllers drain, the lease is released, informers stop. */
  async stop(): Promise<void> {
    this.stopping.abort();
    if (this.elector !== undefined) await this.elector.stop();
    else await this.stopControllers();
    await Promise.all([...this.informers.values()].map((informer) => informer.stop()));
    this.logger.info('manager stopped');
  }

  private async startControllers(): Promise<void> {
    await Promise.race([
      Promise.all([...this.informers.values()].map((informer) => informer.synced)),
      new Promise((resolve) => this.stopping.signal.addEventListener('abort', resolve, { once: true })),
    ]);
    if (this.stopping.signal.aborted) return;
    for (const controller of this.controllers) controller.start();
  }

  private async stopControllers(): Promise<void> {
    await Promise.all(this.controllers.map((controller) => controller.stop()));
  }
}

function informerKey(resource: ResourceKind, fieldSelector: string | undefined, namespaces: readonly string[]): string {
  const scope = resource.namespaced ? [...new Set(namespaces)].sort().join(',') : '';
  return `${collectionPath(resource)}?fieldSelector=${fieldSelector ?? ''}&namespaces=${scope}`;
}
