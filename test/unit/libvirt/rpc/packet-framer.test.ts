import { expect } from 'chai';
import { XdrDecodeError } from '../../../../src/libvirt/libvirt-error.js';
import { decodePacket, encodePacket, type PacketHeader } from '../../../../src/libvirt/rpc/packet.js';
import { PacketFramer } from '../../../../src/libvirt/rpc/packet-framer.js';
import { MESSAGE_MAX_BYTES, REMOTE_PROGRAM } from '../../../../src/libvirt/rpc/protocol-constants.js';

const HEADER: PacketHeader = { program: REMOTE_PROGRAM, version: 1, procedure: 212, type: 1, serial: 7, status: 0 };

describe('[REQ-03] libvirt rpc packet framing', () => {
  it('encodes the length word (counting itself) and the six header fields', () => {
    const packet = encodePacket(HEADER, Buffer.from('abcd'));
    expect(packet.readUInt32BE(0)).to.equal(32);
    expect(packet.subarray(4, 28).toString('hex')).to.equal('20008086' + '00000001' + '000000d4' + '00000001' + '00000007' + '00000000');
    const decoded = decodePacket(packet);
    expect(decoded.header).to.deep.equal(HEADER);
    expect(decoded.payload.toString()).to.equal('abcd');
  });

  it('reassembles packets split at every byte boundary', () => {
    const first = encodePacket(HEADER, Buffer.from('first payload'));
    const second = encodePacket({ ...HEADER, serial: 8 }, Buffer.alloc(0));
    const stream = Buffer.concat([first, second]);
    for (let cut = 1; cut < stream.length; cut += 1) {
      const framer = new PacketFramer();
      const packets = [...framer.push(stream.subarray(0, cut)), ...framer.push(stream.subarray(cut))];
      expect(packets.map((packet) => decodePacket(packet).header.serial), `cut at ${cut}`).to.deep.equal([7, 8]);
      expect(framer.pendingBytes).to.equal(0);
    }
  });

  it('delivers many packets that arrive in one chunk, and keeps a partial one pending', () => {
    const packets = Array.from({ length: 50 }, (_, index) => encodePacket({ ...HEADER, serial: index + 1 }, Buffer.alloc(index)));
    const all = Buffer.concat(packets);
    const framer = new PacketFramer();
    const received = framer.push(all.subarray(0, all.length - 3));
    expect(received).to.have.length(49);
    expect(framer.pendingBytes).to.equal(packets[49]!.length - 3);
    expect(framer.push(all.subarray(all.length - 3))).to.have.length(1);
  });

  it('rejects a length word below the header size or above the protocol maximum before buffering data', () => {
    const tooShort = Buffer.alloc(8);
    tooShort.writeUInt32BE(27, 0);
    expect(() => new PacketFramer().push(tooShort)).to.throw(XdrDecodeError, /outside/);
    const tooLong = Buffer.alloc(4);
    tooLong.writeUInt32BE(MESSAGE_MAX_BYTES + 5, 0);
    expect(() => new PacketFramer().push(tooLong)).to.throw(XdrDecodeError, /outside/);
  });

  it('refuses to encode a message larger than the protocol maximum', () => {
    expect(() => encodePacket(HEADER, Buffer.alloc(MESSAGE_MAX_BYTES))).to.throw(RangeError);
  });
});
