/**
 * [REQ-03] One libvirt RPC connection over an RpcTransport: frames packets, correlates replies to calls by
 * serial (many calls in flight at once), routes stream packets and events, answers keepalive PINGs and pings
 * an idle peer. When the transport drops, every call and stream in flight fails with LibvirtConnectionError. A
 * stream whose opening CALL has no reply yet fails through that call only (its handler hears nothing), so the
 * caller gets a rejected open instead of a stream that errors before anyone holds it.
 * What is queued for a peer that does not read is bounded: its PINGs are answered only while the transport accepts
 * more (a flood of them cannot queue PONGs without limit; our own PINGs, one per interval, always go out, queued
 * behind upload data if need be), incoming PINGs alone do not count as a sign of life,
 * and a queue past `outgoingLimitBytes` closes the connection with LibvirtConnectionError.
 */
import { systemClock, type Clock } from '../../time/clock.js';
import { LibvirtConnectionError, LibvirtError, LibvirtTimeoutError } from '../libvirt-error.js';
import { KeepaliveMonitor, type KeepaliveSettings } from './keepalive-monitor.js';
import { decodePacket, encodePacket, encodePacketHead, type PacketHeader } from './packet.js';
import { PacketFramer } from './packet-framer.js';
import { procedureName } from './procedure-names.js';
import {
  KEEPALIVE_PROGRAM, KEEPALIVE_PROTOCOL_VERSION, KeepaliveProcedure, LENGTH_WORD_BYTES, MESSAGE_MAX_BYTES, MessageStatus,
  MessageType, REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION,
} from './protocol-constants.js';
import { readRemoteError } from './remote-types.js';
import type { RpcTransport } from './rpc-transport.js';
import { XdrReader } from './xdr-reader.js';

export interface CallOptions {
  /** Overrides the connection's call timeout; 0 disables it. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface RpcConnectionOptions {
  callTimeoutMs: number;
  keepalive: KeepaliveSettings;
  clock?: Clock;
  /** An asynchronous event (type MESSAGE) of the remote program. */
  onEvent?: (procedure: number, payload: Buffer) => void;
  onClose?: (error: LibvirtConnectionError) => void;
  /** Bytes that may wait in the transport for the peer to read before the connection is closed. */
  outgoingLimitBytes?: number;
}

/** Receives the STREAM packets of one call. */
export interface StreamHandler {
  onData(payload: Buffer): void;
  onEnd(): void;
  onError(error: Error): void;
}

interface PendingCall {
  resolve(payload: Buffer): void;
  reject(error: Error): void;
}

const MAX_SERIAL = 0xffffffff;
/** Two messages of the largest size: more than a client that waits for drain (as uploads do) ever queues. */
const DEFAULT_OUTGOING_LIMIT_BYTES = 2 * (LENGTH_WORD_BYTES + MESSAGE_MAX_BYTES);

export class RpcConnection {
  private lastSerial = 0;
  private readonly pending = new Map<number, PendingCall>();
  private readonly streams = new Map<number, StreamHandler>();
  /** Streams whose opening CALL awaits its REPLY. */
  private readonly openingStreams = new Set<number>();
  private readonly pausedStreams = new Set<number>();
  private readonly drainWaiters = new Set<{ resolve(): void; reject(error: Error): void }>();
  private readonly framer = new PacketFramer();
  private readonly clock: Clock;
  private readonly keepalive: KeepaliveMonitor;
  private closedWith: LibvirtConnectionError | null = null;

  constructor(private readonly transport: RpcTransport, private readonly options: RpcConnectionOptions) {
    this.clock = options.clock ?? systemClock;
    this.keepalive = new KeepaliveMonitor(options.keepalive, this.clock, {
      sendPing: () => this.sendKeepalive(KeepaliveProcedure.Ping),
      onDead: (count) => this.fail(new LibvirtConnectionError(`libvirt peer did not answer ${count} keepalive pings`)),
      isReadingPaused: () => this.pausedStreams.size > 0,
    });
    const { readable, writable } = transport;
    readable.on('data', (chunk: Buffer) => this.receive(chunk));
    readable.once('end', () => this.fail(new LibvirtConnectionError('libvirt RPC transport closed by the peer')));
    readable.once('close', () => this.fail(new LibvirtConnectionError('libvirt RPC transport closed')));
    readable.on('error', (error) => this.fail(new LibvirtConnectionError(`libvirt RPC transport failed: ${error.message}`, { cause: error })));
    writable.on('error', (error) => this.fail(new LibvirtConnectionError(`libvirt RPC transport failed: ${error.message}`, { cause: error })));
    writable.on('drain', () => this.settleDrainWaiters(null));
    this.keepalive.start();
  }

  get isClosed(): boolean {
    return this.closedWith !== null;
  }

  /** Sends a CALL and resolves with the REPLY payload, or rejects with the LibvirtError libvirtd returned. */
  call(procedure: number, payload: Buffer | undefined, options: CallOptions = {}): Promise<Buffer> {
    return this.callWithSerial(this.nextSerial(), procedure, payload, options);
  }

  /**
   * Like call, for procedures that open a stream: the handler is registered before the CALL is sent, so no
   * STREAM packet can arrive unrouted. `serial` identifies the stream; `opened` settles with the CALL's REPLY, or
   * rejects with the error of a STREAM/ERROR or a lost connection that comes first; until then the handler's
   * onError is never called.
   */
  openStream(procedure: number, payload: Buffer | undefined, handler: StreamHandler, options: CallOptions = {}): { serial: number; opened: Promise<void> } {
    const serial = this.nextSerial();
    this.streams.set(serial, handler);
    this.openingStreams.add(serial);
    const opened = this.callWithSerial(serial, procedure, payload, options).then(
      () => undefined,
      (error: unknown) => {
        this.openingStreams.delete(serial);
        this.releaseStream(serial);
        throw error;
      },
    );
    return { serial, opened };
  }

  /** Writes one STREAM packet; false means the transport is saturated: wait for drained() before the next. */
  sendStream(serial: number, procedure: number, status: number, data?: Uint8Array | readonly Uint8Array[]): boolean {
    this.assertOpen();
    return this.write({ program: REMOTE_PROGRAM, version: REMOTE_PROTOCOL_VERSION, procedure, type: MessageType.Stream, serial, status }, data);
  }

  /** Resolves when the transport accepts more data; rejects if the connection drops first. */
  drained(): Promise<void> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    return new Promise((resolve, reject) => this.drainWaiters.add({ resolve, reject }));
  }

  releaseStream(serial: number): void {
    this.streams.delete(serial);
    this.resumeReading(serial);
  }

  /** Stops reading the transport while a download consumer is slower than the network (backpressure). */
  pauseReading(serial: number): void {
    this.pausedStreams.add(serial);
    this.transport.readable.pause();
  }

  resumeReading(serial: number): void {
    if (this.pausedStreams.delete(serial) && this.pausedStreams.size === 0) this.transport.readable.resume();
  }

  /** Tears the connection down; everything in flight fails with `error`. */
  close(error = new LibvirtConnectionError('libvirt RPC connection closed')): void {
    this.fail(error);
  }

  private callWithSerial(serial: number, procedure: number, payload: Buffer | undefined, options: CallOptions): Promise<Buffer> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const timeoutMs = options.timeoutMs ?? this.options.callTimeoutMs;
    return new Promise<Buffer>((resolve, reject) => {
      const onAbort = (): void => settle(() => reject(signal?.reason));
      const timer = timeoutMs > 0
        ? this.clock.setTimeout(() => settle(() => reject(new LibvirtTimeoutError(`libvirt call ${procedureName(procedure)} got no reply within ${timeoutMs} ms`))), timeoutMs)
        : undefined;
      const settle = (finish: () => void): void => {
        if (!this.pending.delete(serial)) return;
        timer?.cancel();
        signal?.removeEventListener('abort', onAbort);
        finish();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(serial, {
        resolve: (reply) => settle(() => resolve(reply)),
        reject: (error) => settle(() => reject(error)),
      });
      this.write({ program: REMOTE_PROGRAM, version: REMOTE_PROTOCOL_VERSION, procedure, type: MessageType.Call, serial, status: MessageStatus.Ok }, payload);
    });
  }

  private receive(chunk: Buffer): void {
    if (this.closedWith) return;
    try {
      for (const packet of this.framer.push(chunk)) this.dispatch(packet);
    } catch (error) {
      this.fail(new LibvirtConnectionError(`libvirt RPC stream is corrupt: ${(error as Error).message}`, { cause: error }));
    }
  }

  private dispatch(raw: Buffer): void {
    const { header, payload } = decodePacket(raw);
    if (header.program === KEEPALIVE_PROGRAM) {
      // A peer that only pings may be one that no longer serves us: only its PONGs are signs of life.
      if (header.procedure !== KeepaliveProcedure.Ping) this.keepalive.noteTraffic();
      else if (!this.transport.writable.writableNeedDrain) this.sendKeepalive(KeepaliveProcedure.Pong);
      return;
    }
    this.keepalive.noteTraffic();
    if (header.program !== REMOTE_PROGRAM) return;
    if (header.type === MessageType.Reply) this.dispatchReply(header, payload);
    else if (header.type === MessageType.Stream) this.dispatchStream(header, payload);
    else if (header.type === MessageType.Message) this.options.onEvent?.(header.procedure, payload);
  }

  private dispatchReply(header: PacketHeader, payload: Buffer): void {
    const call = this.pending.get(header.serial);
    if (!call) return; // the caller timed out or gave up; a late reply is dropped
    this.openingStreams.delete(header.serial);
    if (header.status === MessageStatus.Ok) call.resolve(payload);
    else call.reject(this.decodeError(header.procedure, payload));
  }

  private dispatchStream(header: PacketHeader, payload: Buffer): void {
    const stream = this.streams.get(header.serial);
    if (!stream) return;
    if (header.status === MessageStatus.Error && this.openingStreams.has(header.serial)) {
      this.pending.get(header.serial)?.reject(this.decodeError(header.procedure, payload));
    } else if (header.status === MessageStatus.Continue) stream.onData(payload);
    else if (header.status === MessageStatus.Ok) stream.onEnd();
    else stream.onError(this.decodeError(header.procedure, payload));
  }

  private decodeError(procedure: number, payload: Buffer): LibvirtError {
    const reader = new XdrReader(payload);
    return new LibvirtError(procedureName(procedure), readRemoteError(reader));
  }

  private sendKeepalive(procedure: number): void {
    if (this.closedWith) return;
    this.write({ program: KEEPALIVE_PROGRAM, version: KEEPALIVE_PROTOCOL_VERSION, procedure, type: MessageType.Message, serial: 0, status: MessageStatus.Ok });
  }

  private write(header: PacketHeader, payload?: Uint8Array | readonly Uint8Array[]): boolean {
    const { writable } = this.transport;
    if (payload === undefined || payload instanceof Uint8Array) {
      writable.write(encodePacket(header, payload));
    } else {
      // Bulk stream data: the header and the caller's buffers go out in one corked (vectored) write, uncopied.
      const dataBytes = payload.reduce((sum, part) => sum + part.length, 0);
      writable.cork();
      writable.write(encodePacketHead(header, dataBytes));
      for (const part of payload) writable.write(part);
      writable.uncork();
    }
    const queued = writable.writableLength;
    const limit = this.options.outgoingLimitBytes ?? DEFAULT_OUTGOING_LIMIT_BYTES;
    if (queued > limit) this.fail(new LibvirtConnectionError(`libvirt peer is not reading: ${queued} bytes queued for it (limit ${limit})`));
    return queued < writable.writableHighWaterMark;
  }

  private nextSerial(): number {
    this.lastSerial = this.lastSerial >= MAX_SERIAL ? 1 : this.lastSerial + 1;
    return this.lastSerial;
  }

  private assertOpen(): void {
    if (this.closedWith) throw this.closedWith;
  }

  private settleDrainWaiters(error: Error | null): void {
    const waiters = [...this.drainWaiters];
    this.drainWaiters.clear();
    for (const waiter of waiters) {
      if (error) waiter.reject(error);
      else waiter.resolve();
    }
  }

  private fail(error: LibvirtConnectionError): void {
    if (this.closedWith) return;
    this.closedWith = error;
    this.keepalive.stop();
    for (const call of [...this.pending.values()]) call.reject(error);
    for (const [serial, stream] of [...this.streams]) if (!this.openingStreams.has(serial)) stream.onError(error);
    this.streams.clear();
    this.openingStreams.clear();
    this.settleDrainWaiters(error);
    this.transport.close();
    this.options.onClose?.(error);
  }
}
