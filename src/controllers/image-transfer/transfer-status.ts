/**
 * [REQ-01][REQ-04] What an ImageTransfer's status should say, as a pure function of what the reconcile found: the
 * engine job's latest progress (or a spec that cannot be carried out, or a wait for a Host or Secret), the status
 * before and the time. Phase, bytes, "42%", rate and eta like CDI's, one entry per destination, the conditions
 * Progressing, Stalled, Verified and Complete, start and completion times, and the source's digest as computed on its
 * host when the spec names none. Byte counts never go backwards: a new
 * job (after a restart) starts counting at zero and resumes, and the status keeps the larger of old and new.
 */
import { COMMON_REASONS, IMAGE_TRANSFER_CONDITIONS as C, IMAGE_TRANSFER_REASONS as R, ERROR_REASONS, type Condition } from '../../api/v1alpha1/condition.js';
import type { DestinationStatus, ImageTransfer, ImageTransferStatus, TransferPhase } from '../../api/v1alpha1/image-transfer.js';
import { setCondition, toKubeTime, type ConditionUpdate } from '../../controller/conditions.js';
import type { DestinationProgress, TransferProgress } from '../../transfer/transfer-progress.js';

export type TransferObservation =
  /** The spec cannot be carried out (InvalidSpec, SchemeNotAllowed): Failed, no retry. */
  | { kind: 'refused'; reason: string; message: string }
  /** Waiting for something outside (a Host, a Secret, a transfer slot): Pending. */
  | { kind: 'waiting'; reason: string; message: string }
  | { kind: 'running'; progress: TransferProgress; startedAt: number; rateBytesPerSecond: number; base: ReadonlyMap<string, DestinationBase> };

/** What earlier jobs (before a restart or a retry) counted for a destination. */
export interface DestinationBase {
  attempts: number;
  bytesSent: number;
}

type Update = Omit<ConditionUpdate, 'observedGeneration'>;

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** `112MiB/s`-style rate. */
export function formatRate(bytesPerSecond: number): string {
  let value = bytesPerSecond;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 || unit === 0 ? Math.round(value) : value.toFixed(1)}${UNITS[unit]}/s`;
}

/** `1h2m3s`-style duration, whole seconds. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${h > 0 ? `${h}h` : ''}${h > 0 || m > 0 ? `${m}m` : ''}${s}s`;
}

/** Whole percent, rounded down: 100% only once every byte is in place. */
export function formatProgress(done: number, total: number): string {
  if (total <= 0) return done > 0 ? '100%' : '0%';
  return `${Math.min(100, Math.floor((done * 100) / total))}%`;
}

const NO_BASE: DestinationBase = { attempts: 0, bytesSent: 0 };
const TERMINAL: readonly TransferPhase[] = ['Succeeded', 'Failed'];

function destinationPhase(progress: DestinationProgress): TransferPhase {
  return progress.phase === 'Retrying' ? 'Transferring' : progress.phase;
}

function destinationStatus(progress: DestinationProgress, previous: DestinationStatus | undefined, base: DestinationBase): DestinationStatus {
  const started = progress.phase !== 'Pending';
  const message = progress.phase === 'Retrying' ? `retrying: ${progress.message ?? ''}` : progress.message;
  return {
    host: progress.host,
    phase: destinationPhase(progress),
    bytesTransferred: Math.max(previous?.bytesTransferred ?? 0, progress.bytesTransferred),
    bytesSent: base.bytesSent + progress.bytesSent,
    attempts: base.attempts + progress.attempts,
    resumedFromBytes: started ? progress.resumedFromBytes : previous?.resumedFromBytes ?? 0,
    verified: progress.verified,
    path: progress.path,
    ...(progress.reason === undefined || progress.phase === 'Succeeded' ? {} : { reason: progress.reason }),
    ...(message === undefined || progress.phase === 'Succeeded' ? {} : { message }),
  };
}

function runningConditions(progress: TransferProgress, destinations: DestinationStatus[]): Update[] {
  const failed = progress.destinations.filter((d) => d.phase === 'Failed');
  const stalled = progress.destinations.filter((d) => d.phase === 'Retrying' && d.reason === ERROR_REASONS.Stalled);
  const mismatch = failed.find((d) => d.reason === ERROR_REASONS.DigestMismatch);
  const describe = (list: DestinationProgress[]): string => list.map((d) => `${d.host}: ${d.message ?? d.reason ?? d.phase}`).join('; ');
  const resumed = destinations.some((d) => (d.resumedFromBytes ?? 0) > 0);
  const { phase } = progress;
  const firstReason = failed[0]?.reason ?? R.Failed;
  const progressing: Update = phase === 'Succeeded'
    ? { type: C.Progressing, status: 'False', reason: R.Succeeded, message: 'every destination holds the verified image' }
    : phase === 'Failed'
      ? { type: C.Progressing, status: 'False', reason: firstReason, message: describe(failed) }
      : { type: C.Progressing, status: 'True', reason: phase === 'Pending' ? R.Pending : resumed ? R.Resumed : R.Transferring, message: `${phase.toLowerCase()} to ${progress.destinations.length} destinations` };
  const stall: Update = stalled.length > 0
    ? { type: C.Stalled, status: 'True', reason: R.InactivityTimeout, message: `${describe(stalled)}; retried with backoff, resuming from the manifest` }
    : { type: C.Stalled, status: 'False', reason: TERMINAL.includes(phase) ? (phase === 'Succeeded' ? R.Succeeded : R.Failed) : R.Transferring, message: 'no destination is stalled' };
  const verified: Update = progress.destinations.every((d) => d.verified)
    ? { type: C.Verified, status: 'True', reason: R.DigestVerified, message: 'sha256 checked on every destination with openssl before the rename' }
    : mismatch !== undefined
      ? { type: C.Verified, status: 'False', reason: R.DigestMismatch, message: describe([mismatch]) }
      : phase === 'Failed'
        ? { type: C.Verified, status: 'False', reason: firstReason, message: describe(failed) }
        : { type: C.Verified, status: 'Unknown', reason: R.Pending, message: 'verified on each destination before its rename' };
  const complete: Update = phase === 'Succeeded'
    ? { type: C.Complete, status: 'True', reason: R.Succeeded, message: 'the image is in place on every destination' }
    : phase === 'Failed'
      ? { type: C.Complete, status: 'False', reason: firstReason, message: describe(failed) }
      : { type: C.Complete, status: 'False', reason: phase === 'Pending' ? R.Pending : R.Transferring, message: 'in progress' };
  return [progressing, stall, verified, complete];
}

function withConditions(previous: readonly Condition[] | undefined, updates: Update[], generation: number | undefined, now: Date): Condition[] {
  let conditions = [...(previous ?? [])];
  for (const update of updates) conditions = setCondition(conditions, { ...update, ...(generation === undefined ? {} : { observedGeneration: generation }) }, now);
  return conditions;
}

export function desiredTransferStatus(transfer: ImageTransfer, observation: TransferObservation, now: Date): ImageTransferStatus {
  const previous = transfer.status ?? {};
  const generation = transfer.metadata?.generation;
  if (observation.kind !== 'running') {
    const refused = observation.kind === 'refused';
    const reason = observation.reason === ERROR_REASONS.InvalidSpec ? COMMON_REASONS.InvalidSpec : observation.reason;
    const updates: Update[] = [{ type: C.Progressing, status: 'False', reason, message: observation.message }];
    if (refused) updates.push({ type: C.Complete, status: 'False', reason, message: observation.message });
    const { rate: _rate, eta: _eta, ...kept } = previous;
    return {
      ...kept,
      phase: refused ? 'Failed' : previous.phase === undefined || previous.phase === 'Pending' ? 'Pending' : previous.phase,
      conditions: withConditions(previous.conditions, updates, generation, now),
      ...(refused && previous.completionTime === undefined ? { completionTime: toKubeTime(now) } : {}),
    };
  }
  const { progress } = observation;
  const before = new Map((previous.destinations ?? []).map((d) => [d.host, d]));
  const destinations = progress.destinations.map((d) => destinationStatus(d, before.get(d.host), observation.base.get(d.host) ?? NO_BASE));
  const bytesTotal = progress.bytesTotal > 0 ? progress.bytesTotal : previous.bytesTotal ?? 0;
  const bytesTransferred = Math.max(previous.bytesTransferred ?? 0, progress.bytesTransferred);
  const terminal = TERMINAL.includes(progress.phase);
  const rate = observation.rateBytesPerSecond;
  const moving = !terminal && rate > 0;
  // Without spec.digest, the digest the engine computed on the source host (kept once known).
  const computed = transfer.spec.digest === undefined && progress.sha256 !== undefined ? `sha256:${progress.sha256}` : undefined;
  const sourceDigest = computed ?? previous.sourceDigest;
  return {
    phase: progress.phase,
    bytesTotal,
    bytesTransferred,
    progress: formatProgress(bytesTransferred, bytesTotal),
    ...(moving ? { rate: formatRate(rate), eta: formatDuration(((bytesTotal - bytesTransferred) * 1000) / rate) } : {}),
    destinations,
    ...(sourceDigest === undefined ? {} : { sourceDigest }),
    conditions: withConditions(previous.conditions, runningConditions(progress, destinations), generation, now),
    startTime: previous.startTime ?? toKubeTime(new Date(observation.startedAt)),
    ...(terminal ? { completionTime: previous.completionTime ?? toKubeTime(now) } : {}),
  };
}
