/**
 * [REQ-01] One controller: each of its request sources (subscribed until stopped) feeds a WorkQueue; N workers
 * take keys and call the Reconciler. Outcome handling follows controller-runtime: success forgets the key's
 * backoff, `requeueAfterMs` forgets and re-adds after the delay, a retryable error re-adds with backoff, a terminal
 * error (OperatorError with retryable false) forgets and does not re-add; a failure returned in `Result.failure`
 * is counted with its reason and re-checked after `requeueAfterMs` (reconciler.ts).
 * Sources fail alone: a SourceFailure (a mapper threw) is logged and counted and the stream goes on; a source whose
 * stream errors is logged, counted and resubscribed after `SOURCE_RESUBSCRIBE_DELAY_MS`, the others untouched.
 * `stop()` aborts in-flight reconciles through their AbortSignal, shuts the queue down and waits for every worker.
 */
import { randomUUID } from 'node:crypto';
import { Subject, takeUntil, type Subscription } from 'rxjs';
import { isRetryable, OperatorError } from '../errors/operator-error.js';
import { systemClock, type Clock, type TimerHandle } from '../time/clock.js';
import { noopMetrics, type ControllerMetricsSink, type ReconcileOutcome } from './metrics-sink.js';
import { ReconcileRateLimiter, type RateLimiterOptions } from './rate-limiter.js';
import { requestFromKey, requestKey, type Reconciler, type Result } from './reconciler.js';
import { silentLogger, type RuntimeLogger } from './runtime-logger.js';
import { SourceFailure, type RequestSource } from './watch-sources.js';
import { WorkQueue } from './workqueue.js';

/** How long a source whose stream errored waits before it is subscribed again. */
export const SOURCE_RESUBSCRIBE_DELAY_MS = 1000;

export interface ControllerOptions {
  name: string;
  reconciler: Reconciler;
  sources: RequestSource[];
  workers: number;
  backoff: RateLimiterOptions;
  clock?: Clock;
  logger?: RuntimeLogger;
  metrics?: ControllerMetricsSink;
  /** Runs after every stop (shutdown or leadership lost), once the workers are done: e.g. work a controller started outside reconciles. */
  onStopped?: () => Promise<void>;
}

interface ControllerRun {
  queue: WorkQueue;
  abort: AbortController;
  stop$: Subject<void>;
  workers: Promise<void>[];
  subscriptions: Subscription[];
  resubscribeTimers: Set<TimerHandle>;
}

export class Controller {
  private readonly clock: Clock;
  private readonly logger: RuntimeLogger;
  private readonly metrics: ControllerMetricsSink;
  private run: ControllerRun | undefined;

  constructor(private readonly options: ControllerOptions) {
    this.clock = options.clock ?? systemClock;
    this.logger = (options.logger ?? silentLogger).child({ controller: options.name });
    this.metrics = options.metrics ?? noopMetrics;
  }

  get name(): string {
    return this.options.name;
  }

  get running(): boolean {
    return this.run !== undefined;
  }

  /** Keys waiting for a worker (0 when stopped). */
  get queueDepth(): number {
    return this.run?.queue.depth ?? 0;
  }

  start(): void {
    if (this.run !== undefined) return;
    const queue = new WorkQueue({
      rateLimiter: new ReconcileRateLimiter(this.options.backoff, this.clock),
      clock: this.clock,
      onDepthChange: (depth) => this.metrics.setWorkqueueDepth(this.options.name, depth),
    });
    const run: ControllerRun = { queue, abort: new AbortController(), stop$: new Subject<void>(), workers: [], subscriptions: [], resubscribeTimers: new Set() };
    this.options.sources.forEach((source, index) => this.subscribe(run, source, `source-${index}`));
    for (let i = 0; i < Math.max(1, this.options.workers); i++) run.workers.push(this.work(run));
    this.run = run;
    this.logger.info('controller started', { workers: this.options.workers });
  }

  async stop(): Promise<void> {
    const run = this.run;
    if (run === undefined) return;
    this.run = undefined;
    run.stop$.next();
    run.stop$.complete();
    for (const timer of run.resubscribeTimers) timer.cancel();
    for (const subscription of run.subscriptions) subscription.unsubscribe();
    run.abort.abort(new Error(`controller ${this.options.name} stopping`));
    await run.queue.shutdown();
    await Promise.all(run.workers);
    await this.options.onStopped?.();
    this.logger.info('controller stopped');
  }

  /** Feeds one source into the queue; its failures are logged and counted, never passed on to the others. */
  private subscribe(run: ControllerRun, source: RequestSource, fallbackName: string): void {
    const subscription = source.pipe(takeUntil(run.stop$)).subscribe({
      next: (item) => {
        if (item instanceof SourceFailure) {
          this.metrics.incSourceErrors(this.options.name, item.source);
          this.logger.error('controller source failed to map an event, skipped it', { source: item.source, object: item.objectKey, error: String(item.error) });
          return;
        }
        run.queue.add(requestKey(item));
      },
      error: (error: unknown) => {
        this.metrics.incSourceErrors(this.options.name, fallbackName);
        this.logger.error('controller source failed, resubscribing', { source: fallbackName, error: String(error), delayMs: SOURCE_RESUBSCRIBE_DELAY_MS });
        const timer = this.clock.setTimeout(() => {
          run.resubscribeTimers.delete(timer);
          if (this.run === run) this.subscribe(run, source, fallbackName);
        }, SOURCE_RESUBSCRIBE_DELAY_MS);
        run.resubscribeTimers.add(timer);
      },
    });
    run.subscriptions.push(subscription);
  }

  private async work(run: ControllerRun): Promise<void> {
    for (;;) {
      const key = await run.queue.get();
      if (key === undefined) return;
      try {
        await this.reconcileKey(run, key);
      } finally {
        run.queue.done(key);
      }
    }
  }

  private async reconcileKey(run: ControllerRun, key: string): Promise<void> {
    const request = requestFromKey(key);
    const logger = this.logger.child({ ...request, reconcileId: randomUUID() });
    const startedAt = this.clock.now();
    let outcome: ReconcileOutcome;
    let errorReason: string | undefined;
    try {
      const result: Result = await this.options.reconciler.reconcile(request, { signal: run.abort.signal, logger });
      run.queue.forget(key);
      if (result.requeueAfterMs !== undefined && result.requeueAfterMs > 0) run.queue.addAfter(key, result.requeueAfterMs);
      if (result.failure !== undefined) {
        outcome = result.failure.retryable ? 'error' : 'terminal_error';
        errorReason = result.failure.reason;
        logger.warn('reconcile failed, re-checking later', { reason: errorReason, error: result.failure.message, requeueAfterMs: result.requeueAfterMs });
      } else {
        outcome = result.requeueAfterMs !== undefined && result.requeueAfterMs > 0 ? 'requeue_after' : 'success';
      }
    } catch (error) {
      if (run.abort.signal.aborted) {
        logger.debug('reconcile aborted by controller stop', { error: String(error) });
        return;
      }
      errorReason = error instanceof OperatorError ? error.reason : 'Unexpected';
      if (isRetryable(error)) {
        run.queue.addRateLimited(key);
        outcome = 'error';
        logger.warn('reconcile failed, requeued with backoff', { error: String(error), retries: run.queue.numRequeues(key) });
      } else {
        run.queue.forget(key);
        outcome = 'terminal_error';
        logger.error('reconcile failed terminally, not requeued', { error: String(error) });
      }
    }
    this.metrics.observeReconcile(this.options.name, outcome, (this.clock.now() - startedAt) / 1000, errorReason);
  }
}
