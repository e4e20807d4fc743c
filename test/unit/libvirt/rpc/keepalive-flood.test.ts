import { expect } from 'chai';
import { LibvirtConnectionError } from '../../../../src/libvirt/libvirt-error.js';
import { encodePacket } from '../../../../src/libvirt/rpc/packet.js';
import { KEEPALIVE_PROGRAM, KeepaliveProcedure, MessageType, RemoteProcedure } from '../../../../src/libvirt/rpc/protocol-constants.js';
import { RpcConnection } from '../../../../src/libvirt/rpc/rpc-connection.js';
import { FakeClock, flushMicrotasks } from '../../../support/fake-clock.js';
import { retainedBytes } from '../../../support/heap.js';
import { ScriptedPeer } from './scripted-peer.js';

const PING = encodePacket({ program: KEEPALIVE_PROGRAM, version: 1, procedure: KeepaliveProcedure.Ping, type: MessageType.Message, serial: 0, status: 0 });

describe('[REQ-03] libvirt rpc connection against a peer that floods PINGs and never reads', () => {
  it('stops answering once the outgoing queue is full, and closes a connection that sends nothing but PINGs', async () => {
    const clock = new FakeClock();
    const peer = new ScriptedPeer({ draining: false });
    let closedWith: unknown;
    const connection = new RpcConnection(peer.transport(), {
      callTimeoutMs: 0, keepalive: { intervalMs: 5000, countMax: 5 }, clock, onClose: (error) => { closedWith = error; },
    });
    const writable = peer.fromClient;
    const before = retainedBytes();
    for (let second = 0; second < 40 && !connection.isClosed; second += 1) {
      peer.toClient.write(Buffer.concat(new Array<Buffer>(2500).fill(PING))); // 100,000 PINGs in all
      await clock.advance(1000);
    }
    const growth = retainedBytes() - before;
    // Each PONG is 28 bytes: answering all 100,000 would queue 2.8 MB (and much more in write requests).
    expect(writable.writableLength, 'bytes queued for the peer').to.be.at.most(writable.writableHighWaterMark + 1024);
    expect(growth, `growth ${Math.round(growth / 2 ** 20)} MiB`).to.be.below(8 * 2 ** 20); // unbounded PONGs retained 22 MB
    expect(closedWith).to.be.instanceOf(LibvirtConnectionError);
    expect((closedWith as Error).message).to.match(/keepalive/);
  });

  it('closes the connection with a typed error when calls pile up past the outgoing limit', async () => {
    const peer = new ScriptedPeer({ draining: false });
    const connection = new RpcConnection(peer.transport(), { callTimeoutMs: 0, keepalive: { intervalMs: 0, countMax: 0 }, outgoingLimitBytes: 1024 * 1024 });
    const calls = Array.from({ length: 5 }, () => connection.call(RemoteProcedure.DomainDefineXml, Buffer.alloc(300 * 1024)).then(() => null, (error: unknown) => error));
    const errors = await Promise.all(calls);
    await flushMicrotasks();
    expect(connection.isClosed).to.equal(true);
    for (const error of errors) expect((error as Error).message).to.match(/not reading/);
    expect(errors.every((error) => error instanceof LibvirtConnectionError)).to.equal(true);
  });

  it('still sends its own PING while upload data fills the transport, so a slow healthy upload is not declared dead', async () => {
    const clock = new FakeClock();
    const peer = new ScriptedPeer({ draining: false });
    new RpcConnection(peer.transport(), { callTimeoutMs: 0, keepalive: { intervalMs: 5000, countMax: 5 }, clock })
      .sendStream(1, RemoteProcedure.StorageVolUpload, 2, [Buffer.alloc(256 * 1024)]);
    const queued = peer.fromClient.writableLength;
    await clock.advance(5000);
    expect(peer.fromClient.writableLength - queued, 'one PING queued behind the data').to.equal(28);
  });
});
