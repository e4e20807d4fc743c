/**
 * [REQ-04] The one writer process per destination and attempt (WRITE_SCRIPT + WRITER_PERL over one SSH exec
 * channel): chunks go out as a framed stream, a header line then the chunk's bytes, with backpressure from the
 * channel's window. The host acknowledges progress every ACK_STEP_BYTES of a chunk (recorded in the manifest as
 * well) and each whole chunk once it is in `.part` and its line is in the manifest. At most one chunk's worth of
 * data bytes is ever unacknowledged, so a cut re-sends at most one chunk; because progress inside a chunk is
 * acknowledged too, that window slides continuously and the stream never waits at a chunk boundary.
 */
import { once } from 'node:events';
import { CommandFailedError } from '../errors/command-failed-error.js';
import type { AuditContext, RemoteProcess } from '../ssh/remote-process.js';
import { shArgv, WRITE_SCRIPT, WRITER_PERL } from './remote-scripts.js';
import type { SourceChunk } from './source-chunks.js';
import type { TransferHost } from './transfer-plan.js';
import { ZERO_CHUNK } from './chunk-manifest.js';

/** Bytes per channel write: enough to keep the window full without one huge buffer per call. */
const SLICE_BYTES = 256 * 1024;
/** The writer acknowledges (and records in the manifest) progress inside a chunk every this many bytes. */
const ACK_STEP_BYTES = 1024 * 1024;

interface InFlight {
  index: string;
  /** File offset of the chunk's first byte sent in this attempt. */
  offset: number;
  /** File offset of the chunk's end. */
  end: number;
  /** Data bytes of this attempt sent before the chunk, and with it. */
  sentStart: number;
  sentEnd: number;
}

export class ChunkWriter {
  private readonly ackWaiters: Array<() => void> = [];
  private pending = '';
  private stderr = '';
  private failure: Error | undefined;
  private sent = 0;
  private readonly inFlight: InFlight[] = [];
  /** File offset up to which the host acknowledged its bytes (a whole chunk, or progress inside one). */
  private acked = 0;
  /** Data bytes of this attempt the host acknowledged. */
  private ackedSent = 0;
  private lastConsumed: Promise<void> = Promise.resolve();
  private writtenSha256: string | undefined;

  private constructor(
    private readonly host: TransferHost,
    private readonly process: RemoteProcess,
    private readonly local: AbortController,
    private readonly onActivity: () => void,
    private readonly windowBytes: number,
  ) {
    process.stdout.setEncoding('utf8');
    process.stdout.on('data', (text: string) => this.onStdout(text));
    process.stderr.on('data', (piece: Buffer) => {
      this.stderr = (this.stderr + piece.toString('utf8')).slice(-2048);
    });
    process.stdin.on('error', (error: Error) => this.fail(error));
    process.exit.then(
      (status) => this.fail(new CommandFailedError(host.name, 'sh -c <chunk writer>', status.code, this.stderr, { retryable: true })),
      (error: Error) => this.fail(error),
    );
  }

  /**
   * `windowBytes` (the chunk size): data bytes sent but not yet acknowledged, at most. `hash`: the host hashes the
   * data bytes as it writes them, and `close` returns their digest.
   */
  static async start(host: TransferHost, part: string, manifest: string, windowBytes: number, hash: boolean, audit: AuditContext, signal: AbortSignal, onActivity: () => void): Promise<ChunkWriter> {
    const local = new AbortController();
    const both = AbortSignal.any([signal, local.signal]);
    const process = await host.session.spawn(shArgv(WRITE_SCRIPT, [part, manifest, WRITER_PERL, ACK_STEP_BYTES, hash ? 1 : 0]), { signal: both, audit, timeoutMs: 0 });
    return new ChunkWriter(host, process, local, onActivity, windowBytes);
  }

  get bytesSent(): number {
    return this.sent;
  }

  /**
   * Sends a chunk, or its tail from `piece.offset` when the host holds the rest (a resume inside the chunk); `digest`
   * is the whole chunk's. Resolves with the file offset the host has acknowledged so far, once the channel has
   * taken over (copied) every byte of `piece.data`, so the caller may reuse that memory.
   */
  async write(piece: SourceChunk, digest: string): Promise<number> {
    this.throwIfFailed();
    const length = piece.data ? piece.length : 0;
    this.inFlight.push({ index: String(piece.index), offset: piece.offset, end: piece.offset + piece.length, sentStart: this.sent, sentEnd: this.sent + length });
    await this.send(Buffer.from(`${piece.index} ${piece.offset} ${length} ${piece.data ? digest : ZERO_CHUNK}\n`));
    if (piece.data) {
      for (let at = 0; at < piece.data.length; at += SLICE_BYTES) {
        const slice = piece.data.subarray(at, at + SLICE_BYTES);
        while (this.sent > this.ackedSent && this.sent + slice.length - this.ackedSent > this.windowBytes) await this.nextAck();
        this.sent += slice.length;
        await this.send(slice);
      }
      await Promise.race([this.lastConsumed, this.failed()]);
      this.throwIfFailed();
    }
    return this.acked;
  }

  /**
   * Waits for every acknowledgement, ends stdin and waits for the writer to exit cleanly; resolves with the SHA-256
   * of the data bytes it wrote when it was started with `hash`.
   */
  async close(): Promise<string | undefined> {
    while (this.inFlight.length > 0) await this.nextAck();
    this.process.stdin.end();
    const status = await this.process.exit;
    if (status.code !== 0) throw new CommandFailedError(this.host.name, 'sh -c <chunk writer>', status.code, this.stderr, { retryable: true });
    return this.writtenSha256;
  }

  /** Fails the chunk in flight at once and ends the remote process (SIGTERM, then the channel is closed). */
  abort(): void {
    const reason = new Error(`${this.host.name}: chunk writer aborted`);
    this.fail(reason);
    this.local.abort(reason);
  }

  /** Writes to the channel; waits for 'drain' when its buffer is full. `lastConsumed` settles once it took the bytes. */
  private async send(buffer: Buffer): Promise<void> {
    let flowing = true;
    this.lastConsumed = new Promise((resolve) => {
      flowing = this.process.stdin.write(buffer, () => resolve());
    });
    if (flowing) return;
    await Promise.race([once(this.process.stdin, 'drain'), this.failed()]);
    this.throwIfFailed();
    this.onActivity();
  }

  /** Resolves at the next acknowledgement; rejects once the writer failed. */
  private async nextAck(): Promise<void> {
    this.throwIfFailed();
    await new Promise<void>((resolve) => this.ackWaiters.push(resolve));
    this.throwIfFailed();
  }

  /**
   * `<index> <offset>`: progress inside the oldest chunk in flight; `<index>`: that chunk is whole; `sha256 <hex>`
   * (last): the digest of the data written.
   */
  private onStdout(text: string): void {
    const lines = (this.pending + text).split('\n');
    this.pending = lines.pop() ?? '';
    for (const line of lines) {
      const [index, offset] = line.split(' ');
      if (index === 'sha256') {
        this.writtenSha256 = offset;
        continue;
      }
      const oldest = this.inFlight[0];
      if (oldest === undefined || index !== oldest.index) {
        this.fail(new Error(`${this.host.name}: the writer acknowledged "${line}", expected chunk ${oldest?.index ?? '(none)'}`));
        return;
      }
      if (offset === undefined) {
        this.inFlight.shift();
        this.acked = oldest.end;
        this.ackedSent = oldest.sentEnd;
      } else {
        this.acked = Number(offset);
        this.ackedSent = oldest.sentStart + (this.acked - oldest.offset);
      }
    }
    this.onActivity();
    this.wake();
  }

  private failed(): Promise<void> {
    return new Promise((resolve) => {
      if (this.failure) resolve();
      else this.process.exit.finally(resolve).catch(() => undefined);
    });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.wake();
  }

  private wake(): void {
    for (const waiter of this.ackWaiters.splice(0)) waiter();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}
