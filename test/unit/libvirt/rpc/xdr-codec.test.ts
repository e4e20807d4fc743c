import { expect } from 'chai';
import { XdrDecodeError } from '../../../../src/libvirt/libvirt-error.js';
import {
  readDomain, readRemoteError, readStorageVol, uuidFromBytes, uuidToBytes, writeDomain, writeOptionalString,
  writeStorageVol, writeString, type DomainRef,
} from '../../../../src/libvirt/rpc/remote-types.js';
import { XdrReader } from '../../../../src/libvirt/rpc/xdr-reader.js';
import { XdrWriter } from '../../../../src/libvirt/rpc/xdr-writer.js';

const DOMAIN: DomainRef = { name: 'vm-äö-1', uuid: '0f6c5b2e-8a41-4c1e-9d3b-7a2f1e0c9b84', id: -1 };

/** A deterministic pseudo-random byte source (xorshift32), so failures reproduce. */
function pseudoRandomBytes(seed: number, length: number): Buffer {
  let state = seed || 1;
  const bytes = Buffer.alloc(length);
  for (let index = 0; index < length; index += 1) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[index] = state & 0xff;
  }
  return bytes;
}

function encodeRemoteError(message: string | null): Buffer {
  const writer = new XdrWriter();
  writer.int(42).int(10);
  writeOptionalString(writer, message);
  writer.int(2);
  writer.optional(DOMAIN, writeDomain);
  writeOptionalString(writer, 'str1');
  writeOptionalString(writer, null);
  writeOptionalString(writer, null);
  writer.int(0).int(0).bool(false);
  return Buffer.from(writer.toBuffer());
}

describe('[REQ-03] libvirt rpc XDR codec', () => {
  it('round-trips every primitive with the exact RFC 4506 byte layout', () => {
    const writer = new XdrWriter(4);
    writer.int(-2).uint(0xffffffff).hyper(-(1n << 62n)).uhyper((1n << 64n) - 1n).bool(true).string('abcde');
    writer.opaque(Buffer.from([1, 2])).opaqueFixed(Buffer.from([9, 8, 7]), 3);
    writer.optional<number>(null, (w, v) => w.int(v)).optional(7, (w, v) => w.int(v));
    writer.array([1, 2, 3], (w, v) => w.uint(v));
    const bytes = Buffer.from(writer.toBuffer());
    expect(bytes.length).to.equal(4 + 4 + 8 + 8 + 4 + (4 + 8) + (4 + 4) + 4 + 4 + (4 + 4) + (4 + 12));
    expect(bytes.subarray(0, 4).toString('hex')).to.equal('fffffffe');

    const reader = new XdrReader(bytes);
    expect(reader.int()).to.equal(-2);
    expect(reader.uint()).to.equal(0xffffffff);
    expect(reader.hyper()).to.equal(-(1n << 62n));
    expect(reader.uhyper()).to.equal((1n << 64n) - 1n);
    expect(reader.bool()).to.equal(true);
    expect(reader.string(100)).to.equal('abcde');
    expect([...reader.opaque(100)]).to.deep.equal([1, 2]);
    expect([...reader.opaqueFixed(3)]).to.deep.equal([9, 8, 7]);
    expect(reader.optional((r) => r.int())).to.equal(null);
    expect(reader.optional((r) => r.int())).to.equal(7);
    expect(reader.array((r) => r.uint(), 10)).to.deep.equal([1, 2, 3]);
    reader.end();
  });

  it('round-trips domain and storage volume references with UTF-8 names and UUIDs', () => {
    const writer = new XdrWriter();
    writeDomain(writer, DOMAIN);
    writeStorageVol(writer, { pool: 'virtfleet', name: 'disk.qcow2', key: '/var/lib/virtfleet/images/disk.qcow2' });
    const reader = new XdrReader(Buffer.from(writer.toBuffer()));
    expect(readDomain(reader)).to.deep.equal(DOMAIN);
    expect(readStorageVol(reader)).to.deep.equal({ pool: 'virtfleet', name: 'disk.qcow2', key: '/var/lib/virtfleet/images/disk.qcow2' });
    reader.end();
    expect(uuidFromBytes(uuidToBytes(DOMAIN.uuid))).to.equal(DOMAIN.uuid);
  });

  it('decodes a remote_error with its code, domain, level and message', () => {
    const fields = readRemoteError(new XdrReader(encodeRemoteError("Domain not found: no domain with matching name 'x'")));
    expect(fields).to.deep.equal({ code: 42, domain: 10, level: 2, message: "Domain not found: no domain with matching name 'x'" });
    expect(readRemoteError(new XdrReader(encodeRemoteError(null))).message).to.equal(null);
  });

  it('refuses to encode values outside their XDR type', () => {
    expect(() => new XdrWriter().int(2 ** 31)).to.throw(RangeError);
    expect(() => new XdrWriter().uint(-1)).to.throw(RangeError);
    expect(() => new XdrWriter().int(1.5)).to.throw(RangeError);
    expect(() => new XdrWriter().uhyper(-1n)).to.throw(RangeError);
    expect(() => new XdrWriter().hyper(1n << 63n)).to.throw(RangeError);
    expect(() => new XdrWriter().opaqueFixed(Buffer.alloc(15), 16)).to.throw(RangeError);
    expect(() => writeString(new XdrWriter(), 'x'.repeat(1048577))).to.throw(RangeError);
    expect(() => uuidToBytes('not-a-uuid')).to.throw(RangeError);
  });

  it('rejects every truncation of a valid payload with an XdrDecodeError', () => {
    const full = encodeRemoteError('a message that spans several XDR units');
    for (let cut = 0; cut < full.length; cut += 1) {
      expect(() => readRemoteError(new XdrReader(full.subarray(0, cut))), `cut at ${cut}`).to.throw(XdrDecodeError);
    }
  });

  it('rejects trailing bytes, non-zero padding, bad booleans and oversized lengths', () => {
    const trailing = new XdrReader(Buffer.alloc(8));
    trailing.int();
    expect(() => trailing.end()).to.throw(XdrDecodeError, /trailing/);
    expect(() => new XdrReader(Buffer.from('0000000161000100', 'hex')).string(10)).to.throw(XdrDecodeError, /padding/);
    expect(() => new XdrReader(Buffer.from('00000002', 'hex')).bool()).to.throw(XdrDecodeError, /bool/);
    expect(() => new XdrReader(Buffer.from('7fffffff', 'hex')).string(1048576)).to.throw(XdrDecodeError, /limit/);
    expect(() => new XdrReader(Buffer.from('0000ffff00000000', 'hex')).array((r) => r.int(), 100000)).to.throw(XdrDecodeError, /remaining/);
  });

  it('ends garbage input in either a value or an XdrDecodeError, never another failure', () => {
    let decoded = 0;
    for (let seed = 1; seed <= 2000; seed += 1) {
      const garbage = pseudoRandomBytes(seed, 1 + (seed % 120));
      try {
        readRemoteError(new XdrReader(garbage));
        decoded += 1;
      } catch (error) {
        expect(error, `seed ${seed}`).to.be.instanceOf(XdrDecodeError);
      }
      try {
        readDomain(new XdrReader(garbage));
      } catch (error) {
        expect(error, `seed ${seed}`).to.be.instanceOf(XdrDecodeError);
      }
    }
    expect(decoded).to.be.lessThan(2000);
  });
});
