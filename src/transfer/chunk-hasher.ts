/**
 * [REQ-04] SHA-256 off the main thread: one worker thread per attempt hashes each data chunk (its digest goes
 * in the chunk's header and the manifest) and, when the attempt reads the source from byte 0, the whole image in
 * order, holes fed as zeros, so the engine knows the digest of exactly the bytes it sent, plus the digest of its
 * data chunks one after the other (what a destination re-hashes to verify a sparse file in one stream). Chunks travel to the
 * worker in SharedArrayBuffer memory (rechunk allocates it), so nothing is copied; the main thread keeps
 * reading and sending while the worker hashes.
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
  if (m.kind === 'whole') { whole = createHash('sha256'); dataOnly = createHash('sha256'); return; }
  if (m.kind === 'data') {
    const data = Buffer.from(m.buffer, m.byteOffset, m.length);
    whole?.update(data);
    dataOnly?.update(data);
    parentPort.postMessage({ id: m.id, digest: createHash('sha256').update(data).digest('hex') });
  } else if (m.kind === 'zeros') {
    for (let left = m.length; whole && left > 0; left -= zeros.length) whole.update(left >= zeros.length ? zeros : zeros.subarray(0, left));
    parentPort.postMessage({ id: m.id });
  } else if (m.kind === 'end') {
    parentPort.postMessage({ id: m.id, digest: whole && { sha256: whole.digest('hex'), dataSha256: dataOnly.digest('hex') } });
    whole = dataOnly = undefined;
  }
});`;

/** Digests of the whole image (holes as zeros) and of its data chunks concatenated in order. */
export interface ImageDigests {
  sha256: string;
  dataSha256: string;
}

type Reply = string | ImageDigests | undefined;

export class ChunkHasher {
  private readonly worker = new Worker(WORKER_SOURCE, { eval: true });
  private readonly waiting = new Map<number, { resolve(reply: Reply): void; reject(error: Error): void }>();
  private nextId = 0;
  private failure: Error | undefined;

  /** `whole`: also hash the whole image (the chunks must then come in order from chunk 0, holes included). */
  constructor(whole: boolean) {
    this.worker.unref();
    this.worker.on('message', (message: { id: number; digest?: Reply }) => {
      const entry = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      entry?.resolve(message.digest);
    });
    this.worker.on('error', (error) => this.failAll(error));
    this.worker.on('exit', (code) => this.failAll(new Error(`the hash worker exited with code ${code}`)));
    if (whole) this.worker.postMessage({ kind: 'whole' });
  }

  /** The chunk's SHA-256 hex ('zero' for a hole); in whole mode a hole adds its zeros to the image's digest. */
  async digest(chunk: SourceChunk): Promise<string> {
    if (!chunk.data) {
      await this.request({ kind: 'zeros', length: chunk.length });
      return 'zero';
    }
    const data = chunk.data;
    const shared = data.buffer instanceof SharedArrayBuffer;
    const message = shared
      ? { kind: 'data', buffer: data.buffer, byteOffset: data.byteOffset, length: data.length }
      : { kind: 'data', buffer: new Uint8Array(data).buffer, byteOffset: 0, length: data.length };
    return (await this.request(message)) as string;
  }

  /** The image's digests, or undefined when not hashing the whole image. */
  async imageDigests(): Promise<ImageDigests | undefined> {
    return (await this.request({ kind: 'end' })) as ImageDigests | undefined;
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }

  private request(message: Record<string, unknown>): Promise<Reply> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id });
    });
  }

  private failAll(error: Error): void {
    this.failure ??= error;
    for (const entry of this.waiting.values()) entry.reject(error);
    this.waiting.clear();
  }
}
