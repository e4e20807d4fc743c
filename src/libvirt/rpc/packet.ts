/**
 * [REQ-03] One libvirt RPC packet: a length word (counting itself), a 24-byte header
 * {program, version, procedure, type, serial, status} and a payload.
 */
import { XdrDecodeError } from '../libvirt-error.js';
import { HEADER_BYTES, LENGTH_WORD_BYTES, MESSAGE_MAX_BYTES } from './protocol-constants.js';

export interface PacketHeader {
  program: number;
  version: number;
  procedure: number;
  type: number;
  serial: number;
  status: number;
}

export interface Packet {
  header: PacketHeader;
  payload: Buffer;
}

/** The length word and header of a packet whose payload of `payloadBytes` is written separately. */
export function encodePacketHead(header: PacketHeader, payloadBytes: number): Buffer {
  const total = LENGTH_WORD_BYTES + HEADER_BYTES + payloadBytes;
  if (total - LENGTH_WORD_BYTES > MESSAGE_MAX_BYTES) throw new RangeError(`RPC message of ${total} bytes exceeds the maximum`);
  const head = Buffer.allocUnsafe(LENGTH_WORD_BYTES + HEADER_BYTES);
  head.writeUInt32BE(total, 0);
  head.writeUInt32BE(header.program, 4);
  head.writeUInt32BE(header.version, 8);
  head.writeInt32BE(header.procedure, 12);
  head.writeInt32BE(header.type, 16);
  head.writeUInt32BE(header.serial, 20);
  head.writeInt32BE(header.status, 24);
  return head;
}

/** Serialises a packet: length word, header, payload. */
export function encodePacket(header: PacketHeader, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  return Buffer.concat([encodePacketHead(header, payload.length), payload]);
}

/** Decodes a complete packet (length word included), as cut by PacketFramer. */
export function decodePacket(packet: Buffer): Packet {
  if (packet.length < LENGTH_WORD_BYTES + HEADER_BYTES) throw new XdrDecodeError(`RPC packet of ${packet.length} bytes is shorter than its header`);
  if (packet.readUInt32BE(0) !== packet.length) throw new XdrDecodeError('RPC packet length word does not match its size');
  return {
    header: {
      program: packet.readUInt32BE(4),
      version: packet.readUInt32BE(8),
      procedure: packet.readInt32BE(12),
      type: packet.readInt32BE(16),
      serial: packet.readUInt32BE(20),
      status: packet.readInt32BE(24),
    },
    payload: packet.subarray(LENGTH_WORD_BYTES + HEADER_BYTES),
  };
}
