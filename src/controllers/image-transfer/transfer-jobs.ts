/**
 * [REQ-01][REQ-04] The transfers this process is running: one engine job per ImageTransfer (keyed `namespace/name`,
 * tied to the object's uid), with what the status needs beside the job's own progress (attempts made before it, the
 * current rate). The controller starts and watches jobs here and never awaits one inside a reconcile: each change
 * of a job's progress wakes its key through `wakes()`, at most once per `minIntervalMs` (its end at once), on the
 * injected Clock. `stopAll` (shutdown, or leadership lost) stops every job and keeps its staged files for the next leader to resume.
 */
import { Subject, type Observable, type Subscription } from 'rxjs';
import type { Clock, TimerHandle } from '../../time/clock.js';
import type { TransferJob } from '../../transfer/transfer-job.js';
import type { TransferProgress } from '../../transfer/transfer-progress.js';
import type { DestinationBase } from './transfer-status.js';

/** The window the rate is measured over. */
export const RATE_WINDOW_MS = 5000;
/** Progress reaches the status at most this often per transfer. */
export const PROGRESS_INTERVAL_MS = 1000;

export interface RunningTransfer {
  readonly uid: string;
  readonly job: TransferJob;
  /** Clock time the job started. */
  readonly startedAt: number;
  /** What earlier jobs counted per destination Host (the status before this one started). */
  readonly base: ReadonlyMap<string, DestinationBase>;
  /** Bytes per second per destination over the last RATE_WINDOW_MS; 0 until measured. */
  rateBytesPerSecond: number;
  /** Clock time this process last wrote the transfer's status (progress is written at most once per second). */
  statusWrittenAt: number;
}

interface Entry extends RunningTransfer {
  samples: Array<{ at: number; bytes: number }>;
  subscription: Subscription;
}

export class TransferJobs {
  private readonly running = new Map<string, Entry>();
  private readonly woken = new Subject<string>();
  private readonly timers = new Map<string, TimerHandle>();
  private readonly lastWake = new Map<string, number>();

  /** `observe` hears every job's progress with the snapshot before it (metrics). */
  constructor(
    private readonly clock: Clock,
    private readonly minIntervalMs = PROGRESS_INTERVAL_MS,
    private readonly observe?: (previous: TransferProgress | undefined, progress: TransferProgress) => void,
  ) {}

  get(key: string): RunningTransfer | undefined {
    return this.running.get(key);
  }

  /** Watches a job the engine just started (`startTransfer`) for the transfer `key` of uid `uid`. */
  add(key: string, uid: string, job: TransferJob, base: ReadonlyMap<string, DestinationBase>): RunningTransfer {
    const entry: Entry = {
      uid, job, startedAt: this.clock.now(), base, rateBytesPerSecond: 0, statusWrittenAt: -Infinity, samples: [], subscription: undefined as unknown as Subscription,
    };
    this.running.set(key, entry);
    let previous: TransferProgress | undefined;
    entry.subscription = job.progress$.subscribe((progress) => {
      this.observe?.(previous, progress);
      previous = progress;
      this.sample(entry, progress);
      this.wake(key);
    });
    void job.done.then(() => {
      if (this.running.get(key) === entry) this.wakeNow(key);
    });
    return entry;
  }

  /** Keys whose job made progress or ended. */
  wakes(): Observable<string> {
    return this.woken.asObservable();
  }

  /** Drops a finished job (its final status is written). */
  forget(key: string): void {
    const entry = this.running.get(key);
    entry?.subscription.unsubscribe();
    this.running.delete(key);
    this.timers.get(key)?.cancel();
    this.timers.delete(key);
  }

  /** Cancels the job (its `.part` files and manifests are removed) and forgets it. */
  async cancel(key: string): Promise<void> {
    const entry = this.running.get(key);
    if (entry === undefined) return;
    await entry.job.cancel();
    this.forget(key);
  }

  /** Shutdown or leadership lost: stops every job and keeps what they staged, for the next leader to resume. */
  async stopAll(): Promise<void> {
    const keys = [...this.running.keys()];
    await Promise.all(keys.map(async (key) => {
      await this.running.get(key)?.job.stop();
      this.forget(key);
    }));
  }

  private sample(entry: Entry, progress: TransferProgress): void {
    const now = this.clock.now();
    const live = progress.destinations.filter((d) => d.phase !== 'Failed');
    const bytes = live.length === 0 ? 0 : live.reduce((sum, d) => sum + d.bytesSent, 0) / live.length;
    entry.samples = [...entry.samples.filter((s) => now - s.at <= RATE_WINDOW_MS), { at: now, bytes }];
    const first = entry.samples[0]!;
    const elapsed = now - first.at;
    if (elapsed > 0) entry.rateBytesPerSecond = Math.max(0, ((bytes - first.bytes) * 1000) / elapsed);
  }

  private wake(key: string): void {
    if (this.timers.has(key)) return;
    const due = (this.lastWake.get(key) ?? -Infinity) + this.minIntervalMs - this.clock.now();
    if (due <= 0) {
      this.wakeNow(key);
      return;
    }
    this.timers.set(key, this.clock.setTimeout(() => this.wakeNow(key), due));
  }

  private wakeNow(key: string): void {
    this.timers.get(key)?.cancel();
    this.timers.delete(key);
    this.lastWake.set(key, this.clock.now());
    this.woken.next(key);
  }
}
