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
 * - missing or invalid credentials (including a private key that cannot be read: reason CredentialsInvalid,
 *   naming the Secret, no connection made), host-key mismatch, refused key, no common algorithm, invalid spec, libvirt
 *   errors (terminal): status written plus a Warning Event, then a slow re-check after `recheckIntervalMs`
 *   (5 min) — no hot loop; a change of the Host or of its Secret (mapped watch) triggers one at once.
 */
import { HOST_REASONS } from '../../api/v1alpha1/condition.js';
import { FINALIZERS } from '../../api/v1alpha1/finalizers.js';
import { HOST_DEFAULTS, type Host, type HostStatus } from '../../api/v1alpha1/host.js';
import type { Clock } from '../../controller/clock.js';
import type { CustomResourceClient } from '../../controller/custom-resource-client.js';
import { ensureFinalizer, runFinalizer } from '../../controller/finalizers.js';
import type { ReconcileContext, ReconcileRequest, Reconciler, Result } from '../../controller/reconciler.js';
import { StatusWriter } from '../../controller/status-writer.js';
import { OperatorError } from '../../errors/operator-error.js';
import { SshCredentialsError } from '../../errors/ssh-errors.js';
import { connectHost, type HostAccess } from './connect-host.js';
import { desiredHostStatus, heartbeatDelayMs, readyCondition, type HostObservation, type StatusTiming } from './host-status.js';
import { inspectHypervisor } from './inspect-hypervisor.js';
import { readCredentials, type SecretLookup } from './read-credentials.js';

export const DEFAULT_HEARTBEAT_INTERVAL_MS = 60_000;
export const DEFAULT_RECHECK_INTERVAL_MS = 300_000;

/** What an Event is written through: the runtime's EventRecorder, or a recording double in tests. */
export interface HostEventSink {
  event(object: Host, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void>;
}

export interface HostReconcilerOptions {
  hosts: CustomResourceClient<Host>;
  secrets: SecretLookup;
  /** Namespaces the Secret cache covers (controller config `credentialsNamespaces`); empty or absent = all. */
  credentialsNamespaces?: readonly string[];
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
    const found = await this.options.hosts.get(undefined, request.name);
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
    const credentials = readCredentials(this.options.secrets, host.spec.credentialsSecretRef, this.options.credentialsNamespaces);
    if (!credentials.found) return { stage: 'credentials', reason: credentials.reason, message: credentials.message };
    const connection = await connectHost(this.options.access, host, credentials.credentials, signal);
    if (!connection.connected) {
      // A key we cannot read is a problem of the Secret, found before the host was contacted.
      if (connection.error instanceof SshCredentialsError) {
        const { namespace, name } = host.spec.credentialsSecretRef;
        return { stage: 'credentials', reason: HOST_REASONS.CredentialsInvalid, message: `Secret ${namespace}/${name}: ${connection.error.detail}` };
      }
      return { stage: 'connect', error: connection.error };
    }
    try {
      const hypervisor = this.options.access.hypervisor(connection.target, host.spec.libvirtURI ?? HOST_DEFAULTS.libvirtURI);
      return { stage: 'ready', fingerprint: connection.fingerprint, facts: await inspectHypervisor(hypervisor) };
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
