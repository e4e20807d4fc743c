/**
 * [REQ-03] XDR (RFC 4506) encoder for libvirt RPC payloads: 4-byte big-endian units, opaque data and strings
 * padded to a multiple of four. Values out of range throw a RangeError instead of wrapping silently.
 */

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;
const UINT32_MAX = 0xffffffff;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;

function paddingOf(length: number): number {
  return (4 - (length % 4)) % 4;
}

export class XdrWriter {
  private buffer: Buffer;
  private length = 0;

  constructor(initialBytes = 256) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  int(value: number): this {
    if (!Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) throw new RangeError(`XDR int out of range: ${value}`);
    this.reserve(4).writeInt32BE(value, this.length);
    this.length += 4;
    return this;
  }

  uint(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > UINT32_MAX) throw new RangeError(`XDR unsigned int out of range: ${value}`);
    this.reserve(4).writeUInt32BE(value, this.length);
    this.length += 4;
    return this;
  }

  hyper(value: bigint): this {
    if (value < INT64_MIN || value > INT64_MAX) throw new RangeError(`XDR hyper out of range: ${value}`);
    this.reserve(8).writeBigInt64BE(value, this.length);
    this.length += 8;
    return this;
  }

  uhyper(value: bigint): this {
    if (value < 0n || value > UINT64_MAX) throw new RangeError(`XDR unsigned hyper out of range: ${value}`);
    this.reserve(8).writeBigUInt64BE(value, this.length);
    this.length += 8;
    return this;
  }

  bool(value: boolean): this {
    return this.int(value ? 1 : 0);
  }

  /** Fixed-length opaque: exactly `size` bytes, padded. */
  opaqueFixed(bytes: Uint8Array, size: number): this {
    if (bytes.length !== size) throw new RangeError(`XDR fixed opaque needs ${size} bytes, got ${bytes.length}`);
    return this.rawPadded(bytes);
  }

  /** Variable-length opaque: length word, bytes, padding. */
  opaque(bytes: Uint8Array, maxBytes = UINT32_MAX): this {
    if (bytes.length > maxBytes) throw new RangeError(`XDR opaque longer than ${maxBytes} bytes`);
    this.uint(bytes.length);
    return this.rawPadded(bytes);
  }

  string(value: string, maxBytes = UINT32_MAX): this {
    const bytes = Buffer.from(value, 'utf8');
    if (bytes.length > maxBytes) throw new RangeError(`XDR string longer than ${maxBytes} bytes`);
    this.uint(bytes.length);
    return this.rawPadded(bytes);
  }

  /** Optional data (`T *`): a bool saying whether the value follows. */
  optional<T>(value: T | null | undefined, encode: (writer: this, value: T) => void): this {
    if (value === null || value === undefined) return this.bool(false);
    this.bool(true);
    encode(this, value);
    return this;
  }

  /** Variable-length array: count, then each element. */
  array<T>(items: readonly T[], encode: (writer: this, item: T) => void, maxItems = UINT32_MAX): this {
    if (items.length > maxItems) throw new RangeError(`XDR array longer than ${maxItems} items`);
    this.uint(items.length);
    for (const item of items) encode(this, item);
    return this;
  }

  /** The bytes written so far (a view, valid until the next write). */
  toBuffer(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  private rawPadded(bytes: Uint8Array): this {
    const padding = paddingOf(bytes.length);
    const target = this.reserve(bytes.length + padding);
    target.set(bytes, this.length);
    target.fill(0, this.length + bytes.length, this.length + bytes.length + padding);
    this.length += bytes.length + padding;
    return this;
  }

  private reserve(bytes: number): Buffer {
    const needed = this.length + bytes;
    if (needed > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.buffer.length * 2));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    return this.buffer;
  }
}
