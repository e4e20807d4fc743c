/**
 * [REQ-04] Chunk buffers reused within one attempt, in shared memory. A fresh chunk-sized buffer costs a page
 * fault per 4 KiB page on first touch (copying a source's pieces into fresh 8 MiB buffers ran at 0.2-1 GB/s on this
 * machine, against 11-18 GB/s into a reused one), so a chunk's buffer goes back here once nothing holds it any more
 * (hashed, and taken over by every SSH channel it was written to), and the next chunk of that length is read into
 * it. The buffers are SharedArrayBuffers: the hash workers read them in place, so no chunk is copied or moved to
 * a worker and back (each move made a new 8 MiB ArrayBuffer on the main thread, and their churn kept its garbage
 * collector marking the whole heap every ~50 MiB sent).
 */
export class ChunkMemory {
  private readonly free = new Map<number, Buffer[]>();

  /** `keep`: buffers of one length kept for reuse at most (the fan-out holds about three chunks at a time). */
  constructor(private readonly keep = 4) {}

  /** A buffer of `length` bytes over its own SharedArrayBuffer, with undefined contents (the caller fills all of it). */
  take(length: number): Buffer {
    return this.free.get(length)?.pop() ?? Buffer.from(new SharedArrayBuffer(length));
  }

  /** Hands a buffer from `take` back; the caller must not touch it afterwards. */
  give(buffer: Buffer): void {
    if (buffer.byteOffset !== 0 || buffer.length === 0 || buffer.length !== buffer.buffer.byteLength || !(buffer.buffer instanceof SharedArrayBuffer)) return;
    const list = this.free.get(buffer.length) ?? [];
    if (list.length < this.keep) list.push(buffer);
    this.free.set(buffer.length, list);
  }
}
