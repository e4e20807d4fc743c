import { expect } from 'chai';
import { firstValueFrom, toArray, take } from 'rxjs';
import { LibvirtConnectionError, LibvirtEventOverflowError } from '../../../../src/libvirt/libvirt-error.js';
import { domainLifecycleEvents, type DomainLifecycleEvent } from '../../../../src/libvirt/operations/domain-events.js';
import { encodePacket } from '../../../../src/libvirt/rpc/packet.js';
import { MessageType, REMOTE_PROGRAM, RemoteProcedure } from '../../../../src/libvirt/rpc/protocol-constants.js';
import { writeDomain } from '../../../../src/libvirt/rpc/remote-types.js';
import { RpcSession } from '../../../../src/libvirt/rpc/rpc-session.js';
import { XdrWriter } from '../../../../src/libvirt/rpc/xdr-writer.js';
import { flushMicrotasks } from '../../../support/fake-clock.js';
import { retainedBytes } from '../../../support/heap.js';
import { ScriptedPeer, uintPayload } from '../rpc/scripted-peer.js';

const CALLBACK_ID = 7;

function lifecycleEvent(name: string, event = 2): Buffer {
  const writer = new XdrWriter().int(CALLBACK_ID);
  writeDomain(writer, { name, uuid: '2c26b46b-68ff-c68f-f99b-453c1d304134', id: 1 });
  writer.int(event).int(0);
  return encodePacket({ program: REMOTE_PROGRAM, version: 1, procedure: RemoteProcedure.DomainEventCallbackLifecycle, type: MessageType.Message, serial: 0, status: 0 }, writer.toBuffer());
}

/** Answers AUTH_LIST (no auth) and CONNECT_OPEN; returns the serial of the REGISTER call that follows. */
async function serveHandshake(peer: ScriptedPeer): Promise<number> {
  const next = async (procedure: number): Promise<number> => {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const call = peer.calls().find((packet) => packet.header.procedure === procedure);
      if (call) return call.header.serial;
      await flushMicrotasks();
    }
    throw new Error(`no call of procedure ${procedure}`);
  };
  peer.reply(await next(RemoteProcedure.AuthList), uintPayload(0), 0, RemoteProcedure.AuthList);
  peer.reply(await next(RemoteProcedure.ConnectOpen), Buffer.alloc(0), 0, RemoteProcedure.ConnectOpen);
  return next(RemoteProcedure.ConnectDomainEventCallbackRegisterAny);
}

function session(peer: ScriptedPeer): RpcSession {
  return new RpcSession(async () => peer.transport(), { uri: 'qemu:///system', callTimeoutMs: 0, keepalive: { intervalMs: 0, countMax: 0 } });
}

describe('[REQ-03] domain lifecycle event subscription against a broken or flooding host', () => {
  it('delivers the events that arrive before the REGISTER reply, then the later ones', async () => {
    const peer = new ScriptedPeer();
    const received = firstValueFrom(domainLifecycleEvents(session(peer)).pipe(take(2), toArray()));
    const register = await serveHandshake(peer);
    peer.toClient.write(lifecycleEvent('early'));
    peer.reply(register, uintPayload(CALLBACK_ID), 0, RemoteProcedure.ConnectDomainEventCallbackRegisterAny);
    peer.toClient.write(lifecycleEvent('late'));
    expect((await received).map((event: DomainLifecycleEvent) => event.domainName)).to.deep.equal(['early', 'late']);
  });

  it('errors with the typed connection error when the host hangs up before the REGISTER reply', async () => {
    const peer = new ScriptedPeer();
    const failure = firstValueFrom(domainLifecycleEvents(session(peer))).then(() => null, (error: unknown) => error);
    await serveHandshake(peer);
    peer.hangUp();
    expect(await failure).to.be.instanceOf(LibvirtConnectionError);
    await flushMicrotasks();
  });

  it('fails the subscription with a typed error, in bounded memory, when 400,000 events come before REGISTER', async function () {
    this.timeout(120_000);
    const peer = new ScriptedPeer();
    const flood = Buffer.concat(new Array<Buffer>(400_000).fill(lifecycleEvent('flood')));
    const failure = firstValueFrom(domainLifecycleEvents(session(peer))).then(() => null, (error: unknown) => error);
    const register = await serveHandshake(peer);
    const before = retainedBytes();
    peer.toClient.write(flood);
    await flushMicrotasks();
    const growth = retainedBytes() - before;
    peer.reply(register, uintPayload(CALLBACK_ID), 0, RemoteProcedure.ConnectDomainEventCallbackRegisterAny);
    const error = await failure;
    // Queued, the 400,000 decoded events held about 200 MB; the capped queue holds a few hundred KB.
    expect(growth, `growth ${Math.round(growth / 2 ** 20)} MiB`).to.be.below(16 * 2 ** 20);
    expect(error).to.be.instanceOf(LibvirtEventOverflowError);
    expect((error as LibvirtEventOverflowError).retryable).to.equal(true);
    await flushMicrotasks();
    const deregister = peer.calls().filter((call) => call.header.procedure === RemoteProcedure.ConnectDomainEventCallbackDeregisterAny);
    expect(deregister.map((call) => call.payload.readInt32BE(0)), 'the registration is undone').to.deep.equal([CALLBACK_ID]);
  });
});
