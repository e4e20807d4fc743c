/**
 * [REQ-03] Cuts a byte stream into RPC packets by their length words. The length is checked against the
 * protocol limits before any packet data is buffered, so a garbage length fails fast instead of waiting for
 * (or allocating) gigabytes.
 */
import { XdrDecodeError } from '../libvirt-error.js';
import { HEADER_BYTES, LENGTH_WORD_BYTES, MESSAGE_MAX_BYTES } from './protocol-constants.js';

const MIN_PACKET_BYTES = LENGTH_WORD_BYTES + HEADER_BYTES;
const MAX_PACKET_BYTES = LENGTH_WORD_BYTES + MESSAGE_MAX_BYTES;

export class PacketFramer {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private expected: number | null = null;

  /** Adds received bytes and returns every packet they complete (each including its length word). */
  push(chunk: Buffer): Buffer[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const packets: Buffer[] = [];
    for (;;) {
      if (this.expected === null) {
        if (this.buffered < LENGTH_WORD_BYTES) break;
        this.expected = this.readLengthWord();
      }
      if (this.buffered < this.expected) break;
      packets.push(this.takeBytes(this.expected));
      this.expected = null;
    }
    return packets;
  }

  /** Bytes received that do not yet form a whole packet. */
  get pendingBytes(): number {
    return this.buffered;
  }

  private readLengthWord(): number {
    const head = this.chunks[0]!.length >= LENGTH_WORD_BYTES ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    const length = head.readUInt32BE(0);
    if (length < MIN_PACKET_BYTES || length > MAX_PACKET_BYTES) {
      throw new XdrDecodeError(`RPC packet length ${length} is outside ${MIN_PACKET_BYTES}..${MAX_PACKET_BYTES}`);
    }
    return length;
  }

  private takeBytes(size: number): Buffer {
    const joined = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    const packet = joined.subarray(0, size);
    const rest = joined.subarray(size);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return packet;
  }
}
