/**
 * [REQ-01][REQ-04] Step "finalize": a deleted ImageTransfer's running job is cancelled (the engine removes what it
 * staged), then every destination that has no verified file gets its `<final>.part` and manifest removed over SSH,
 * one audited `file.remove` and one Event per host. This also covers a transfer whose job ran in an earlier
 * process (a restart): the staged files are found by the paths the status names. A verified file under its final
 * name (a shared cache entry) is never removed. A Host that cannot be reached fails the cleanup (the finalizer
 * stays, retried with backoff) unless the transfer carries the force-delete annotation.
 */
import { IMAGE_TRANSFER_REASONS as R } from '../../api/v1alpha1/condition.js';
import { FORCE_DELETE_ANNOTATION } from '../../api/v1alpha1/finalizers.js';
import type { ImageTransfer } from '../../api/v1alpha1/image-transfer.js';
import { CommandFailedError } from '../../errors/command-failed-error.js';
import { runAudited } from '../../security/audit-action.js';
import type { AuditSink } from '../../security/audit-log.js';
import { REMOVE_ARGV } from '../../transfer/remote-scripts.js';
import { stagingPaths } from '../../transfer/transfer-plan.js';
import { auditRef } from './plan-transfer.js';
import type { TransferEventSink } from './transfer-events.js';
import type { TransferHostAccess } from './transfer-hosts.js';

export interface CleanupDeps {
  access: TransferHostAccess;
  audit: AuditSink;
  events: TransferEventSink;
  commandTimeoutMs: number;
}

/** Removes the staged files of every unfinished destination; resolves with the hosts it cleaned. */
export async function removeStagedFiles(transfer: ImageTransfer, deps: CleanupDeps, signal: AbortSignal): Promise<string[]> {
  const forced = transfer.metadata?.annotations?.[FORCE_DELETE_ANNOTATION] === 'true';
  const unfinished = (transfer.status?.destinations ?? []).filter((d) => d.path !== undefined && d.verified !== true);
  const cleaned: string[] = [];
  const resource = auditRef(transfer);
  for (const destination of unfinished) {
    const { part, manifest } = stagingPaths(destination.path ?? '');
    const host = deps.access.host(destination.host);
    try {
      await runAudited(deps.audit, { resource, host: destination.host, action: 'file.remove', arguments: { paths: [part, manifest] } }, async () => {
        const result = await host.session.exec(REMOVE_ARGV([part, manifest]), { signal, timeoutMs: deps.commandTimeoutMs, audit: { resource } });
        if (result.code !== 0) throw new CommandFailedError(destination.host, REMOVE_ARGV([part, manifest]).join(' '), result.code, result.stderr, { retryable: true });
      });
    } catch (error) {
      if (forced && !signal.aborted) continue;
      throw error;
    }
    await deps.events.event(transfer, 'Normal', R.FileRemoved, `${destination.host}: removed ${part}, ${manifest}`);
    cleaned.push(destination.host);
  }
  return cleaned;
}
