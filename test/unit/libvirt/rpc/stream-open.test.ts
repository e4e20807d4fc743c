import { expect } from 'chai';
import { Readable } from 'node:stream';
import { LibvirtConnectionError, LibvirtError } from '../../../../src/libvirt/libvirt-error.js';
import { downloadStream } from '../../../../src/libvirt/rpc/download-stream.js';
import { MessageStatus, RemoteProcedure } from '../../../../src/libvirt/rpc/protocol-constants.js';
import { RpcConnection } from '../../../../src/libvirt/rpc/rpc-connection.js';
import { uploadStream } from '../../../../src/libvirt/rpc/upload-stream.js';
import { flushMicrotasks } from '../../../support/fake-clock.js';
import { ScriptedPeer, remoteErrorPayload } from './scripted-peer.js';

const NO_KEEPALIVE = { intervalMs: 0, countMax: 0 };

function connect(peer: ScriptedPeer): RpcConnection {
  return new RpcConnection(peer.transport(), { callTimeoutMs: 0, keepalive: NO_KEEPALIVE });
}

function outcome(promise: Promise<unknown>): Promise<unknown> {
  return promise.then((value) => ({ value }), (error: unknown) => error);
}

/** Reads a stream to its end or error, whichever comes first. */
async function drain(stream: Readable): Promise<{ bytes: number; error?: unknown }> {
  let bytes = 0;
  try {
    for await (const chunk of stream) bytes += (chunk as Buffer).length;
    return { bytes };
  } catch (error) {
    return { bytes, error };
  }
}

const STORAGE_ERROR = (): Buffer => remoteErrorPayload(38, 'cannot open volume: Permission denied');

describe('[REQ-03] opening a libvirt stream when the host hangs up or fails it first', () => {
  for (const [name, open] of [
    ['download', (connection: RpcConnection) => downloadStream(connection, RemoteProcedure.StorageVolDownload, undefined)],
    ['upload', (connection: RpcConnection) => uploadStream(connection, RemoteProcedure.StorageVolUpload, undefined, emptySource())],
  ] as const) {
    it(`rejects the ${name} open with the typed connection error when the peer hangs up before replying`, async () => {
      const peer = new ScriptedPeer();
      const opening = outcome(open(connect(peer)));
      await flushMicrotasks();
      peer.hangUp();
      const error = await opening;
      await flushMicrotasks(); // an 'error' emitted on a stream nobody holds would surface here, failing the test
      expect(error).to.be.instanceOf(LibvirtConnectionError);
    });

    it(`rejects the ${name} open with libvirt's error when STREAM/ERROR comes before the reply`, async () => {
      const peer = new ScriptedPeer();
      const connection = connect(peer);
      const opening = outcome(open(connection));
      await flushMicrotasks();
      const serial = peer.calls()[0]!.header.serial;
      peer.stream(serial, MessageStatus.Error, STORAGE_ERROR());
      const error = await opening;
      expect(error).to.be.instanceOf(LibvirtError);
      expect((error as Error).message).to.equal('cannot open volume: Permission denied');
      peer.reply(serial, Buffer.alloc(0)); // the late reply changes nothing
      await flushMicrotasks();
      expect(connection.isClosed).to.equal(false);
    });
  }

  it('destroys the source of an upload whose open fails, so its file is closed', async () => {
    const peer = new ScriptedPeer();
    const source = emptySource();
    const opening = outcome(uploadStream(connect(peer), RemoteProcedure.StorageVolUpload, undefined, source));
    await flushMicrotasks();
    peer.stream(peer.calls()[0]!.header.serial, MessageStatus.Error, STORAGE_ERROR());
    expect(await opening).to.be.instanceOf(LibvirtError);
    expect(source.destroyed).to.equal(true);
  });

  it('hands over a download whose connection drops in the same moment as the reply, failing it only once read', async () => {
    const peer = new ScriptedPeer();
    const opening = downloadStream(connect(peer), RemoteProcedure.StorageVolDownload, undefined);
    await flushMicrotasks();
    const serial = peer.calls()[0]!.header.serial;
    peer.reply(serial, Buffer.alloc(0));
    peer.stream(serial, MessageStatus.Continue, Buffer.from('first bytes'));
    peer.hangUp();
    await flushMicrotasks();
    await flushMicrotasks();
    const read = await drain(await opening);
    expect(read.error).to.be.instanceOf(LibvirtConnectionError);
  });

  it('fails a download with a typed error when data follows the end marker', async () => {
    const peer = new ScriptedPeer();
    const connection = connect(peer);
    const opening = downloadStream(connection, RemoteProcedure.StorageVolDownload, undefined);
    await flushMicrotasks();
    const serial = peer.calls()[0]!.header.serial;
    peer.reply(serial, Buffer.alloc(0));
    const stream = await opening;
    peer.stream(serial, MessageStatus.Continue, Buffer.from('data'));
    peer.stream(serial, MessageStatus.Continue); // end marker
    peer.stream(serial, MessageStatus.Continue, Buffer.from('more after the end'));
    const read = await drain(stream);
    expect(read.error).to.have.property('reason', 'LibvirtProtocolError');
    expect((read.error as Error).message).to.match(/after the end/);
  });
});

function emptySource(): Readable {
  return Readable.from([Buffer.from('volume bytes')]);
}
