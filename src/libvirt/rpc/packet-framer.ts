/**
 * [REQ-03] Cuts a byte stream into RPC packets by their length words. The length is checked against the
 * protocol limits before any packet data is buffered, so a garbage length fails fast instead of waiting for
 * (or allocating) gigabytes. A packet that arrives in pieces is copied into one buffer of its declared size,
 * allocated once: memory stays at the packet's size however finely a peer dribbles it.
 */
import { XdrDecodeError } from '../libvirt-error.js';
import { HEADER_BYTES, LENGTH_WORD_BYTES, MESSAGE_MAX_BYTES } from './protocol-constants.js';

const MIN_PACKET_BYTES = LENGTH_WORD_BYTES + HEADER_BYTES;
const MAX_PACKET_BYTES = LENGTH_WORD_BYTES + MESSAGE_MAX_BYTES;

export class PacketFramer {
  /** The length word being read when it arrives split. */
  private readonly lengthWord = Buffer.alloc(LENGTH_WORD_BYTES);
  private lengthBytes = 0;
  /** The packet being filled (length word included), allocated at its declared size. */
  private partial: Buffer | null = null;
  private filled = 0;

  /** Adds received bytes and returns every packet they complete (each including its length word). */
  push(chunk: Buffer): Buffer[] {
    const packets: Buffer[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      if (this.partial !== null) {
        offset += this.fill(chunk, offset);
        if (this.filled === this.partial.length) {
          packets.push(this.partial);
          this.partial = null;
          this.filled = 0;
        }
        continue;
      }
      if (this.lengthBytes === 0 && chunk.length - offset >= LENGTH_WORD_BYTES) {
        const length = checkedLength(chunk.readUInt32BE(offset));
        if (chunk.length - offset >= length) {
          packets.push(chunk.subarray(offset, offset + length)); // whole packet in this chunk: no copy
          offset += length;
        } else {
          this.begin(length);
        }
        continue;
      }
      const take = Math.min(LENGTH_WORD_BYTES - this.lengthBytes, chunk.length - offset);
      chunk.copy(this.lengthWord, this.lengthBytes, offset, offset + take);
      this.lengthBytes += take;
      offset += take;
      if (this.lengthBytes === LENGTH_WORD_BYTES) {
        this.lengthBytes = 0;
        this.begin(checkedLength(this.lengthWord.readUInt32BE(0)));
        this.lengthWord.copy(this.partial!, 0);
        this.filled = LENGTH_WORD_BYTES;
      }
    }
    return packets;
  }

  /** Bytes received that do not yet form a whole packet. */
  get pendingBytes(): number {
    return this.partial !== null ? this.filled : this.lengthBytes;
  }

  private begin(length: number): void {
    this.partial = Buffer.allocUnsafe(length);
    this.filled = 0;
  }

  private fill(chunk: Buffer, offset: number): number {
    const partial = this.partial!;
    const take = Math.min(partial.length - this.filled, chunk.length - offset);
    chunk.copy(partial, this.filled, offset, offset + take);
    this.filled += take;
    return take;
  }
}

function checkedLength(length: number): number {
  if (length < MIN_PACKET_BYTES || length > MAX_PACKET_BYTES) {
    throw new XdrDecodeError(`RPC packet length ${length} is outside ${MIN_PACKET_BYTES}..${MAX_PACKET_BYTES}`);
  }
  return length;
}
