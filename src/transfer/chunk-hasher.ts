/**
 * [REQ-04] SHA-256 off the main thread, in two worker threads per attempt, so that neither waits for the other:
 * - `ChunkHasher` hashes each data chunk before it is sent (its digest goes in the chunk's header and the manifest);
 * - `ImageHasher`, when the attempt reads the source from byte 0, hashes the whole image in order, holes fed as
 *   zeros, after the chunks were sent: the digest of exactly the bytes the engine sent, plus the digest of its data
 *   chunks one after the other (what a destination's writer hashes as it writes a sparse file; until the first
 *   hole that is the whole image's state, copied then). Hashing gigabytes of holes thus runs beside the data chunks
 *   instead of in front of them.
 * A chunk in shared memory (chunk-memory.ts) is read by the worker in place: the message carries the
 * SharedArrayBuffer, not its bytes, and the caller must leave the buffer alone until the reply. Any other buffer is
 * copied for the worker.
 */
import { Worker } from 'node:worker_threads';
import type { SourceChunk } from './source-chunks.js';

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const zeros = Buffer.alloc(1 << 20);
const whole = createHash('sha256');
let dataOnly;
parentPort.on('message', (m) => {
  if (m.kind === 'chunk') {
    const digest = createHash('sha256').update(new Uint8Array(m.buffer, m.offset, m.length)).digest('hex');
    parentPort.postMessage({ id: m.id, digest });
  } else if (m.kind === 'data') {
    const data = new Uint8Array(m.buffer, m.offset, m.length);
    whole.update(data);
    dataOnly?.update(data);
    parentPort.postMessage({ id: m.id });
  } else if (m.kind === 'zeros') {
    dataOnly ??= whole.copy();
    for (let left = m.length; left > 0; left -= zeros.length) whole.update(left >= zeros.length ? zeros : zeros.subarray(0, left));
    parentPort.postMessage({ id: m.id });
  } else if (m.kind === 'end') {
    const sha256 = whole.digest('hex');
    parentPort.postMessage({ id: m.id, digests: { sha256, dataSha256: dataOnly ? dataOnly.digest('hex') : sha256 } });
  }
});`;

/** Digests of the whole image (holes as zeros) and of its data chunks concatenated in order. */
export interface ImageDigests {
  sha256: string;
  dataSha256: string;
}

/** A chunk with its SHA-256 hex ('zero' for a hole). */
export interface HashedChunk {
  chunk: SourceChunk;
  digest: string;
}

interface Reply {
  digest?: string;
  digests?: ImageDigests;
}

/** One worker thread and its request/reply bookkeeping. */
class HashWorker {
  // Plain JavaScript of node: modules only: no need for the parent's loader flags (under tsx they cost a second per start).
  private readonly worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
  private readonly waiting = new Map<number, { resolve(reply: Reply): void; reject(error: Error): void }>();
  private nextId = 0;
  private failure: Error | undefined;

  constructor() {
    this.worker.unref();
    this.worker.on('message', (message: Reply & { id: number }) => {
      const entry = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      entry?.resolve(message);
    });
    this.worker.on('error', (error) => this.failAll(error));
    this.worker.on('exit', (code) => this.failAll(new Error(`the hash worker exited with code ${code}`)));
  }

  /** Sends `data` to the worker: its SharedArrayBuffer, read there in place, or else a copy (moved, not cloned). */
  postData(kind: 'chunk' | 'data', data: Buffer): Promise<Reply> {
    if (data.buffer instanceof SharedArrayBuffer) return this.request({ kind, buffer: data.buffer, offset: data.byteOffset, length: data.length });
    const copy = new Uint8Array(data).buffer;
    return this.request({ kind, buffer: copy, offset: 0, length: data.length }, [copy]);
  }

  request(message: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<Reply> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id }, transfer);
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }

  private failAll(error: Error): void {
    this.failure ??= error;
    for (const entry of this.waiting.values()) entry.reject(error);
    this.waiting.clear();
  }
}

/** The digest of each chunk on its own. */
export class ChunkHasher {
  private readonly worker = new HashWorker();

  /** Hashes a chunk's data; shared memory must not change until this resolves. */
  async hash(chunk: SourceChunk): Promise<HashedChunk> {
    if (!chunk.data) return { chunk, digest: 'zero' };
    const reply = await this.worker.postData('chunk', chunk.data);
    return { chunk, digest: reply.digest! };
  }

  close(): Promise<void> {
    return this.worker.close();
  }
}

/** The whole image's digests, fed every chunk in order from chunk 0. */
export class ImageHasher {
  private readonly worker = new HashWorker();

  /** Adds a chunk (a hole as its zeros); shared memory must not change until this resolves. */
  async add(chunk: SourceChunk): Promise<void> {
    await (chunk.data ? this.worker.postData('data', chunk.data) : this.worker.request({ kind: 'zeros', length: chunk.length }));
  }

  /** Resolves once every chunk added before was hashed. */
  async digests(): Promise<ImageDigests> {
    return (await this.worker.request({ kind: 'end' })).digests!;
  }

  close(): Promise<void> {
    return this.worker.close();
  }
}
