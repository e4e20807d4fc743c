import { expect } from 'chai';
import { LibvirtConnectionError, LibvirtError, LibvirtTimeoutError } from '../../../../src/libvirt/libvirt-error.js';
import { encodePacket } from '../../../../src/libvirt/rpc/packet.js';
import {
  KEEPALIVE_PROGRAM, KeepaliveProcedure, MessageStatus, MessageType, RemoteProcedure,
} from '../../../../src/libvirt/rpc/protocol-constants.js';
import { RpcConnection } from '../../../../src/libvirt/rpc/rpc-connection.js';
import { FakeClock, flushMicrotasks } from '../../../support/fake-clock.js';
import { ScriptedPeer, remoteErrorPayload, uintPayload } from './scripted-peer.js';

function notFoundError(): Buffer {
  return remoteErrorPayload(42, "Domain not found: no domain with matching name 'ghost'");
}

function connect(peer: ScriptedPeer, clock: FakeClock, keepalive = { intervalMs: 0, countMax: 0 }): RpcConnection {
  return new RpcConnection(peer.transport(), { callTimeoutMs: 1000, keepalive, clock });
}

describe('[REQ-03] libvirt rpc connection', () => {
  it('matches replies to calls by serial when they come back out of order', async () => {
    const peer = new ScriptedPeer();
    const connection = connect(peer, new FakeClock());
    const calls = [1, 2, 3].map(() => connection.call(RemoteProcedure.DomainGetState, undefined));
    await flushMicrotasks();
    const serials = peer.calls().map((packet) => packet.header.serial);
    expect(new Set(serials).size).to.equal(3);
    for (const serial of [...serials].reverse()) peer.reply(serial, uintPayload(serial * 10));
    const replies = await Promise.all(calls);
    expect(replies.map((reply) => reply.readUInt32BE(0))).to.deep.equal(serials.map((serial) => serial * 10));
  });

  it('turns an error reply into a LibvirtError that says not found and is not retryable', async () => {
    const peer = new ScriptedPeer();
    const connection = connect(peer, new FakeClock());
    const call = connection.call(RemoteProcedure.DomainLookupByName, undefined);
    await flushMicrotasks();
    peer.reply(peer.calls()[0]!.header.serial, notFoundError(), MessageStatus.Error);
    const error = await call.then(() => null, (failure: unknown) => failure);
    expect(error).to.be.instanceOf(LibvirtError);
    expect((error as LibvirtError).isNotFound).to.equal(true);
    expect((error as LibvirtError).retryable).to.equal(false);
    expect((error as LibvirtError).message).to.contain("no domain with matching name 'ghost'");
  });

  it('times a call out without closing the connection, and drops the late reply', async () => {
    const clock = new FakeClock();
    const peer = new ScriptedPeer();
    const connection = connect(peer, clock);
    const slow = connection.call(RemoteProcedure.DomainGetState, undefined).then(() => null, (error: unknown) => error);
    await clock.advance(1001);
    expect(await slow).to.be.instanceOf(LibvirtTimeoutError);
    peer.reply(peer.calls()[0]!.header.serial, uintPayload(1));
    const next = connection.call(RemoteProcedure.DomainGetState, undefined);
    await flushMicrotasks();
    peer.reply(peer.calls()[1]!.header.serial, uintPayload(2));
    expect((await next).readUInt32BE(0)).to.equal(2);
    expect(connection.isClosed).to.equal(false);
  });

  it('rejects a call with the reason of its AbortSignal', async () => {
    const peer = new ScriptedPeer();
    const connection = connect(peer, new FakeClock());
    const controller = new AbortController();
    const call = connection.call(RemoteProcedure.DomainGetState, undefined, { signal: controller.signal });
    controller.abort(new Error('reconcile cancelled'));
    const error = await call.then(() => null, (failure: unknown) => failure);
    expect((error as Error).message).to.equal('reconcile cancelled');
  });

  it('fails every call in flight with a retryable LibvirtConnectionError when the transport ends', async () => {
    const peer = new ScriptedPeer();
    let closedWith: LibvirtConnectionError | null = null;
    const connection = new RpcConnection(peer.transport(), { callTimeoutMs: 0, keepalive: { intervalMs: 0, countMax: 0 }, onClose: (error) => { closedWith = error; } });
    const calls = Array.from({ length: 5 }, () => connection.call(RemoteProcedure.DomainGetState, undefined).then(() => null, (error: unknown) => error));
    peer.toClient.end();
    const errors = await Promise.all(calls);
    for (const error of errors) {
      expect(error).to.be.instanceOf(LibvirtConnectionError);
      expect((error as LibvirtConnectionError).retryable).to.equal(true);
    }
    expect(closedWith).to.be.instanceOf(LibvirtConnectionError);
    expect(connection.isClosed).to.equal(true);
    const after = await connection.call(RemoteProcedure.DomainGetState, undefined).then(() => null, (error: unknown) => error);
    expect(after).to.be.instanceOf(LibvirtConnectionError);
  });

  it('closes the connection when the peer sends a corrupt length word', async () => {
    const peer = new ScriptedPeer();
    const connection = connect(peer, new FakeClock());
    const call = connection.call(RemoteProcedure.DomainGetState, undefined).then(() => null, (error: unknown) => error);
    peer.toClient.write(Buffer.from('ffffffff00000000', 'hex'));
    const error = await call;
    expect(error).to.be.instanceOf(LibvirtConnectionError);
    expect((error as Error).message).to.match(/corrupt/);
    expect(peer.closed).to.equal(true);
  });

  it('answers a keepalive PING with a PONG', async () => {
    const peer = new ScriptedPeer();
    connect(peer, new FakeClock());
    peer.toClient.write(encodePacket({ program: KEEPALIVE_PROGRAM, version: 1, procedure: KeepaliveProcedure.Ping, type: MessageType.Message, serial: 0, status: 0 }));
    await flushMicrotasks();
    const pong = peer.received.find((packet) => packet.header.program === KEEPALIVE_PROGRAM);
    expect(pong?.header.procedure).to.equal(KeepaliveProcedure.Pong);
  });

  it('pings an idle peer every interval and declares it dead after countMax unanswered pings', async () => {
    const clock = new FakeClock();
    const peer = new ScriptedPeer();
    const connection = connect(peer, clock, { intervalMs: 100, countMax: 3 });
    const pings = (): number => peer.received.filter((packet) => packet.header.procedure === KeepaliveProcedure.Ping && packet.header.program === KEEPALIVE_PROGRAM).length;
    await clock.advance(100);
    expect(pings()).to.equal(1);
    // an answer resets the count
    peer.toClient.write(encodePacket({ program: KEEPALIVE_PROGRAM, version: 1, procedure: KeepaliveProcedure.Pong, type: MessageType.Message, serial: 0, status: 0 }));
    await clock.advance(100);
    expect(pings()).to.equal(1);
    await clock.advance(300);
    expect(pings()).to.equal(4);
    expect(connection.isClosed).to.equal(false);
    await clock.advance(100);
    expect(connection.isClosed).to.equal(true);
  });
});
