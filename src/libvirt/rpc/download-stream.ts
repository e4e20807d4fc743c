/**
 * [REQ-03] Receives a libvirt stream (e.g. STORAGE_VOL_DOWNLOAD) as a Node Readable. Backpressure: when the
 * consumer lags, the connection stops reading the transport until the consumer asks for more, so memory stays
 * bounded (libvirtd then blocks on the full pipe). libvirtd marks the end of the data with an empty
 * STREAM/CONTINUE packet; the client then sends the STREAM/OK finish that libvirt's own client sends, and the
 * daemon confirms with STREAM/OK and releases the stream.
 */
import { Readable } from 'node:stream';
import { MessageStatus } from './protocol-constants.js';
import type { CallOptions, RpcConnection } from './rpc-connection.js';

const DOWNLOAD_BUFFER_BYTES = 4 * 1024 * 1024;

export async function downloadStream(
  connection: RpcConnection,
  procedure: number,
  payload: Buffer | undefined,
  options: CallOptions = {},
): Promise<Readable> {
  let ended = false;
  const output = new Readable({
    highWaterMark: DOWNLOAD_BUFFER_BYTES,
    read: () => connection.resumeReading(serial),
    destroy: (error, callback) => {
      if (!ended && !connection.isClosed) connection.sendStream(serial, procedure, MessageStatus.Error);
      connection.releaseStream(serial);
      callback(error);
    },
  });
  const finish = (): void => {
    if (ended) return;
    ended = true;
    connection.sendStream(serial, procedure, MessageStatus.Ok);
    output.push(null);
  };
  const handler = {
    onData: (data: Buffer) => {
      if (data.length === 0) finish();
      else if (!output.push(data)) connection.pauseReading(serial);
    },
    onEnd: () => {
      if (ended) connection.releaseStream(serial); // libvirtd confirmed our finish
      else finish();
    },
    onError: (error: Error) => {
      ended = true;
      output.destroy(error);
    },
  };
  const { serial, opened } = connection.openStream(procedure, payload, handler, options);
  await opened;
  return output;
}
