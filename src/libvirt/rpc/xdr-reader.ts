/**
 * [REQ-03] XDR (RFC 4506) decoder with bounds checks: every read checks the remaining bytes and every length
 * its limit before allocating, so truncated or garbage input ends in an XdrDecodeError, never a crash or hang.
 */
import { XdrDecodeError } from '../libvirt-error.js';

export class XdrReader {
  private offset = 0;

  constructor(private readonly buffer: Buffer) {}

  get remaining(): number {
    return this.buffer.length - this.offset;
  }

  int(): number {
    return this.take(4).readInt32BE(0);
  }

  uint(): number {
    return this.take(4).readUInt32BE(0);
  }

  hyper(): bigint {
    return this.take(8).readBigInt64BE(0);
  }

  uhyper(): bigint {
    return this.take(8).readBigUInt64BE(0);
  }

  bool(): boolean {
    const value = this.int();
    if (value !== 0 && value !== 1) throw new XdrDecodeError(`XDR bool must be 0 or 1, got ${value}`);
    return value === 1;
  }

  opaqueFixed(size: number): Buffer {
    return this.takePadded(size);
  }

  opaque(maxBytes: number): Buffer {
    return this.takePadded(this.length(maxBytes, 'opaque'));
  }

  string(maxBytes: number): string {
    return this.takePadded(this.length(maxBytes, 'string')).toString('utf8');
  }

  optional<T>(decode: (reader: this) => T): T | null {
    return this.bool() ? decode(this) : null;
  }

  array<T>(decode: (reader: this) => T, maxItems: number): T[] {
    const count = this.length(maxItems, 'array');
    // Each element takes at least 4 bytes: a count beyond that is garbage, refuse before looping.
    if (count * 4 > this.remaining) throw new XdrDecodeError(`XDR array of ${count} items exceeds the remaining ${this.remaining} bytes`);
    const items: T[] = [];
    for (let index = 0; index < count; index += 1) items.push(decode(this));
    return items;
  }

  /** Fails unless every byte was consumed: a payload longer than its layout is not what we think it is. */
  end(): void {
    if (this.remaining !== 0) throw new XdrDecodeError(`XDR payload has ${this.remaining} unexpected trailing bytes`);
  }

  private length(max: number, what: string): number {
    const length = this.uint();
    if (length > max) throw new XdrDecodeError(`XDR ${what} length ${length} exceeds the limit ${max}`);
    return length;
  }

  private takePadded(size: number): Buffer {
    const bytes = this.take(size);
    const padding = (4 - (size % 4)) % 4;
    const pad = this.take(padding);
    for (const byte of pad) if (byte !== 0) throw new XdrDecodeError('XDR padding bytes must be zero');
    return bytes;
  }

  private take(size: number): Buffer {
    if (size > this.remaining) {
      throw new XdrDecodeError(`XDR input truncated: needed ${size} bytes at offset ${this.offset}, ${this.remaining} left`);
    }
    const slice = this.buffer.subarray(this.offset, this.offset + size);
    this.offset += size;
    return slice;
  }
}
