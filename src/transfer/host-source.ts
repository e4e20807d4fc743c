/**
 * [REQ-04] A file on a host as a transfer source. The size comes from `stat`, the data extents from
 * `qemu-img map --output=json` (SEEK_DATA/SEEK_HOLE), so holes are never read: only runs of chunks that hold
 * data are read, all by one reader process on the source host's session (CHUNK_READER_PERL: the runs of data
 * chunks one after the other on one channel, so no run waits for a channel or a process to start).
 */
import { CommandFailedError } from '../errors/command-failed-error.js';
import type { AuditContext } from '../ssh/remote-process.js';
import { CHUNK_READER_PERL, chunkRunLines, READ_CHUNKS_SCRIPT, shArgv, type ChunkRun } from './remote-scripts.js';
import type { ChunkMemory } from './chunk-memory.js';
import { rechunk, type OpenedSource, type SourceChunk, type SourceStats } from './source-chunks.js';
import type { TransferHost } from './transfer-plan.js';
import { SourceNotFoundError } from './transfer-errors.js';

export interface Extent {
  start: number;
  length: number;
}

interface QemuImgMapEntry {
  start: number;
  length: number;
  data: boolean;
}

/** Data extents from `qemu-img map --output=json` (entries whose `data` is true), merged when adjacent. */
export function dataExtents(mapJson: string): Extent[] {
  const extents: Extent[] = [];
  for (const entry of JSON.parse(mapJson) as QemuImgMapEntry[]) {
    if (!entry.data) continue;
    const last = extents.at(-1);
    if (last && last.start + last.length === entry.start) last.length += entry.length;
    else extents.push({ start: entry.start, length: entry.length });
  }
  return extents;
}

/** Runs of chunk indices [first, end) that touch a data extent; chunks outside every run are holes. */
export function dataChunkRuns(extents: readonly Extent[], chunkSizeBytes: number): ChunkRun[] {
  const runs: ChunkRun[] = [];
  for (const extent of extents) {
    const first = Math.floor(extent.start / chunkSizeBytes);
    const end = Math.ceil((extent.start + extent.length) / chunkSizeBytes);
    const last = runs.at(-1);
    if (last && first <= last.end) last.end = Math.max(last.end, end);
    else runs.push({ first, end });
  }
  return runs;
}

export async function openHostSource(host: TransferHost, path: string, audit: AuditContext, signal: AbortSignal): Promise<OpenedSource> {
  const label = `${host.name}:${path}`;
  const stat = await host.session.exec(['stat', '-L', '-c', '%s', '--', path], { signal, audit });
  if (stat.code !== 0) throw new SourceNotFoundError(label, stat.stderr.trim());
  const sizeBytes = Number(stat.stdout.trim());
  const map = await host.session.exec(['qemu-img', 'map', '--output=json', '-f', 'raw', '--', path], { signal, audit, check: true });
  const extents = dataExtents(map.stdout);
  const stats: SourceStats = { bytesRead: 0, rangedReads: 0 };
  return {
    sizeBytes,
    dataBytes: extents.reduce((sum, extent) => sum + extent.length, 0),
    stats,
    chunks: (fromIndex, chunkSizeBytes, memory, chunkSignal) => readRuns(host, path, sizeBytes, extents, fromIndex, chunkSizeBytes, memory, stats, audit, chunkSignal),
  };
}

async function* readRuns(
  host: TransferHost,
  path: string,
  sizeBytes: number,
  extents: readonly Extent[],
  fromIndex: number,
  chunkSizeBytes: number,
  memory: ChunkMemory,
  stats: SourceStats,
  audit: AuditContext,
  signal: AbortSignal,
): AsyncGenerator<SourceChunk> {
  const total = Math.ceil(sizeBytes / chunkSizeBytes);
  const runs = dataChunkRuns(extents, chunkSizeBytes)
    .filter((run) => run.end > fromIndex)
    .map((run) => ({ first: Math.max(run.first, fromIndex), end: Math.min(run.end, total) }));
  let next = fromIndex;
  const holesUntil = function* (end: number): Generator<SourceChunk> {
    for (; next < end; next++) {
      const offset = next * chunkSizeBytes;
      yield { index: next, offset, length: Math.min(chunkSizeBytes, sizeBytes - offset) };
    }
  };
  if (runs.length > 0) {
    const argv = shArgv(READ_CHUNKS_SCRIPT, [path, chunkSizeBytes, CHUNK_READER_PERL]);
    const local = new AbortController();
    const reader = await host.session.spawn(argv, { signal: AbortSignal.any([signal, local.signal]), audit, timeoutMs: 0 });
    reader.stdin.end(chunkRunLines(runs));
    if (runs[0]!.first > 0) stats.rangedReads += 1;
    const stderr: Buffer[] = [];
    reader.stderr.on('data', (piece: Buffer) => stderr.push(piece));
    // Iterated without destroy-on-return: once every run is read, the rest of the stream (its EOF) still has to
    // flow out, because ssh2 emits the channel's 'close' (which ends the process and frees its channel slot) only
    // after stdout emitted 'end'.
    const pieces = new PieceReader(reader.stdout.iterator({ destroyOnReturn: false }) as AsyncIterator<Buffer>, stats);
    let complete = false;
    try {
      for (const run of runs) {
        yield* holesUntil(run.first);
        const start = run.first * chunkSizeBytes;
        const end = Math.min(run.end * chunkSizeBytes, sizeBytes);
        yield* rechunk(pieces.take(end - start), start, end, chunkSizeBytes, memory);
        next = run.end;
      }
      complete = true;
    } catch (error) {
      await pieces.close();
      reader.stdout.resume();
      const status = await reader.exit.catch(() => undefined);
      throw new CommandFailedError(host.name, 'sh -c <chunk reader>', status?.code ?? null, Buffer.concat(stderr).toString('utf8'), { retryable: true, cause: error });
    } finally {
      // Not read to the end (the consumer stopped): the reader is terminated and its channel closed.
      if (!complete) local.abort(new Error('the chunk reader was stopped'));
      await pieces.close();
      reader.stdout.resume();
    }
  }
  yield* holesUntil(total);
}

/** One stream of pieces cut into consecutive byte counts (the runs of chunks, one after the other). */
class PieceReader {
  private rest: Buffer | undefined;

  constructor(
    private readonly source: AsyncIterator<Buffer>,
    private readonly stats: SourceStats,
  ) {}

  /** Stops reading (the stream's iterator lets go of it without destroying it, so that it can flow out). */
  async close(): Promise<void> {
    await this.source.return?.();
  }

  /** The next `count` bytes of the stream (fewer if it ends); what a piece holds beyond them stays for the next take. */
  async *take(count: number): AsyncGenerator<Buffer> {
    for (let left = count; left > 0;) {
      let piece = this.rest;
      this.rest = undefined;
      if (!piece) {
        const result = await this.source.next();
        if (result.done) return;
        piece = result.value;
        this.stats.bytesRead += piece.length;
      }
      if (piece.length > left) {
        this.rest = piece.subarray(left);
        piece = piece.subarray(0, left);
      }
      left -= piece.length;
      yield piece;
    }
  }
}
