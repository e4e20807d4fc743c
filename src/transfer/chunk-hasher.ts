/**
 * [REQ-04] SHA-256 off the main thread: one worker thread per attempt hashes each data chunk (its digest goes
 * in the chunk's header and the manifest) and, when the attempt reads the source from byte 0, the whole image in
 * order, holes fed as zeros, so the engine knows the digest of exactly the bytes it sent, plus the digest of its
 * data chunks one after the other (what a destination re-hashes to verify a sparse file in one stream; until the
 * first hole that is the whole image's state, copied then, so a dense image is hashed twice, not three times). A
 * chunk's buffer moves to the worker and back (transferred, not copied); the caller goes on with the chunk the
 * result carries, while the main thread keeps reading and sending other chunks.
 */
import { Worker } from 'node:worker_threads';
import type { SourceChunk } from './source-chunks.js';

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const zeros = Buffer.alloc(1 << 20);
let whole;
let dataOnly;
parentPort.on('message', (m) => {
  if (m.kind === 'whole') { whole = createHash('sha256'); dataOnly = undefined; return; }
  if (m.kind === 'data') {
    const data = Buffer.from(m.buffer, m.byteOffset, m.length);
    whole?.update(data);
    dataOnly?.update(data);
    const digest = createHash('sha256').update(data).digest('hex');
    parentPort.postMessage({ id: m.id, digest, buffer: m.buffer }, [m.buffer]);
  } else if (m.kind === 'zeros') {
    if (whole && !dataOnly) dataOnly = whole.copy();
    for (let left = m.length; whole && left > 0; left -= zeros.length) whole.update(left >= zeros.length ? zeros : zeros.subarray(0, left));
    parentPort.postMessage({ id: m.id });
  } else if (m.kind === 'end') {
    const sha256 = whole?.digest('hex');
    parentPort.postMessage({ id: m.id, digest: whole && { sha256, dataSha256: dataOnly ? dataOnly.digest('hex') : sha256 } });
    whole = dataOnly = undefined;
  }
});`;

/** Digests of the whole image (holes as zeros) and of its data chunks concatenated in order. */
export interface ImageDigests {
  sha256: string;
  dataSha256: string;
}

/** A chunk with its SHA-256 hex ('zero' for a hole); its data, if any, in the buffer that came back from the worker. */
export interface HashedChunk {
  chunk: SourceChunk;
  digest: string;
}

interface Reply {
  digest?: string | ImageDigests;
  buffer?: ArrayBuffer;
}

export class ChunkHasher {
  // Plain JavaScript of node: modules only: no need for the parent's loader flags (under tsx they cost a second per start).
  private readonly worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
  private readonly waiting = new Map<number, { resolve(reply: Reply): void; reject(error: Error): void }>();
  private nextId = 0;
  private failure: Error | undefined;

  /** `whole`: also hash the whole image (the chunks must then come in order from chunk 0, holes included). */
  constructor(whole: boolean) {
    this.worker.unref();
    this.worker.on('message', (message: Reply & { id: number }) => {
      const entry = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      entry?.resolve(message);
    });
    this.worker.on('error', (error) => this.failAll(error));
    this.worker.on('exit', (code) => this.failAll(new Error(`the hash worker exited with code ${code}`)));
    if (whole) this.worker.postMessage({ kind: 'whole' });
  }

  /**
   * Hashes a chunk; in whole mode a hole adds its zeros to the image's digest. A data buffer that owns its whole
   * ArrayBuffer moves to the worker (the chunk passed in must not be used afterwards: use the result's); any other
   * is copied.
   */
  async hash(chunk: SourceChunk): Promise<HashedChunk> {
    if (!chunk.data) {
      await this.request({ kind: 'zeros', length: chunk.length });
      return { chunk, digest: 'zero' };
    }
    const data = chunk.data;
    const movable = data.byteOffset === 0 && data.length === data.buffer.byteLength && data.buffer instanceof ArrayBuffer;
    const buffer = movable ? (data.buffer as ArrayBuffer) : new Uint8Array(data).buffer;
    const reply = await this.request({ kind: 'data', buffer, byteOffset: 0, length: data.length }, [buffer]);
    return { chunk: { ...chunk, data: Buffer.from(reply.buffer!) }, digest: reply.digest as string };
  }

  /** The image's digests, or undefined when not hashing the whole image. */
  async imageDigests(): Promise<ImageDigests | undefined> {
    return (await this.request({ kind: 'end' })).digest as ImageDigests | undefined;
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }

  private request(message: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<Reply> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id }, transfer);
    });
  }

  private failAll(error: Error): void {
    this.failure ??= error;
    for (const entry of this.waiting.values()) entry.reject(error);
    this.waiting.clear();
  }
}
