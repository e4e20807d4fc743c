/**
 * [REQ-04] A file on a host as a transfer source. The size comes from `stat`, the data extents from
 * `qemu-img map --output=json` (SEEK_DATA/SEEK_HOLE), so holes are never read: only runs of chunks that hold
 * data are read, each with one offset read (`dd iflag=skip_bytes,count_bytes`) on the source host's session.
 */
import { CommandFailedError } from '../errors/command-failed-error.js';
import type { AuditContext } from '../ssh/remote-process.js';
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
export function dataChunkRuns(extents: readonly Extent[], chunkSizeBytes: number): Array<{ first: number; end: number }> {
  const runs: Array<{ first: number; end: number }> = [];
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
  let next = fromIndex;
  const holesUntil = function* (end: number): Generator<SourceChunk> {
    for (; next < end; next++) {
      const offset = next * chunkSizeBytes;
      yield { index: next, offset, length: Math.min(chunkSizeBytes, sizeBytes - offset) };
    }
  };
  for (const run of dataChunkRuns(extents, chunkSizeBytes)) {
    if (run.end <= next) continue;
    yield* holesUntil(run.first);
    const start = next * chunkSizeBytes;
    const end = Math.min(run.end * chunkSizeBytes, sizeBytes);
    yield* readRange(host, path, start, end, chunkSizeBytes, memory, stats, audit, signal);
    next = run.end;
  }
  yield* holesUntil(total);
}

async function* readRange(
  host: TransferHost,
  path: string,
  start: number,
  end: number,
  chunkSizeBytes: number,
  memory: ChunkMemory,
  stats: SourceStats,
  audit: AuditContext,
  signal: AbortSignal,
): AsyncGenerator<SourceChunk> {
  const argv = ['dd', `if=${path}`, 'bs=1M', `skip=${start}`, `count=${end - start}`, 'iflag=skip_bytes,count_bytes', 'status=none'];
  const reader = await host.session.spawn(argv, { signal, audit, timeoutMs: 0 });
  reader.stdin.end();
  if (start > 0) stats.rangedReads += 1;
  const stderr: Buffer[] = [];
  reader.stderr.on('data', (piece: Buffer) => stderr.push(piece));
  // Iterated without destroy-on-return: when the run is complete the rest of the stream (its EOF) still has to
  // flow out, because ssh2 emits the channel's 'close' (which ends the process and frees its channel slot) only
  // after stdout emitted 'end'.
  const pieces = (async function* () {
    for await (const piece of reader.stdout.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      stats.bytesRead += piece.length;
      yield piece;
    }
  })();
  let complete = false;
  try {
    yield* rechunk(pieces, start, end, chunkSizeBytes, memory);
    complete = true;
  } catch (error) {
    reader.stdout.destroy();
    reader.stdout.resume();
    const status = await reader.exit.catch(() => undefined);
    throw new CommandFailedError(host.name, argv.join(' '), status?.code ?? null, Buffer.concat(stderr).toString('utf8'), { retryable: true, cause: error });
  } finally {
    // Not read to the end (the consumer stopped): closing the channel ends dd.
    if (!complete) reader.stdout.destroy();
    reader.stdout.resume();
  }
}
