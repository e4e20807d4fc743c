/**
 * [REQ-01] The Host reconciler. Top to bottom: get the Host from the informer cache (gone -> done); being deleted
 * -> wait while VirtualMachines run on it (HasVirtualMachines=True, host-deletion.ts), else close its connections
 * and remove the finalizer; ensure the finalizer; read the credentials; connect; inspect the hypervisor;
 * write the status once; record an Event (and a log line: info when the Host becomes Ready or recovers, warn when it
 * stops being Ready) when Ready changed; return when to look again.
 *
 * Requeue policy (Result / errors, see src/controller/reconciler.ts):
 * - healthy: come back when the next heartbeat is due (`heartbeatIntervalMs`: controller_config
 *   `hosts.heartbeatIntervalSeconds`, 60 s by default). Within the interval an unchanged host makes no mutating API call.
 * - unreachable, libvirt connection lost or timed out (retryable): status written, the error returned as
 *   `Result.failure` with a re-check after `UNREACHABLE_RECHECK_MS`; the SSH session's own reconnect backoff
 *   (capped at 2 s for a host that was connected) decides when a real attempt is made, and a re-check within the
 *   backoff costs no network. A lost connection requests a reconcile at once (HostConnections.drops()); for a
 *   lost SSH connection that reconcile reports the loss without a new connect attempt (connection-drops.ts).
 * - credentials missing or unusable: the Host's SSH session is closed (revoking the Secret revokes the access).
 * - missing or invalid credentials (including a private key that cannot be read: reason CredentialsInvalid,
 *   naming the Secret, no connection made), host-key mismatch, refused key, no common algorithm, invalid spec, libvirt
 *   errors (terminal): status written plus a Warning Event, then the error is returned as `Result.failure`
 *   (counted with its reason) with a slow re-check after `recheckIntervalMs` (5 min) — no hot loop; a change of
 *   the Host or of its Secret (mapped watch) triggers one at once.
 */
import { HOST_CONDITIONS } from '../../api/v1alpha1/condition.js';
import { FINALIZERS } from '../../api/v1alpha1/finalizers.js';
import type { Host, HostStatus } from '../../api/v1alpha1/host.js';
import type { Clock } from '../../time/clock.js';
import type { CustomResourceClient } from '../../controller/custom-resource-client.js';
import { findCondition } from '../../controller/conditions.js';
import { ensureFinalizer, hasFinalizer, runFinalizer } from '../../controller/finalizers.js';
import type { ReconcileContext, ReconcileRequest, Reconciler, Result } from '../../controller/reconciler.js';
import type { RuntimeLogger } from '../../controller/runtime-logger.js';
import { StatusWriter } from '../../controller/status-writer.js';
import { HostCredentialsError } from '../../errors/host-errors.js';
import { OperatorError } from '../../errors/operator-error.js';
import { SshConnectError } from '../../errors/ssh-errors.js';
import type { HostLookup } from '../../hosts/host-target.js';
import type { UnreportedDrops } from './connection-drops.js';
import type { ConnectedHost, HostAccess } from './host-access.js';
import type { HostConditionMetric } from './host-condition-metric.js';
import { virtualMachinesOn, waitingForVirtualMachines, type VirtualMachineLister } from './host-deletion.js';
import { desiredHostStatus, heartbeatDelayMs, type HostObservation, type StatusTiming } from './host-status.js';
import { inspectHypervisor } from './inspect-hypervisor.js';

export const DEFAULT_HEARTBEAT_INTERVAL_MS = 60_000;
export const DEFAULT_RECHECK_INTERVAL_MS = 300_000;
/** How soon an unreachable Host is checked again. */
export const UNREACHABLE_RECHECK_MS = 1000;

/** What an Event is written through: the runtime's EventRecorder, or a recording double in tests. */
export interface HostEventSink {
  event(object: Host, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void>;
}

export interface HostReconcilerOptions {
  /** Writes: finalizers and the status subresource. */
  hosts: CustomResourceClient<Host>;
  /** Reads: the shared Host informer's cache (as controller-runtime's cached client reads). */
  cache: HostLookup;
  /** The shared VirtualMachine informer's cache: which VMs run on a Host being deleted. */
  virtualMachines: VirtualMachineLister;
  access: HostAccess;
  events: HostEventSink;
  clock: Clock;
  heartbeatIntervalMs?: number;
  recheckIntervalMs?: number;
  /** Lost SSH connections not yet reported (filled by the drop source); absent: every check connects. */
  drops?: Pick<UnreportedDrops, 'take' | 'forget'>;
  /** Where the Host's conditions are exported as `virtfleet_host_condition` (absent in unit tests that ignore it). */
  conditionMetric?: HostConditionMetric;
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
    if (found === undefined) {
      this.options.conditionMetric?.forget(request.name);
      this.options.drops?.forget(request.name);
      return {};
    }
    if (found.metadata?.deletionTimestamp !== undefined) return this.finalize(found, ctx);
    const host = await ensureFinalizer(this.options.hosts, found, FINALIZERS.hostCleanup);

    const observation = await this.observe(host, ctx.signal);
    const timing: StatusTiming = { now: new Date(this.options.clock.now()), heartbeatIntervalMs: this.heartbeatIntervalMs };
    const status = desiredHostStatus(host.status, observation, { generation: host.metadata?.generation, unschedulable: host.spec.unschedulable }, timing);
    const stored = await this.statusWriter.update(host, status);
    if (stored === undefined) return {};
    this.options.conditionMetric?.record(request.name, stored.status?.conditions);
    await this.recordChange(HOST_CONDITIONS.Ready, stored, host.status);
    logReadyChange(ctx.logger, host.status, stored.status);

    switch (observation.stage) {
      case 'ready':
        return { requeueAfterMs: Math.max(1000, heartbeatDelayMs(stored.status, timing)) };
      case 'credentials': {
        const { secretRef, reason } = observation.error;
        ctx.logger.warn('host credentials unusable', { reason, secret: `${secretRef.namespace}/${secretRef.name}` });
        await this.options.access.forget(stored.metadata?.name ?? '', 'credentials-revoked');
        return { requeueAfterMs: this.recheckIntervalMs, failure: observation.error };
      }
      case 'connect':
      case 'libvirt':
        if (observation.error.retryable) return { requeueAfterMs: UNREACHABLE_RECHECK_MS, failure: observation.error };
        return { requeueAfterMs: this.recheckIntervalMs, failure: observation.error };
    }
  }

  /** Deletion: waits while VirtualMachines run on the Host, then closes its connections and drops the finalizer. */
  private async finalize(host: Host, ctx: ReconcileContext): Promise<Result> {
    if (!hasFinalizer(host, FINALIZERS.hostCleanup)) return {};
    const name = host.metadata?.name ?? '';
    const vms = virtualMachinesOn(this.options.virtualMachines, name);
    if (vms.length > 0) {
      const status = waitingForVirtualMachines(host.status, vms, host.metadata?.generation, new Date(this.options.clock.now()));
      const stored = await this.statusWriter.update(host, status);
      if (stored !== undefined) await this.recordChange(HOST_CONDITIONS.HasVirtualMachines, stored, host.status);
      ctx.logger.info('host deletion waits for its virtual machines', { virtualMachines: vms.length });
      return {};
    }
    await runFinalizer(this.options.hosts, host, FINALIZERS.hostCleanup, () => this.options.access.forget(name));
    ctx.logger.info('host finalized');
    return {};
  }

  /** A connection just lost (reported as such), else credentials, then SSH, then libvirt: how far the host gets. */
  private async observe(host: Host, signal: AbortSignal): Promise<HostObservation> {
    const lost = this.options.drops?.take(host.metadata?.name ?? '');
    if (lost !== undefined) return { stage: 'connect', error: lost };
    let connection: ConnectedHost;
    try {
      connection = await this.options.access.connect(host.metadata?.name ?? '', signal);
    } catch (error) {
      if (signal.aborted) throw error;
      if (error instanceof HostCredentialsError) return { stage: 'credentials', error };
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

  /**
   * One Event per change of a condition, with its reason and message: for Ready, Normal when the host became ready
   * and Warning naming the cause; for HasVirtualMachines, Warning naming the VMs a deletion waits for.
   */
  private async recordChange(type: string, stored: Host, previous: HostStatus | undefined): Promise<void> {
    const before = findCondition(previous?.conditions, type);
    const after = findCondition(stored.status?.conditions, type);
    if (after === undefined) return;
    if (before?.status === after.status && before.reason === after.reason && before.message === after.message) return;
    const healthy = type === HOST_CONDITIONS.Ready ? after.status === 'True' : after.status === 'False';
    await this.options.events.event(stored, healthy ? 'Normal' : 'Warning', after.reason, after.message);
  }
}

/**
 * Logs a change of Ready: `host ready` the first time (no heartbeat before), `host recovered` (with the reason it was not Ready and for
 * how long) when it comes back, `host not ready` (with the reason) when it goes.
 */
function logReadyChange(logger: RuntimeLogger, previous: HostStatus | undefined, current: HostStatus | undefined): void {
  const before = findCondition(previous?.conditions, HOST_CONDITIONS.Ready);
  const after = findCondition(current?.conditions, HOST_CONDITIONS.Ready);
  if (after === undefined || before?.status === after.status) return;
  if (after.status !== 'True') {
    if (before?.status === 'True') logger.warn('host not ready', { reason: after.reason, message: after.message });
    return;
  }
  if (before === undefined || previous?.lastHeartbeatTime === undefined) {
    logger.info('host ready', { libvirtVersion: current?.libvirtVersion, ...(before === undefined ? {} : { previousReason: before.reason }) });
    return;
  }
  const notReadyForMs = Date.parse(after.lastTransitionTime) - Date.parse(before.lastTransitionTime);
  logger.info('host recovered', { previousReason: before.reason, ...(Number.isNaN(notReadyForMs) ? {} : { notReadyForMs }) });
}
