/**
 * [REQ-03] Sends a Node Readable through a libvirt stream (e.g. STORAGE_VOL_UPLOAD): the CALL opens the stream,
 * data goes out as STREAM/CONTINUE packets of STREAM_CHUNK_BYTES (small source chunks are gathered, large ones
 * cut), waiting whenever the transport is saturated; then STREAM/OK asks libvirtd to finish and its STREAM/OK
 * confirms that every byte was written. `onSent` is told the size of every packet of data handed to the
 * transport (e.g. for the audit record's byte count). When the open fails (libvirtd refuses, or the connection
 * drops first) the promise rejects with that error and the source is destroyed unread.
 */
import type { Readable } from 'node:stream';
import { MessageStatus, STREAM_CHUNK_BYTES } from './protocol-constants.js';
import type { CallOptions, RpcConnection } from './rpc-connection.js';

export interface UploadOptions extends CallOptions {
  onSent?: (bytes: number) => void;
}

export async function uploadStream(
  connection: RpcConnection,
  procedure: number,
  payload: Buffer | undefined,
  source: Readable,
  options: UploadOptions = {},
): Promise<void> {
  let failure: Error | null = null;
  let confirm!: { resolve(): void; reject(error: Error): void };
  const confirmed = new Promise<void>((resolve, reject) => {
    confirm = { resolve, reject };
  });
  confirmed.catch(() => undefined); // observed below; a failure before we await it must not be "unhandled"
  const { serial, opened } = connection.openStream(procedure, payload, {
    onData: () => undefined,
    onEnd: () => confirm.resolve(),
    onError: (error) => {
      failure = error;
      confirm.reject(error);
      source.destroy();
    },
  }, options);
  try {
    await opened;
  } catch (error) {
    source.destroy();
    throw error;
  }

  let gathered: Buffer[] = [];
  let gatheredBytes = 0;
  const flush = async (): Promise<void> => {
    if (failure) throw failure;
    const accepted = connection.sendStream(serial, procedure, MessageStatus.Continue, gathered);
    options.onSent?.(gatheredBytes);
    gathered = [];
    gatheredBytes = 0;
    if (!accepted) await connection.drained();
  };
  const onAbort = (): void => {
    source.destroy(options.signal?.reason instanceof Error ? options.signal.reason : new Error('upload aborted'));
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const chunk of source) {
      let bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      while (gatheredBytes + bytes.length >= STREAM_CHUNK_BYTES) {
        const take = STREAM_CHUNK_BYTES - gatheredBytes;
        gathered.push(bytes.subarray(0, take));
        gatheredBytes += take;
        bytes = bytes.subarray(take);
        await flush();
      }
      if (bytes.length > 0) {
        gathered.push(bytes);
        gatheredBytes += bytes.length;
      }
    }
    if (gatheredBytes > 0) await flush();
    if (failure) throw failure;
    connection.sendStream(serial, procedure, MessageStatus.Ok);
    await confirmed;
  } catch (error) {
    if (!failure && !connection.isClosed) connection.sendStream(serial, procedure, MessageStatus.Error);
    throw failure ?? error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    connection.releaseStream(serial);
  }
}
