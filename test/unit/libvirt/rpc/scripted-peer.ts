/** [REQ-03] The far end of an in-memory RPC transport: sees what the client sends and answers with raw packets. */
import { PassThrough, Writable } from 'node:stream';
import { decodePacket, encodePacket, type Packet } from '../../../../src/libvirt/rpc/packet.js';
import { PacketFramer } from '../../../../src/libvirt/rpc/packet-framer.js';
import {
  KEEPALIVE_PROGRAM, KeepaliveProcedure, MessageStatus, MessageType, REMOTE_PROGRAM, RemoteProcedure,
} from '../../../../src/libvirt/rpc/protocol-constants.js';
import type { RpcTransport } from '../../../../src/libvirt/rpc/rpc-transport.js';
import { writeOptionalString } from '../../../../src/libvirt/rpc/remote-types.js';
import { XdrWriter } from '../../../../src/libvirt/rpc/xdr-writer.js';

export class ScriptedPeer {
  readonly toClient = new PassThrough();
  readonly fromClient: Writable;
  readonly received: Packet[] = [];
  closed = false;
  private readonly framer = new PacketFramer();

  /** `draining: false` makes a transport whose writes never complete, like a peer that stops reading. */
  constructor({ draining = true }: { draining?: boolean } = {}) {
    if (draining) {
      const sink = new PassThrough();
      sink.on('data', (chunk: Buffer) => {
        for (const packet of this.framer.push(chunk)) this.received.push(decodePacket(packet));
      });
      this.fromClient = sink;
    } else {
      this.fromClient = new Writable({ write: () => undefined });
    }
  }

  transport(): RpcTransport {
    return { readable: this.toClient, writable: this.fromClient, close: () => { this.closed = true; this.toClient.destroy(); } };
  }

  reply(serial: number, payload: Buffer, status: number = MessageStatus.Ok, procedure: number = RemoteProcedure.DomainGetState): void {
    this.toClient.write(encodePacket({ program: REMOTE_PROGRAM, version: 1, procedure, type: MessageType.Reply, serial, status }, payload));
  }

  stream(serial: number, status: number, payload: Buffer = Buffer.alloc(0), procedure: number = RemoteProcedure.StorageVolDownload): void {
    this.toClient.write(encodePacket({ program: REMOTE_PROGRAM, version: 1, procedure, type: MessageType.Stream, serial, status }, payload));
  }

  ping(): void {
    this.toClient.write(encodePacket({ program: KEEPALIVE_PROGRAM, version: 1, procedure: KeepaliveProcedure.Ping, type: MessageType.Message, serial: 0, status: 0 }));
  }

  /** The peer hangs up, as a dropped SSH channel would. */
  hangUp(): void {
    this.toClient.end();
  }

  calls(): Packet[] {
    return this.received.filter((packet) => packet.header.type === MessageType.Call);
  }
}

export function uintPayload(value: number): Buffer {
  return Buffer.from(new XdrWriter().uint(value).toBuffer());
}

/** A remote_error payload with code, domain 10 and `message`. */
export function remoteErrorPayload(code: number, message: string): Buffer {
  const writer = new XdrWriter().int(code).int(10);
  writeOptionalString(writer, message);
  writer.int(2).bool(false).bool(false).bool(false).bool(false).int(0).int(0).bool(false);
  return Buffer.from(writer.toBuffer());
}
