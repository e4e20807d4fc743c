/**
 * [REQ-01] Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection package:
 * - acquire: create the Lease, or take it over when it is released (empty holder) or expired; expiry is judged
 *   from the local time at which this candidate last saw the record change (no trust in other clocks), plus the
 *   record's leaseDurationSeconds;
 * - every write is a PUT carrying the read resourceVersion, so two candidates never both win (409 loses);
 * - renew every retryPeriod; when no renewal succeeded for renewDeadline, stop leading (callback) and campaign
 *   again. Unlike client-go, a renew that finds the lease held by another candidate stops leading at once: retrying
 *   cannot win it back before renewDeadline, and reconciling meanwhile would run two leaders side by side;
 * - on stop, after onStoppedLeading, release the lease (empty holder, leaseDurationSeconds 1) so a standby takes
 *   over at its next retry, unless `releaseOnCancel` is false.
 */
import { V1MicroTime, type CoordinationV1Api, type V1Lease, type V1LeaseSpec } from '@kubernetes/client-node';
import { isNotFound } from './api-errors.js';
import { sleep, systemClock, type Clock } from '../time/clock.js';
import { silentLogger, type RuntimeLogger } from './runtime-logger.js';

export interface LeaderElectionOptions {
  api: Pick<CoordinationV1Api, 'readNamespacedLease' | 'createNamespacedLease' | 'replaceNamespacedLease'>;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  releaseOnCancel: boolean;
  clock?: Clock;
  logger?: RuntimeLogger;
}

export interface LeadershipCallbacks {
  onStartedLeading(): void | Promise<void>;
  onStoppedLeading(): void | Promise<void>;
}

const JITTER_FACTOR = 1.2;

export class LeaderElector {
  private readonly clock: Clock;
  private readonly logger: RuntimeLogger;
  private readonly stopController = new AbortController();
  private observedRecord = '';
  private observedHolder = '';
  private observedAt = 0;
  private observedDurationSeconds = 0;
  private leading = false;
  private running: Promise<void> | undefined;

  constructor(private readonly options: LeaderElectionOptions) {
    this.clock = options.clock ?? systemClock;
    this.logger = (options.logger ?? silentLogger).child({ lease: `${options.namespace}/${options.name}`, identity: options.identity });
  }

  get isLeader(): boolean {
    return this.leading;
  }

  run(callbacks: LeadershipCallbacks): void {
    this.running ??= this.campaign(callbacks);
  }

  /** Stops campaigning; a leader first runs onStoppedLeading, then releases the lease (if configured). */
  async stop(): Promise<void> {
    this.stopController.abort(new Error('leader election stopped'));
    await this.running;
  }

  private get signal(): AbortSignal {
    return this.stopController.signal;
  }

  private async campaign(callbacks: LeadershipCallbacks): Promise<void> {
    while (!this.signal.aborted) {
      if (!(await this.acquire())) return;
      this.leading = true;
      this.logger.info('leadership acquired');
      await callbacks.onStartedLeading();
      await this.renewUntilLost();
      this.leading = false;
      this.logger.info('leadership lost or given up');
      await callbacks.onStoppedLeading();
      if (this.signal.aborted && this.options.releaseOnCancel) await this.release();
    }
  }

  /** Retries every retryPeriod (jittered) until this candidate holds the lease; false when stopped first. */
  private async acquire(): Promise<boolean> {
    while (!this.signal.aborted) {
      if (await this.tryAcquireOrRenew()) return true;
      const delay = this.options.retryPeriodMs * (1 + Math.random() * (JITTER_FACTOR - 1));
      try {
        await sleep(this.clock, delay, this.signal);
      } catch {
        return false;
      }
    }
    return false;
  }

  private async renewUntilLost(): Promise<void> {
    let renewedAt = this.clock.now();
    while (!this.signal.aborted) {
      try {
        await sleep(this.clock, this.options.retryPeriodMs, this.signal);
      } catch {
        return;
      }
      const remainingMs = this.options.renewDeadlineMs - (this.clock.now() - renewedAt);
      if (await this.withDeadline(this.tryAcquireOrRenew(), remainingMs)) renewedAt = this.clock.now();
      else if (this.heldByAnother || this.clock.now() - renewedAt >= this.options.renewDeadlineMs) return;
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { api, namespace, name, identity } = this.options;
    const now = this.clock.now();
    let lease: V1Lease;
    try {
      lease = await api.readNamespacedLease({ name, namespace });
    } catch (error) {
      if (!isNotFound(error)) return this.failedAttempt('read', error);
      return this.write(() => api.createNamespacedLease({
        namespace,
        body: { metadata: { name, namespace }, spec: this.record(undefined, now) },
      }), 'create');
    }
    const spec = lease.spec ?? {};
    this.observe(spec, now);
    const holder = spec.holderIdentity ?? '';
    const expiresAt = this.observedAt + this.observedDurationSeconds * 1000;
    if (holder !== '' && holder !== identity && expiresAt > now) return false;
    return this.write(() => api.replaceNamespacedLease({ name, namespace, body: { ...lease, spec: this.record(spec, now) } }), 'update');
  }

  private async write(call: () => Promise<V1Lease>, verb: string): Promise<boolean> {
    try {
      const written = await call();
      this.observe(written.spec ?? {}, this.clock.now());
      return true;
    } catch (error) {
      return this.failedAttempt(verb, error);
    }
  }

  private failedAttempt(verb: string, error: unknown): false {
    this.logger.debug('lease attempt failed', { verb, error: String(error) });
    return false;
  }

  /** The record this candidate writes as holder, keeping acquireTime and counting transitions like client-go. */
  private record(previous: V1LeaseSpec | undefined, now: number): V1LeaseSpec {
    const renewing = previous?.holderIdentity === this.options.identity;
    const transitions = previous?.leaseTransitions ?? 0;
    return {
      holderIdentity: this.options.identity,
      leaseDurationSeconds: this.options.leaseDurationSeconds,
      acquireTime: renewing && previous?.acquireTime ? previous.acquireTime : new V1MicroTime(now),
      renewTime: new V1MicroTime(now),
      leaseTransitions: previous === undefined ? 0 : renewing ? transitions : transitions + 1,
    };
  }

  private get heldByAnother(): boolean {
    return this.observedHolder !== '' && this.observedHolder !== this.options.identity;
  }

  private observe(spec: V1LeaseSpec, now: number): void {
    const record = JSON.stringify([spec.holderIdentity, spec.renewTime, spec.leaseTransitions, spec.leaseDurationSeconds]);
    if (record === this.observedRecord) return;
    this.observedRecord = record;
    this.observedHolder = spec.holderIdentity ?? '';
    this.observedAt = now;
    this.observedDurationSeconds = spec.leaseDurationSeconds ?? this.options.leaseDurationSeconds;
  }

  /** Gives the lease up at once: empty holder and a 1 s duration (client-go's release). */
  private async release(): Promise<void> {
    const { api, namespace, name, identity } = this.options;
    try {
      const lease = await api.readNamespacedLease({ name, namespace });
      if (lease.spec?.holderIdentity !== identity) return;
      const now = new V1MicroTime(this.clock.now());
      const spec: V1LeaseSpec = { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now };
      await api.replaceNamespacedLease({ name, namespace, body: { ...lease, spec } });
      this.logger.info('lease released');
    } catch (error) {
      this.logger.warn('lease release failed; standbys take over after the lease expires', { error: String(error) });
    }
  }

  private async withDeadline(attempt: Promise<boolean>, deadlineMs: number): Promise<boolean> {
    if (deadlineMs <= 0) return false;
    const settled = new AbortController();
    const timeout = sleep(this.clock, deadlineMs, AbortSignal.any([this.signal, settled.signal])).then(() => false, () => false);
    try {
      return await Promise.race([attempt, timeout]);
    } finally {
      settled.abort();
    }
  }
}
