/**
 * [REQ-01] Rate-limited work queue of reconcile keys, with client-go's workqueue semantics:
 * - a key added while it waits in the queue is not duplicated;
 * - a key added while a worker processes it is queued again only after `done(key)`, so no two workers ever hold
 *   the same key;
 * - `addRateLimited` delays by the ReconcileRateLimiter (per-key exponential backoff and global token bucket),
 *   `addAfter` by a fixed delay (RequeueAfter), `forget` resets the key's backoff;
 * - `shutdown()` stops accepting keys, drops the queued and delayed ones (the informers' initial list enqueues
 *   them again for whoever runs next) and resolves once every key handed to a worker is `done`.
 */
import type { Clock, TimerHandle } from '../time/clock.js';
import type { ReconcileRateLimiter } from './rate-limiter.js';

export interface WorkQueueOptions {
  rateLimiter: ReconcileRateLimiter;
  clock: Clock;
  /** Called with the number of keys ready for a worker whenever it changes. */
  onDepthChange?: (depth: number) => void;
}

type Waiter = (key: string | undefined) => void;

export class WorkQueue {
  private ready: string[] = [];
  private readyHead = 0;
  /** Keys that need processing: queued, or re-added while processing. */
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly delayed = new Map<string, { dueAt: number; timer: TimerHandle }>();
  private waiters: Waiter[] = [];
  private shuttingDown = false;
  private drained: (() => void) | undefined;

  constructor(private readonly options: WorkQueueOptions) {}

  /** Keys waiting for a worker (not counting delayed or in-flight keys). */
  get depth(): number {
    return this.ready.length - this.readyHead;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.pushReady(key);
  }

  /** Adds `key` after `delayMs`; an earlier pending deadline for the same key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const dueAt = this.options.clock.now() + delayMs;
    const pending = this.delayed.get(key);
    if (pending !== undefined && pending.dueAt <= dueAt) return;
    pending?.timer.cancel();
    const timer = this.options.clock.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, delayMs);
    this.delayed.set(key, { dueAt, timer });
  }

  /** Adds `key` after its backoff: the larger of its exponential delay and the global token bucket's wait. */
  addRateLimited(key: string): void {
    this.addAfter(key, this.options.rateLimiter.when(key));
  }

  /** The key succeeded: its next failure starts again at the base delay. */
  forget(key: string): void {
    this.options.rateLimiter.forget(key);
  }

  numRequeues(key: string): number {
    return this.options.rateLimiter.retries(key);
  }

  /** Next key for a worker, marked as processing; `undefined` once the queue shuts down. */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    if (this.depth > 0) return Promise.resolve(this.takeReady());
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The worker finished `key`; if it was added meanwhile it is queued again. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.shuttingDown) {
      if (this.processing.size === 0) this.drained?.();
      return;
    }
    if (this.dirty.has(key)) this.pushReady(key);
  }

  /** Stops accepting keys and resolves when no key is being processed any more. */
  shutdown(): Promise<void> {
    if (!this.shuttingDown) {
      this.shuttingDown = true;
      for (const { timer } of this.delayed.values()) timer.cancel();
      this.delayed.clear();
      this.ready = [];
      this.readyHead = 0;
      this.dirty.clear();
      this.options.onDepthChange?.(0);
      for (const waiter of this.waiters) waiter(undefined);
      this.waiters = [];
    }
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = this.drained;
      this.drained = () => {
        previous?.();
        resolve();
      };
    });
  }

  private pushReady(key: string): void {
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      waiter(key);
      return;
    }
    this.ready.push(key);
    this.options.onDepthChange?.(this.depth);
  }

  private takeReady(): string {
    const key = this.ready[this.readyHead] as string;
    this.readyHead += 1;
    if (this.readyHead > 1024 && this.readyHead * 2 > this.ready.length) {
      this.ready = this.ready.slice(this.readyHead);
      this.readyHead = 0;
    }
    this.dirty.delete(key);
    this.processing.add(key);
    this.options.onDepthChange?.(this.depth);
    return key;
  }
}
