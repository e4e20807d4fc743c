/**
 * [REQ-03] A libvirt connection that heals itself: opens an RpcConnection through the transport factory on
 * first use, performs the handshake (AUTH_LIST must offer AUTH_NONE, then CONNECT_OPEN with the URI), and after
 * the connection drops opens a new one on the next call. Encodes arguments and decodes replies with XDR.
 */
import type { Readable } from 'node:stream';
import type { Clock } from '../../time/clock.js';
import { LibvirtAuthError, LibvirtConnectionError } from '../libvirt-error.js';
import type { KeepaliveSettings } from './keepalive-monitor.js';
import { downloadStream } from './download-stream.js';
import { AUTH_NONE, RemoteProcedure } from './protocol-constants.js';
import { writeOptionalString } from './remote-types.js';
import { RpcConnection, type CallOptions } from './rpc-connection.js';
import type { RpcTransportFactory } from './rpc-transport.js';
import { uploadStream, type UploadOptions } from './upload-stream.js';
import { XdrReader } from './xdr-reader.js';
import { XdrWriter } from './xdr-writer.js';

export interface RpcSessionOptions {
  /** The URI libvirtd opens for us, e.g. `qemu:///system`. */
  uri: string;
  callTimeoutMs: number;
  keepalive: KeepaliveSettings;
  clock?: Clock;
}

export type Encoder = (writer: XdrWriter) => void;
export type Decoder<T> = (reader: XdrReader) => T;

/** Receives the events of one connection; told once when that connection is lost. */
export interface EventListener {
  onEvent(procedure: number, payload: Buffer): void;
  onConnectionLost(error: LibvirtConnectionError): void;
}

/** REMOTE_AUTH_TYPE_LIST_MAX */
const MAX_AUTH_TYPES = 20;

export class RpcSession {
  private current: RpcConnection | null = null;
  private connecting: Promise<RpcConnection> | null = null;
  private listeners = new Set<EventListener>();
  private lossWatchers = new Set<(error: LibvirtConnectionError) => void>();

  constructor(private readonly transportFactory: RpcTransportFactory, private readonly options: RpcSessionOptions) {}

  /** Calls `procedure` with the encoded arguments and decodes the whole reply (trailing bytes are an error). */
  async call<T = void>(procedure: number, encode?: Encoder, decode?: Decoder<T>, options: CallOptions = {}): Promise<T> {
    const connection = await this.connection();
    const reply = await connection.call(procedure, encodeArgs(encode), options);
    const reader = new XdrReader(reply);
    const value = decode ? decode(reader) : (undefined as T);
    reader.end();
    return value;
  }

  async upload(procedure: number, encode: Encoder, source: Readable, options: UploadOptions = {}): Promise<void> {
    const connection = await this.connection();
    await uploadStream(connection, procedure, encodeArgs(encode), source, options);
  }

  async download(procedure: number, encode: Encoder, options: CallOptions = {}): Promise<Readable> {
    const connection = await this.connection();
    return downloadStream(connection, procedure, encodeArgs(encode), options);
  }

  /** Adds an event listener to the live connection (opening it if needed); returns the function removing it. */
  async listen(listener: EventListener): Promise<() => void> {
    await this.connection();
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * Calls `watcher` each time an open connection is lost (dropped, timed out, or closed), for as long as it stays
   * registered; returns the function removing it. A connection that failed its handshake was never open.
   */
  onConnectionLost(watcher: (error: LibvirtConnectionError) => void): () => void {
    this.lossWatchers.add(watcher);
    return () => {
      this.lossWatchers.delete(watcher);
    };
  }

  /** Closes the connection politely (CONNECT_CLOSE); the next call opens a new one. */
  async close(): Promise<void> {
    const connection = this.current ?? (await this.connecting?.catch(() => null)) ?? null;
    if (!connection || connection.isClosed) return;
    try {
      await connection.call(RemoteProcedure.ConnectClose, undefined, { timeoutMs: Math.min(this.options.callTimeoutMs, 5000) });
    } catch {
      // the connection is being torn down anyway; a failed goodbye changes nothing
    }
    connection.close();
  }

  /** Drops the transport at once, as a network failure would (used by tests of reconnection). */
  abortConnection(): void {
    this.current?.close(new LibvirtConnectionError('libvirt RPC connection aborted'));
  }

  private connection(): Promise<RpcConnection> {
    if (this.current && !this.current.isClosed) return Promise.resolve(this.current);
    this.connecting ??= this.open().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async open(): Promise<RpcConnection> {
    const signal = AbortSignal.timeout(this.options.callTimeoutMs);
    let transport;
    try {
      transport = await this.transportFactory(signal);
    } catch (error) {
      throw error instanceof LibvirtConnectionError ? error : new LibvirtConnectionError(`cannot open the libvirt transport: ${(error as Error).message}`, { cause: error });
    }
    const connection = new RpcConnection(transport, {
      callTimeoutMs: this.options.callTimeoutMs,
      keepalive: this.options.keepalive,
      clock: this.options.clock,
      onEvent: (procedure, payload) => {
        for (const listener of [...this.listeners]) listener.onEvent(procedure, payload);
      },
      onClose: (error) => this.connectionLost(connection, error),
    });
    try {
      await this.handshake(connection);
    } catch (error) {
      connection.close();
      throw error;
    }
    this.current = connection;
    return connection;
  }

  private async handshake(connection: RpcConnection): Promise<void> {
    const authReply = new XdrReader(await connection.call(RemoteProcedure.AuthList, undefined));
    const authTypes = authReply.array((reader) => reader.int(), MAX_AUTH_TYPES);
    authReply.end();
    if (authTypes.length > 0 && !authTypes.includes(AUTH_NONE)) {
      throw new LibvirtAuthError(`libvirtd requires authentication types [${authTypes.join(', ')}]; only none is supported`);
    }
    await connection.call(RemoteProcedure.ConnectOpen, encodeArgs((writer) => {
      writeOptionalString(writer, this.options.uri);
      writer.uint(0);
    }));
  }

  private connectionLost(connection: RpcConnection, error: LibvirtConnectionError): void {
    if (this.current !== connection) return;
    this.current = null;
    const listeners = [...this.listeners];
    this.listeners.clear();
    for (const listener of listeners) listener.onConnectionLost(error);
    for (const watcher of [...this.lossWatchers]) watcher(error);
  }
}

function encodeArgs(encode: Encoder | undefined): Buffer | undefined {
  if (!encode) return undefined;
  const writer = new XdrWriter();
  encode(writer);
  return writer.toBuffer();
}
