import { expect } from 'chai';
import fc from 'fast-check';
import { Readable } from 'node:stream';
import { OperatorError } from '../../../../src/errors/operator-error.js';
import { LibvirtConnectionError, XdrDecodeError } from '../../../../src/libvirt/libvirt-error.js';
import { decodeLifecycle } from '../../../../src/libvirt/operations/domain-events.js';
import { downloadStream } from '../../../../src/libvirt/rpc/download-stream.js';
import { decodePacket, encodePacket, type PacketHeader } from '../../../../src/libvirt/rpc/packet.js';
import { PacketFramer } from '../../../../src/libvirt/rpc/packet-framer.js';
import { KEEPALIVE_PROGRAM, REMOTE_PROGRAM, RemoteProcedure } from '../../../../src/libvirt/rpc/protocol-constants.js';
import { readDomain, readRemoteError, readStoragePool, readStorageVol } from '../../../../src/libvirt/rpc/remote-types.js';
import { RpcConnection } from '../../../../src/libvirt/rpc/rpc-connection.js';
import { uploadStream } from '../../../../src/libvirt/rpc/upload-stream.js';
import { XdrReader } from '../../../../src/libvirt/rpc/xdr-reader.js';
import { flushMicrotasks } from '../../../support/fake-clock.js';
import { ScriptedPeer } from './scripted-peer.js';

/** Each property runs for about this long (or until its run count), so the whole file takes a few seconds. */
const BUDGET = { numRuns: 100_000, interruptAfterTimeLimit: 900 };

const header = fc.record<PacketHeader>({
  program: fc.constantFrom(REMOTE_PROGRAM, KEEPALIVE_PROGRAM, 0x12345678),
  version: fc.constantFrom(1, 2),
  procedure: fc.constantFrom(RemoteProcedure.StorageVolDownload, RemoteProcedure.DomainGetState, RemoteProcedure.DomainEventCallbackLifecycle, 1, 2, -1),
  type: fc.integer({ min: -1, max: 7 }),
  serial: fc.integer({ min: 0, max: 5 }),
  status: fc.integer({ min: -1, max: 3 }),
});
const packet = fc.tuple(header, fc.uint8Array({ maxLength: 200 })).map(([head, payload]) => encodePacket(head, payload));
/** A byte stream of well-formed packets with garbage spliced in, cut into chunks at random points. */
const hostileStream = fc.tuple(
  fc.array(fc.oneof({ weight: 4, arbitrary: packet }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes)) }), { maxLength: 30 }),
  fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }),
).map(([parts, cuts]) => chunked(Buffer.concat(parts), cuts));

function chunked(bytes: Buffer, cuts: number[]): Buffer[] {
  const chunks: Buffer[] = [];
  for (let offset = 0, index = 0; offset < bytes.length; index += 1) {
    const size = cuts[index % cuts.length]!;
    chunks.push(bytes.subarray(offset, offset + size));
    offset += size;
  }
  return chunks;
}

/** Runs `decode`; anything thrown must be an XdrDecodeError. */
function decodesOrRefuses(decode: () => unknown): void {
  try {
    decode();
  } catch (error) {
    if (!(error instanceof XdrDecodeError)) throw error;
  }
}

function settled(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => null, (error: unknown) => error);
}

async function drain(stream: Readable): Promise<unknown> {
  try {
    for await (const chunk of stream) void chunk;
    return null;
  } catch (error) {
    return error;
  }
}

describe('[REQ-03] property-based fuzzing of the libvirt RPC framer, decoders and connection', () => {
  it('reassembles any sequence of packets however the stream is cut', () => {
    fc.assert(fc.property(fc.array(packet, { maxLength: 20 }), fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 10 }), (packets, cuts) => {
      const framer = new PacketFramer();
      const out = chunked(Buffer.concat(packets), cuts).flatMap((chunk) => framer.push(chunk));
      expect(out.map((bytes) => bytes.toString('hex'))).to.deep.equal(packets.map((bytes) => bytes.toString('hex')));
      expect(framer.pendingBytes).to.equal(0);
    }), BUDGET);
  });

  it('frames and decodes arbitrary bytes into packets or an XdrDecodeError, nothing else', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }), (chunks) => {
      const framer = new PacketFramer();
      decodesOrRefuses(() => {
        for (const chunk of chunks) for (const framed of framer.push(Buffer.from(chunk))) decodePacket(framed);
      });
    }), BUDGET);
  });

  it('decodes arbitrary payloads as remote_error, object references and lifecycle events, or refuses them', () => {
    const decoders = [readRemoteError, readDomain, readStoragePool, readStorageVol];
    fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), fc.integer({ min: 0, max: decoders.length }), (bytes, pick) => {
      const payload = Buffer.from(bytes);
      decodesOrRefuses(() => (pick === decoders.length ? decodeLifecycle(payload) : decoders[pick]!(new XdrReader(payload))));
    }), BUDGET);
  });

  it('runs arbitrary XdrReader reads over arbitrary bytes into values or an XdrDecodeError', () => {
    const reads = fc.array(fc.constantFrom<Array<(reader: XdrReader) => unknown>>(
      (r) => r.int(), (r) => r.uint(), (r) => r.hyper(), (r) => r.uhyper(), (r) => r.bool(), (r) => r.opaqueFixed(5),
      (r) => r.opaque(64), (r) => r.string(64), (r) => r.optional((inner) => inner.int()), (r) => r.array((inner) => inner.uint(), 16), (r) => r.end(),
    ), { maxLength: 12 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 96 }), reads, (bytes, steps) => {
      const reader = new XdrReader(Buffer.from(bytes));
      decodesOrRefuses(() => steps.forEach((step) => step(reader)));
    }), BUDGET);
  });

  it('keeps a connection with calls, a download and an upload in flight to typed outcomes whatever the host sends', async () => {
    await fc.assert(fc.asyncProperty(hostileStream, fc.boolean(), async (chunks, hangUp) => {
      const peer = new ScriptedPeer();
      const connection = new RpcConnection(peer.transport(), { callTimeoutMs: 0, keepalive: { intervalMs: 0, countMax: 0 }, onEvent: () => undefined });
      const calls = [settled(connection.call(RemoteProcedure.DomainGetState, undefined)), settled(connection.call(RemoteProcedure.DomainGetState, undefined))];
      const download = settled(downloadStream(connection, RemoteProcedure.StorageVolDownload, undefined).then(drain).then((error) => {
        if (error !== null) throw error;
      }));
      const upload = settled(uploadStream(connection, RemoteProcedure.StorageVolUpload, undefined, Readable.from([Buffer.alloc(10)])));
      for (const chunk of chunks) peer.toClient.write(chunk);
      if (hangUp) peer.hangUp();
      await flushMicrotasks();
      await flushMicrotasks();
      connection.close();
      for (const outcome of await Promise.all([...calls, download, upload])) {
        if (outcome !== null) expect(outcome, String(outcome)).to.be.instanceOf(OperatorError);
      }
      expect(connection.isClosed).to.equal(true);
      const after = await settled(connection.call(RemoteProcedure.DomainGetState, undefined));
      expect(after).to.be.instanceOf(LibvirtConnectionError);
    }), BUDGET);
  });
});
