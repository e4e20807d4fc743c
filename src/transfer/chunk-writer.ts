/**
 * [REQ-04] The one writer process per destination and attempt (WRITE_SCRIPT + WRITER_PERL over one SSH exec
 * channel): chunks go out as a framed stream, a header line then the chunk's bytes, with backpressure from the
 * channel's window. The host acknowledges each chunk once it is in `.part` and its line is in the manifest. At
 * most one chunk's worth of data bytes is ever unacknowledged (the next chunk's bytes wait for the previous
 * acknowledgement once they would exceed it), so a cut re-sends at most one chunk.
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

export class ChunkWriter {
  private readonly acks: string[] = [];
  private ackWaiter: (() => void) | undefined;
  private pending = '';
  private stderr = '';
  private failure: Error | undefined;
  private sent = 0;
  private readonly inFlight: Array<{ index: string; end: number; sentEnd: number }> = [];
  private acked = 0;
  private ackedSent = 0;

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

  /** `windowBytes` (the chunk size): data bytes sent but not yet acknowledged, at most. */
  static async start(host: TransferHost, part: string, manifest: string, windowBytes: number, audit: AuditContext, signal: AbortSignal, onActivity: () => void): Promise<ChunkWriter> {
    const local = new AbortController();
    const both = AbortSignal.any([signal, local.signal]);
    const process = await host.session.spawn(shArgv(WRITE_SCRIPT, [part, manifest, WRITER_PERL]), { signal: both, audit, timeoutMs: 0 });
    return new ChunkWriter(host, process, local, onActivity, windowBytes);
  }

  get bytesSent(): number {
    return this.sent;
  }

  /** Sends a chunk; resolves with the end offset of the chunks acknowledged so far. */
  async write(chunk: SourceChunk, digest: string): Promise<number> {
    this.throwIfFailed();
    const length = chunk.data ? chunk.length : 0;
    await this.send(Buffer.from(`${chunk.index} ${chunk.offset} ${length} ${chunk.data ? digest : ZERO_CHUNK}\n`));
    if (chunk.data) {
      for (let at = 0; at < chunk.data.length; at += SLICE_BYTES) {
        const slice = chunk.data.subarray(at, at + SLICE_BYTES);
        while (this.inFlight.length > 0 && this.sent + slice.length - this.ackedSent > this.windowBytes) await this.ackOldest();
        await this.send(slice);
        this.sent += slice.length;
      }
    }
    this.inFlight.push({ index: String(chunk.index), end: chunk.offset + chunk.length, sentEnd: this.sent });
    return this.acked;
  }

  /** Waits for every acknowledgement, ends stdin and waits for the writer to exit cleanly. */
  async close(): Promise<void> {
    while (this.inFlight.length > 0) await this.ackOldest();
    this.process.stdin.end();
    const status = await this.process.exit;
    if (status.code !== 0) throw new CommandFailedError(this.host.name, 'sh -c <chunk writer>', status.code, this.stderr, { retryable: true });
  }

  /** Fails the chunk in flight at once and ends the remote process (SIGTERM, then the channel is closed). */
  abort(): void {
    const reason = new Error(`${this.host.name}: chunk writer aborted`);
    this.fail(reason);
    this.local.abort(reason);
  }

  private async send(buffer: Buffer): Promise<void> {
    if (this.process.stdin.write(buffer)) return;
    await Promise.race([once(this.process.stdin, 'drain'), this.failed()]);
    this.throwIfFailed();
    this.onActivity();
  }

  private async ackOldest(): Promise<void> {
    const expected = this.inFlight.shift()!;
    while (this.acks.length === 0) {
      this.throwIfFailed();
      await new Promise<void>((resolve) => {
        this.ackWaiter = resolve;
      });
    }
    const got = this.acks.shift();
    if (got !== expected.index) this.fail(new Error(`${this.host.name}: the writer acknowledged chunk ${got}, expected ${expected.index}`));
    this.throwIfFailed();
    this.acked = expected.end;
    this.ackedSent = expected.sentEnd;
    this.onActivity();
  }

  private onStdout(text: string): void {
    const lines = (this.pending + text).split('\n');
    this.pending = lines.pop() ?? '';
    this.acks.push(...lines);
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
    const waiter = this.ackWaiter;
    this.ackWaiter = undefined;
    waiter?.();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}
