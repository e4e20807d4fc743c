/**
 * [REQ-01] The Host reconciler. Top to bottom: get the Host (gone -> done); being deleted -> close its SSH
 * session and remove the finalizer; ensure the finalizer; read the credentials; connect; inspect the hypervisor;
 * write the status once; record an Event when Ready changed; return when to look again.
 *
 * Requeue policy (Result / errors, see src/controller/reconciler.ts):
 * - healthy: come back when the next heartbeat is due (`heartbeatIntervalMs`, 60 s by default; there is no
 *   configuration key for it). Within the interval an unchanged host makes no mutating API call.
 * - unreachable, libvirt connection lost or timed out (retryable): status written, the error is thrown and the
 *   workqueue retries with per-key exponential backoff.
 * - missing or invalid credentials, host-key mismatch, refused key, no common algorithm, invalid spec, libvirt
 *   errors (terminal): status written plus a Warning Event, then a slow re-check after `recheckIntervalMs`
 *   (5 min) — no hot loop; a change of the Host or of its Secret (mapped watch) triggers one at once.
 */
import { FINALIZERS } from '../../api/v1alpha1/finalizers.js';
import type { Host, HostStatus } from '../../api/v1alpha1/host.js';
import type { Clock } from '../../time/clock.js';
import type { CustomResourceClient } from '../../controller/custom-resource-client.js';
import { ensureFinalizer, runFinalizer } from '../../controller/finalizers.js';
import type { ReconcileContext, ReconcileRequest, Reconciler, Result } from '../../controller/reconciler.js';
import { StatusWriter } from '../../controller/status-writer.js';
import { HostCredentialsError } from '../../errors/host-errors.js';
import { OperatorError } from '../../errors/operator-error.js';
import { SshConnectError } from '../../errors/ssh-errors.js';
import type { HostLookup } from '../../hosts/host-target.js';
import type { ConnectedHost, HostAccess } from './host-access.js';
import { desiredHostStatus, heartbeatDelayMs, readyCondition, type HostObservation, type StatusTiming } from './host-status.js';
import { inspectHypervisor } from './inspect-hypervisor.js';

export const DEFAULT_HEARTBEAT_INTERVAL_MS = 60_000;
export const DEFAULT_RECHECK_INTERVAL_MS = 300_000;

/** What an Event is written through: the runtime's EventRecorder, or a recording double in tests. */
export interface HostEventSink {
  event(object: Host, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void>;
}

export interface HostReconcilerOptions {
  /** Writes: finalizers and the status subresource. */
  hosts: CustomResourceClient<Host>;
  /** Reads: the shared Host informer's cache (as controller-runtime's cached client reads). */
  cache: HostLookup;
  access: HostAccess;
  events: HostEventSink;
  clock: Clock;
  heartbeatIntervalMs?: number;
  recheckIntervalMs?: number;
}

export class HostReconciler implements Reconciler {
  private readonly statusWriter: StatusWriter<HostStatus, Host>;
  private readonly heartbeatIntervalMs: number;
  private readonly recheckIntervalMs: number;

  constructor(private readonly options: HostReconcilerOptions) {
    this.statusWriter = new StatusWriter<HostStatus, Host>(options.hosts);
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    this.recheckIntervalMs = options.recheckIntervalMs ?? DEFAULT_RECHECK_INTERVAL_MS;
  }

  async reconcile(request: ReconcileRequest, ctx: ReconcileContext): Promise<Result> {
    const found = this.options.cache.get(undefined, request.name);
    if (found === undefined) return {};
    if (found.metadata?.deletionTimestamp !== undefined) {
      await runFinalizer(this.options.hosts, found, FINALIZERS.hostCleanup, () => this.options.access.forget(request.name));
      ctx.logger.info('host finalized');
      return {};
    }
    const host = await ensureFinalizer(this.options.hosts, found, FINALIZERS.hostCleanup);

    const observation = await this.observe(host, ctx.signal);
    const timing: StatusTiming = { now: new Date(this.options.clock.now()), heartbeatIntervalMs: this.heartbeatIntervalMs };
    const status = desiredHostStatus(host.status, observation, host.metadata?.generation, timing);
    const stored = await this.statusWriter.update(host, status);
    if (stored === undefined) return {};
    await this.recordReadyChange(stored, host.status);

    switch (observation.stage) {
      case 'ready':
        return { requeueAfterMs: Math.max(1000, heartbeatDelayMs(stored.status, timing)) };
      case 'credentials':
        ctx.logger.warn('host credentials unusable', { reason: observation.reason });
        return { requeueAfterMs: this.recheckIntervalMs };
      case 'connect':
      case 'libvirt':
        if (observation.error.retryable) throw observation.error;
        ctx.logger.warn('host check failed terminally, re-checking later', { reason: observation.error.reason, error: observation.error.message });
        return { requeueAfterMs: this.recheckIntervalMs };
    }
  }

  /** Credentials, then SSH, then libvirt: how far the host gets and what it reports. */
  private async observe(host: Host, signal: AbortSignal): Promise<HostObservation> {
    let connection: ConnectedHost;
    try {
      connection = await this.options.access.connect(host.metadata?.name ?? '', signal);
    } catch (error) {
      if (signal.aborted) throw error;
      if (error instanceof HostCredentialsError) return { stage: 'credentials', reason: error.reason, message: error.message };
      if (error instanceof OperatorError) return { stage: 'connect', error };
      return { stage: 'connect', error: new SshConnectError(host.metadata?.name ?? '', String(error), { cause: error }) };
    }
    try {
      return { stage: 'ready', fingerprint: connection.fingerprint, facts: await inspectHypervisor(connection.hypervisor) };
    } catch (error) {
      if (signal.aborted || !(error instanceof OperatorError)) throw error;
      return { stage: 'libvirt', fingerprint: connection.fingerprint, error };
    }
  }

  /** One Event per change of the Ready condition: Normal when the host became ready, Warning naming the cause. */
  private async recordReadyChange(stored: Host, previous: HostStatus | undefined): Promise<void> {
    const before = readyCondition(previous);
    const after = readyCondition(stored.status);
    if (after === undefined) return;
    if (before?.status === after.status && before.reason === after.reason && before.message === after.message) return;
    await this.options.events.event(stored, after.status === 'True' ? 'Normal' : 'Warning', after.reason, after.message);
  }
}
