/**
 * [REQ-01][REQ-04] The ImageTransfer reconciler. Top to bottom: get the transfer (gone -> cancel its job, done);
 * being deleted -> cancel the job and remove the staged files (remove-staged-files.ts), then the finalizer; ensure
 * the finalizer; finished (Succeeded or Failed) with no job -> nothing to do, ever (no retry storms); no job yet
 * (first pass, or a new process after a restart) -> plan (plan-transfer.ts), take concurrency slots, start the
 * engine job, which resumes from the manifests on the hosts; write the status from the job's progress at most once
 * per second (transfer-status.ts); Events for what changed; a finished job is forgotten and its slots released.
 *
 * The reconcile never awaits a job: the job's progress wakes the key (transfer-jobs.ts). Requeue policy: a spec
 * that cannot be carried out -> Failed, no requeue; waiting for a Host, a Secret or a slot -> Pending, re-checked
 * on a Host change, a released slot and every `recheckIntervalMs`; running -> woken by progress, with a slow
 * re-check as a safety net. Retryable failures inside the job (unreachable host, stall, source down) are the
 * engine's: retried with backoff and resumed. A second pass over an unchanged transfer writes nothing.
 */
import { IMAGE_TRANSFER_REASONS as R, ERROR_REASONS } from '../../api/v1alpha1/condition.js';
import { FINALIZERS } from '../../api/v1alpha1/finalizers.js';
import type { ImageTransfer, ImageTransferStatus } from '../../api/v1alpha1/image-transfer.js';
import type { TransferConfig } from '../../config/types.js';
import type { CustomResourceClient } from '../../controller/custom-resource-client.js';
import { ensureFinalizer, hasFinalizer, runFinalizer } from '../../controller/finalizers.js';
import { requestKey, type ReconcileContext, type ReconcileRequest, type Reconciler, type Result } from '../../controller/reconciler.js';
import { StatusWriter } from '../../controller/status-writer.js';
import { isRetryable, OperatorError } from '../../errors/operator-error.js';
import type { HostTransferSlots } from '../../hosts/host-transfer-slots.js';
import type { AuditSink } from '../../security/audit-log.js';
import type { Clock } from '../../time/clock.js';
import type { TransferJob, TransferEngineDeps } from '../../transfer/transfer-job.js';
import type { TransferPlan } from '../../transfer/transfer-plan.js';
import { planTransfer, type PlanInputs } from './plan-transfer.js';
import { removeStagedFiles } from './remove-staged-files.js';
import { fileEventsAudit, recordTransferEvents, type TransferEventSink } from './transfer-events.js';
import type { TransferHostAccess } from './transfer-hosts.js';
import { PROGRESS_INTERVAL_MS, type RunningTransfer, type TransferJobs } from './transfer-jobs.js';
import { desiredTransferStatus, type DestinationBase, type TransferObservation } from './transfer-status.js';

export const DEFAULT_TRANSFER_RECHECK_INTERVAL_MS = 30_000;

export interface ImageTransferReconcilerOptions {
  transfers: CustomResourceClient<ImageTransfer>;
  hosts: PlanInputs['hosts'];
  access: TransferHostAccess;
  readSecret: PlanInputs['readSecret'];
  jobs: TransferJobs;
  slots: HostTransferSlots;
  /** The engine's entry point (src/transfer/transfer-job.ts startTransfer). */
  startTransfer: (plan: TransferPlan, deps: TransferEngineDeps) => TransferJob;
  events: TransferEventSink;
  audit: AuditSink;
  clock: Clock;
  config: TransferConfig;
  /** Timeout of the finalizer's commands on a host (ssh_config commandTimeoutMs). */
  commandTimeoutMs: number;
  recheckIntervalMs?: number;
}

const FINISHED = new Set(['Succeeded', 'Failed']);

export class ImageTransferReconciler implements Reconciler {
  private readonly statusWriter: StatusWriter<ImageTransferStatus, ImageTransfer>;
  private readonly recheck: Result;

  constructor(private readonly options: ImageTransferReconcilerOptions) {
    this.statusWriter = new StatusWriter<ImageTransferStatus, ImageTransfer>(options.transfers);
    this.recheck = { requeueAfterMs: options.recheckIntervalMs ?? DEFAULT_TRANSFER_RECHECK_INTERVAL_MS };
  }

  async reconcile(request: ReconcileRequest, ctx: ReconcileContext): Promise<Result> {
    const key = requestKey(request);
    const found = await this.options.transfers.get(request.namespace, request.name);
    if (found === undefined) {
      await this.drop(key);
      return {};
    }
    if (found.metadata?.deletionTimestamp !== undefined) return this.finalize(key, found, ctx);
    const transfer = await ensureFinalizer(this.options.transfers, found, FINALIZERS.imageTransferCleanup);
    let running = this.options.jobs.get(key);
    if (running !== undefined && running.uid !== transfer.metadata?.uid) {
      await this.drop(key);
      running = undefined;
    }
    if (running === undefined) {
      if (FINISHED.has(transfer.status?.phase ?? '')) return {};
      const started = await this.start(key, transfer);
      if ('result' in started) return started.result;
      running = started.running;
    }
    return this.report(key, transfer, running);
  }

  /** Plans and starts the job, or writes why it cannot start. */
  private async start(key: string, transfer: ImageTransfer): Promise<{ running: RunningTransfer } | { result: Result }> {
    let outcome;
    try {
      outcome = await planTransfer(transfer, { hosts: this.options.hosts, access: this.options.access, config: this.options.config, readSecret: this.options.readSecret });
    } catch (error) {
      if (isRetryable(error) || !(error instanceof OperatorError)) throw error;
      await this.write(transfer, { kind: 'refused', reason: error.reason, message: error.message });
      return { result: {} };
    }
    if (outcome.kind === 'waiting') {
      await this.write(transfer, outcome);
      return { result: this.recheck };
    }
    const { plan } = outcome;
    const targets = plan.destinations.map((d) => ({ host: d.host.name, path: d.path }));
    const blocked = this.options.slots.blockedBy(targets);
    if (!this.options.slots.tryAcquire(key, targets)) {
      await this.write(transfer, { kind: 'waiting', reason: R.WaitingForSlot, message: `waiting for a transfer slot: ${blocked ?? 'busy'}` });
      return { result: this.recheck };
    }
    const audit = fileEventsAudit(this.options.audit, this.options.events, transfer);
    const job = this.options.startTransfer(plan, { audit, allowedUrlSchemes: this.options.config.allowedUrlSchemes, clock: this.options.clock });
    const base = new Map<string, DestinationBase>((transfer.status?.destinations ?? []).map((d) => [d.host, { attempts: d.attempts ?? 0, bytesSent: d.bytesSent ?? 0 }]));
    return { running: this.options.jobs.add(key, transfer.metadata?.uid ?? '', job, base) };
  }

  /** Writes the job's progress (at most once per second while it runs); forgets a finished job. */
  private async report(key: string, transfer: ImageTransfer, running: RunningTransfer): Promise<Result> {
    const progress = running.job.progress;
    const finished = FINISHED.has(progress.phase);
    const sinceWrite = this.options.clock.now() - running.statusWrittenAt;
    if (!finished && sinceWrite < PROGRESS_INTERVAL_MS) return { requeueAfterMs: PROGRESS_INTERVAL_MS - sinceWrite };
    const stored = await this.write(transfer, { kind: 'running', progress, startedAt: running.startedAt, rateBytesPerSecond: running.rateBytesPerSecond, base: running.base });
    if (stored !== transfer) running.statusWrittenAt = this.options.clock.now();
    if (!finished) return this.recheck;
    this.options.jobs.forget(key);
    this.options.slots.release(key);
    return {};
  }

  private async write(transfer: ImageTransfer, observation: TransferObservation): Promise<ImageTransfer | undefined> {
    const stored = await this.statusWriter.update(transfer, desiredTransferStatus(transfer, observation, new Date(this.options.clock.now())));
    if (stored !== undefined && stored !== transfer) await recordTransferEvents(this.options.events, stored, transfer.status);
    return stored;
  }

  private async finalize(key: string, transfer: ImageTransfer, ctx: ReconcileContext): Promise<Result> {
    if (!hasFinalizer(transfer, FINALIZERS.imageTransferCleanup)) {
      await this.drop(key);
      return {};
    }
    try {
      await runFinalizer(this.options.transfers, transfer, FINALIZERS.imageTransferCleanup, async () => {
        await this.drop(key);
        await removeStagedFiles(transfer, { access: this.options.access, audit: this.options.audit, events: this.options.events, commandTimeoutMs: this.options.commandTimeoutMs }, ctx.signal);
      });
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      const message = `removing the staged files failed, finalizer kept (retrying; annotate virtfleet.io/force-delete=true to release): ${(error as Error).message}`;
      await this.write(transfer, { kind: 'waiting', reason: R.DeleteFailed, message });
      throw error;
    }
    await this.options.events.event(transfer, 'Normal', R.Deleted, 'cancelled; staged files removed');
    ctx.logger.info('image transfer finalized', { reason: ERROR_REASONS.Cancelled });
    return {};
  }

  /** Cancels the key's job (if this process runs one) and gives its slots back. */
  private async drop(key: string): Promise<void> {
    await this.options.jobs.cancel(key);
    this.options.slots.release(key);
  }
}
