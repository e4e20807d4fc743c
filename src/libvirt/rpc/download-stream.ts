/**
 * [REQ-03] Receives a libvirt stream (e.g. STORAGE_VOL_DOWNLOAD) as a Node Readable. Backpressure: when the
 * consumer lags, the connection stops reading the transport until the consumer asks for more, so memory stays
 * bounded (libvirtd then blocks on the full pipe). libvirtd marks the end of the data with an empty
 * STREAM/CONTINUE packet; the client then sends the STREAM/OK finish that libvirt's own client sends, and the
 * daemon confirms with STREAM/OK and releases the stream. A failure before the daemon answered the opening call
 * rejects the open; one that comes before the caller listens to the Readable waits until it does, so no 'error'
 * is ever emitted on a stream nobody holds. Data after the end marker fails the stream with an XdrDecodeError.
 */
import { Readable } from 'node:stream';
import { XdrDecodeError } from '../libvirt-error.js';
import { MessageStatus } from './protocol-constants.js';
import type { CallOptions, RpcConnection } from './rpc-connection.js';

const DOWNLOAD_BUFFER_BYTES = 4 * 1024 * 1024;
/** Events by which a consumer starts to hold the stream (what `pipeline`, `for await` and `on` attach). */
const CONSUMER_EVENTS: ReadonlySet<string | symbol> = new Set(['data', 'readable', 'error', 'end', 'close']);

export async function downloadStream(
  connection: RpcConnection,
  procedure: number,
  payload: Buffer | undefined,
  options: CallOptions = {},
): Promise<Readable> {
  let ended = false;
  let undelivered: Error | null = null;
  const output = new Readable({
    highWaterMark: DOWNLOAD_BUFFER_BYTES,
    read: () => connection.resumeReading(serial),
    destroy: (error, callback) => {
      if (!ended && !connection.isClosed) connection.sendStream(serial, procedure, MessageStatus.Error);
      connection.releaseStream(serial);
      callback(error);
    },
  });
  const hasConsumer = (): boolean => [...CONSUMER_EVENTS].some((event) => output.listenerCount(event) > 0);
  output.on('newListener', (event: string | symbol) => {
    if (undelivered === null || !CONSUMER_EVENTS.has(event)) return;
    const error = undelivered;
    undelivered = null;
    process.nextTick(() => output.destroy(error)); // once the listener being added is in place
  });
  const fail = (error: Error): void => {
    ended = true;
    connection.releaseStream(serial);
    if (hasConsumer()) output.destroy(error);
    else undelivered = error;
  };
  const finish = (): void => {
    if (ended) return;
    ended = true;
    connection.sendStream(serial, procedure, MessageStatus.Ok);
    output.push(null);
  };
  const handler = {
    onData: (data: Buffer) => {
      if (ended) fail(new XdrDecodeError(`libvirt sent ${data.length} bytes of stream data after the end of the stream`));
      else if (data.length === 0) finish();
      else if (!output.push(data)) connection.pauseReading(serial);
    },
    onEnd: () => {
      if (ended) connection.releaseStream(serial); // libvirtd confirmed our finish
      else finish();
    },
    onError: fail,
  };
  const { serial, opened } = connection.openStream(procedure, payload, handler, options);
  try {
    await opened;
  } catch (error) {
    ended = true;
    output.destroy();
    throw error;
  }
  return output;
}
