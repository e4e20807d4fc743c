/**
 * [REQ-04] What the engine reports while it works: one snapshot per change, per destination and overall.
 * Byte counts only grow; `bytesSent` counts what went over the wire (holes are not sent), so bytes re-sent
 * after a resume and the savings of sparse transfers can be read from it.
 */
export type DestinationPhase = 'Pending' | 'Transferring' | 'Verifying' | 'Retrying' | 'Succeeded' | 'Failed';

export interface DestinationProgress {
  host: string;
  path: string;
  phase: DestinationPhase;
  /** Bytes of the image that are in place on the host (holes included). */
  bytesTransferred: number;
  /** Bytes written over SSH to this host, over all attempts. */
  bytesSent: number;
  attempts: number;
  /** Where the latest attempt resumed (0 for a fresh start). */
  resumedFromBytes: number;
  verified: boolean;
  /** The file was already there (cache hit): nothing was sent. */
  alreadyPresent: boolean;
  /** The reason constant of the last failure (e.g. Stalled, InsufficientStorage). */
  reason?: string;
  message?: string;
}

export type TransferPhase = 'Pending' | 'Transferring' | 'Verifying' | 'Succeeded' | 'Failed';

export interface TransferProgress {
  phase: TransferPhase;
  bytesTotal: number;
  /** Bytes in place on the slowest destination still in the running. */
  bytesTransferred: number;
  destinations: DestinationProgress[];
  /** The source's SHA-256 once known: the plan's, or the one computed on the source host for a plan without one. */
  sha256?: string;
  /** Source reads, for tests and benchmarks. */
  source: { bytesRead: number; rangedReads: number };
}

/** The overall phase from the destinations' phases. */
export function overallPhase(destinations: readonly DestinationProgress[]): TransferPhase {
  if (destinations.every((d) => d.phase === 'Succeeded')) return 'Succeeded';
  if (destinations.every((d) => d.phase === 'Succeeded' || d.phase === 'Failed')) return 'Failed';
  if (destinations.some((d) => d.phase === 'Verifying')) return 'Verifying';
  if (destinations.some((d) => d.phase === 'Transferring' || d.phase === 'Retrying')) return 'Transferring';
  return 'Pending';
}

/** Bytes in place on the slowest destination that has not failed (all of them when every one failed). */
export function overallBytes(destinations: readonly DestinationProgress[]): number {
  const live = destinations.filter((d) => d.phase !== 'Failed');
  const counted = live.length > 0 ? live : destinations;
  return counted.length === 0 ? 0 : Math.min(...counted.map((d) => d.bytesTransferred));
}
