/**
 * [REQ-04] What every source hands the fan-out: the image's size and its chunks in order from a chunk index,
 * each either bytes or a known hole. `rechunk` cuts any byte stream into fixed-size chunks, and `isAllZero`
 * finds the chunks that stay holes. Chunk bytes live in buffers from the attempt's ChunkMemory (reused, and
 * read in place by the hash workers).
 */
import type { ChunkMemory } from './chunk-memory.js';

export interface SourceChunk {
  index: number;
  offset: number;
  length: number;
  /** Undefined for a chunk known to be all zeros (a hole in the source, or zeros read and dropped). */
  data?: Buffer;
}

export interface OpenedSource {
  sizeBytes: number;
  /** Bytes of the image that are data (size minus holes) when the source knows its extents. */
  dataBytes?: number;
  /** Chunks `fromIndex`.. to the end, their bytes in buffers from `memory`. Stops with the signal. */
  chunks(fromIndex: number, chunkSizeBytes: number, memory: ChunkMemory, signal: AbortSignal): AsyncIterable<SourceChunk>;
  /** How the source was read, for progress and tests (e.g. Range requests made). */
  readonly stats: SourceStats;
}

export interface SourceStats {
  /** Bytes received from the source. */
  bytesRead: number;
  /** Reads that started past offset 0 without reading the bytes before it (Range request or offset read). */
  rangedReads: number;
}

const ZEROS = Buffer.alloc(1024 * 1024);

export function isAllZero(buffer: Buffer): boolean {
  for (let at = 0; at < buffer.length; at += ZEROS.length) {
    const end = Math.min(at + ZEROS.length, buffer.length);
    if (!buffer.subarray(at, end).equals(ZEROS.subarray(0, end - at))) return false;
  }
  return true;
}

/**
 * Cuts `pieces` (the bytes from `startOffset`, a chunk boundary, to `endOffset`) into chunks of `chunkSizeBytes`
 * (the last may be shorter), each in a buffer from `memory`. All-zero chunks come out without data (their buffer
 * goes straight back). Throws if the stream ends early.
 */
export async function* rechunk(
  pieces: AsyncIterable<Buffer>,
  startOffset: number,
  endOffset: number,
  chunkSizeBytes: number,
  memory: ChunkMemory,
): AsyncGenerator<SourceChunk> {
  let offset = startOffset;
  let buffer = memory.take(Math.min(chunkSizeBytes, endOffset - offset));
  let filled = 0;
  for await (const piece of pieces) {
    let at = 0;
    while (at < piece.length && offset < endOffset) {
      const take = Math.min(piece.length - at, buffer.length - filled);
      piece.copy(buffer, filled, at, at + take);
      filled += take;
      at += take;
      if (filled === buffer.length) {
        const length = buffer.length;
        yield chunkOf(buffer, offset, chunkSizeBytes, memory);
        offset += length;
        if (offset >= endOffset) return;
        buffer = memory.take(Math.min(chunkSizeBytes, endOffset - offset));
        filled = 0;
      }
    }
  }
  if (offset < endOffset) throw new Error(`the source ended at byte ${offset + filled}, expected ${endOffset}`);
}

/** The chunk at `offset` held in `data`: without data (its buffer given back) when it is all zeros. */
function chunkOf(data: Buffer, offset: number, chunkSizeBytes: number, memory: ChunkMemory): SourceChunk {
  const index = Math.floor(offset / chunkSizeBytes);
  if (!isAllZero(data)) return { index, offset, length: data.length, data };
  memory.give(data);
  return { index, offset, length: data.length };
}
