/**
 * [REQ-01][REQ-04][REQ-05] Events of an ImageTransfer: one per change of a condition's reason (Warning when the
 * transfer stalled, failed or did not verify), so every Warning Event has a condition of the same reason and an
 * unchanged transfer records nothing; and one per file the engine wrote, renamed or removed on a host, taken from
 * the engine's own audit records (`file.write`, `file.rename`, `file.remove`) as they are written.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { IMAGE_TRANSFER_CONDITIONS as C, IMAGE_TRANSFER_REASONS as R } from '../../api/v1alpha1/condition.js';
import type { ImageTransfer, ImageTransferStatus } from '../../api/v1alpha1/image-transfer.js';
import { findCondition } from '../../controller/conditions.js';
import type { AuditSink } from '../../security/audit-log.js';
import type { AuditEntryInput } from '../../security/audit-record.js';

export interface TransferEventSink {
  event(object: KubernetesObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void>;
}

const WATCHED = [C.Progressing, C.Stalled, C.Verified, C.Complete];
const QUIET = new Set<string>([R.Pending, R.Transferring]);

function isWarning(type: string, status: string, reason: string): boolean {
  if (type === C.Stalled) return status === 'True';
  if (type === C.Progressing) return status === 'False' && reason !== R.Succeeded && !QUIET.has(reason);
  return status === 'False' && !QUIET.has(reason);
}

export async function recordTransferEvents(sink: TransferEventSink, stored: ImageTransfer, previous: ImageTransferStatus | undefined): Promise<void> {
  for (const type of WATCHED) {
    const before = findCondition(previous?.conditions, type);
    const after = findCondition(stored.status?.conditions, type);
    if (after === undefined || (before?.status === after.status && before.reason === after.reason)) continue;
    if (type !== C.Progressing && QUIET.has(after.reason)) continue;
    if (type === C.Stalled && after.status === 'False' && before === undefined) continue;
    await sink.event(stored, isWarning(type, after.status, after.reason) ? 'Warning' : 'Normal', after.reason, `${type}: ${after.message}`);
  }
}

const FILE_ACTIONS: Record<string, { reason: string; verb: string }> = {
  'file.write': { reason: R.FileWritten, verb: 'wrote' },
  'file.rename': { reason: R.FileRenamed, verb: 'renamed' },
  'file.remove': { reason: R.FileRemoved, verb: 'removed' },
};

function describeFile(entry: AuditEntryInput): string {
  const args = entry.arguments ?? {};
  if (entry.action === 'file.rename') return `${String(args['from'])} to ${String(args['to'])}`;
  if (entry.action === 'file.remove') return (args['paths'] as unknown[] | undefined)?.map(String).join(', ') ?? '';
  return String(args['path']);
}

/** An AuditSink that writes every record to `audit` and turns the successful file actions into Events on `transfer`. */
export function fileEventsAudit(audit: AuditSink, sink: TransferEventSink, transfer: ImageTransfer): AuditSink {
  return {
    record(entry) {
      const record = audit.record(entry);
      const action = FILE_ACTIONS[entry.action];
      if (action !== undefined && entry.outcome === 'success') void sink.event(transfer, 'Normal', action.reason, `${entry.host ?? '?'}: ${action.verb} ${describeFile(entry)}`);
      return record;
    },
  };
}
