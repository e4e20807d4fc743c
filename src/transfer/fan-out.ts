/**
 * [REQ-04] One attempt of a transfer: the source is read once, from the earliest chunk any destination still
 * needs, and every chunk goes to every destination that needs it concurrently. The next chunk is read and hashed
 * (in a worker, chunk-hasher.ts) while the current one is being written (read-ahead of READ_AHEAD), and the next chunk
 * goes out only when every live destination has taken the current one (chunk-writer.ts: at most one chunk of
 * unacknowledged bytes), so the slowest destination sets the pace. A destination that fails or makes no progress
 * for the inactivity timeout is dropped alone; the others go on. From chunk 0, each chunk then goes to the whole-image
 * hash (a second worker), which may lag up to IMAGE_HASH_BEHIND data chunks behind the sending.
 */
import { sleep, type Clock } from '../time/clock.js';
import { ChunkHasher, ImageHasher, type HashedChunk, type ImageDigests } from './chunk-hasher.js';
import { ChunkMemory } from './chunk-memory.js';
import type { DestinationStage } from './destination-stage.js';
import type { OpenedSource } from './source-chunks.js';
import { TransferStalledError } from './transfer-errors.js';

export interface FanOutTarget {
  stage: DestinationStage;
  /** First chunk this destination needs. */
  resumeIndex: number;
  /** Called after each chunk was sent, with the end offset of what the host acknowledged as in place. */
  onChunk(placedBytes: number, bytesSentNow: number): void;
  /** Called once when the destination is dropped from this attempt. */
  onDrop(error: Error): void;
  /** Called once its file was verified and renamed into place. */
  onVerifying(): void;
  onDone(): void;
}

export interface FanOutOptions {
  chunkSizeBytes: number;
  bandwidthLimitBytesPerSecond: number;
  inactivityTimeoutMs: number;
  clock: Clock;
  signal: AbortSignal;
}

/** Chunks read (and hashed) ahead of the one being sent: reading, hashing and sending overlap. */
const READ_AHEAD = 3;
/** Data chunks sent but not yet through the whole-image hash, at most (it may lag while it hashes a run of holes). */
const IMAGE_HASH_BEHIND = 3;

interface LiveTarget {
  target: FanOutTarget;
  dropped: boolean;
  /** True while a chunk is being written to it: only then can it stall (waiting for slower ones is not a stall). */
  busy: boolean;
  lastActivity: number;
  sentThisAttempt: number;
  startedAt: number;
}

/** Runs the attempt. Resolves when every target is done or dropped; rejects only with the source's error. */
export async function fanOut(source: OpenedSource, targets: readonly FanOutTarget[], options: FanOutOptions): Promise<void> {
  const { clock } = options;
  const live: LiveTarget[] = targets.map((target) => ({ target, dropped: false, busy: false, lastActivity: clock.now(), sentThisAttempt: 0, startedAt: clock.now() }));
  const drop = (entry: LiveTarget, error: Error): void => {
    if (entry.dropped) return;
    entry.dropped = true;
    // Bytes of a chunk cut off mid-way went over the wire too.
    const unreported = entry.target.stage.takeSentBytes();
    entry.target.stage.abortWriter();
    if (unreported > 0) entry.target.onChunk(0, unreported);
    entry.target.onDrop(error);
  };
  const watchdog = startWatchdog(live, options, drop);
  try {
    await Promise.all(live.map(async (entry) => {
      try {
        entry.busy = true;
        await entry.target.stage.open(options.signal, () => {
          entry.lastActivity = clock.now();
        });
        entry.busy = false;
      } catch (error) {
        drop(entry, error as Error);
      }
    }));
    const first = Math.min(...live.filter((e) => !e.dropped).map((e) => e.target.resumeIndex));
    const digests = Number.isFinite(first) ? await pump(source, first, live, options, drop) : undefined;
    await Promise.all(live.filter((e) => !e.dropped).map(async (entry) => {
      try {
        entry.lastActivity = clock.now();
        entry.target.onVerifying();
        await entry.target.stage.finish(options.signal, digests);
        entry.target.onDone();
      } catch (error) {
        drop(entry, error as Error);
      }
    }));
  } finally {
    watchdog.cancel();
  }
}

async function pump(
  source: OpenedSource,
  first: number,
  live: LiveTarget[],
  options: FanOutOptions,
  drop: (entry: LiveTarget, error: Error) => void,
): Promise<ImageDigests | undefined> {
  const memory = new ChunkMemory(READ_AHEAD + 2 + IMAGE_HASH_BEHIND);
  const chunks = source.chunks(first, options.chunkSizeBytes, memory, options.signal)[Symbol.asyncIterator]();
  const hasher = new ChunkHasher();
  // From chunk 0 the image is hashed whole as well, so the destinations can verify a sparse file by its chunks.
  const image = first === 0 ? new ImageHasher() : undefined;
  const imageBehind: Array<Promise<unknown>> = [];
  // Each chunk is hashed as soon as it is read; up to READ_AHEAD chunks are being read and hashed while one is sent.
  const pull = (): Promise<HashedChunk | undefined> => {
    const next = chunks.next().then((result) => (result.done ? undefined : hasher.hash(result.value)));
    next.catch(() => undefined);
    return next;
  };
  const ahead = Array.from({ length: READ_AHEAD }, pull);
  try {
    for (;;) {
      const hashed = await ahead.shift()!;
      if (!hashed) {
        if (live.every((entry) => entry.dropped)) return undefined;
        return await image?.digests();
      }
      ahead.push(pull());
      const { chunk, digest } = hashed;
      const receivers = live.filter((entry) => !entry.dropped && chunk.index >= entry.target.resumeIndex);
      const taken = await Promise.all(receivers.map(async (entry) => {
        try {
          entry.busy = true;
          entry.lastActivity = options.clock.now();
          const { placedBytes: placed, sentBytes: sent } = await entry.target.stage.write(chunk, digest);
          entry.busy = false;
          entry.sentThisAttempt += sent;
          entry.lastActivity = options.clock.now();
          entry.target.onChunk(placed, sent);
          await pace(entry, options);
          return true;
        } catch (error) {
          drop(entry, error as Error);
          return false;
        }
      }));
      // Every channel took the bytes over, so the buffer may be reused once the image hash read it too (a failed
      // channel may still hold them: that buffer is left to the GC).
      const reusable = chunk.data !== undefined && taken.every(Boolean);
      if (image) {
        const hashedWhole = image.add(chunk).then(() => reusable && memory.give(chunk.data!));
        hashedWhole.catch(() => undefined);
        if (chunk.data) imageBehind.push(hashedWhole);
        if (imageBehind.length > IMAGE_HASH_BEHIND) await imageBehind.shift();
      } else if (reusable) memory.give(chunk.data!);
      if (live.every((entry) => entry.dropped)) return undefined;
    }
  } catch (error) {
    // The source failed: end every writer after its last whole chunk, so the next attempt resumes there.
    await Promise.all(live.filter((e) => !e.dropped).map((entry) => entry.target.stage.closeWriter().catch(() => undefined)));
    for (const entry of live) drop(entry, error as Error);
    throw error;
  } finally {
    await chunks.return?.();
    await Promise.all([hasher.close(), image?.close()]);
  }
}

/** Waits until this attempt's bytes to the destination are within its bandwidth limit. */
async function pace(entry: LiveTarget, options: FanOutOptions): Promise<void> {
  const limit = options.bandwidthLimitBytesPerSecond;
  if (limit <= 0) return;
  const due = entry.startedAt + (entry.sentThisAttempt / limit) * 1000;
  const wait = due - options.clock.now();
  if (wait > 0) {
    await sleep(options.clock, wait, options.signal);
    entry.lastActivity = options.clock.now();
  }
}

function startWatchdog(live: LiveTarget[], options: FanOutOptions, drop: (entry: LiveTarget, error: Error) => void): { cancel(): void } {
  const period = Math.max(50, Math.floor(options.inactivityTimeoutMs / 4));
  let timer = options.clock.setTimeout(check, period);
  function check(): void {
    const now = options.clock.now();
    for (const entry of live) {
      const idle = now - entry.lastActivity;
      if (!entry.dropped && entry.busy && idle > options.inactivityTimeoutMs) drop(entry, new TransferStalledError(entry.target.stage.host, idle));
    }
    timer = options.clock.setTimeout(check, period);
  }
  return { cancel: () => timer.cancel() };
}
