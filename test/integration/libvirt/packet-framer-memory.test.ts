import { expect } from 'chai';
import { encodePacket, type PacketHeader } from '../../../src/libvirt/rpc/packet.js';
import { PacketFramer } from '../../../src/libvirt/rpc/packet-framer.js';
import { MESSAGE_MAX_BYTES, REMOTE_PROGRAM } from '../../../src/libvirt/rpc/protocol-constants.js';
import { retainedBytes } from '../../support/heap.js';

const HEADER: PacketHeader = { program: REMOTE_PROGRAM, version: 1, procedure: 212, type: 1, serial: 7, status: 0 };

describe('[REQ-03] libvirt rpc packet framing of a full-size packet dribbled a byte at a time', () => {
  it('holds a 32 MiB packet sent one byte at a time in memory of twice 32 MiB at most', function () {
    this.timeout(120_000);
    const packet = encodePacket(HEADER, Buffer.alloc(MESSAGE_MAX_BYTES - 24, 7));
    const framer = new PacketFramer();
    const before = retainedBytes();
    let peak = 0;
    const received: Buffer[] = [];
    for (let offset = 0; offset < packet.length; offset += 1) {
      const complete = framer.push(packet.subarray(offset, offset + 1));
      if (complete.length > 0) received.push(...complete);
      if (offset % (8 << 20) === 0) peak = Math.max(peak, retainedBytes() - before);
    }
    expect(received).to.have.length(1);
    expect(received[0]!.equals(packet)).to.equal(true);
    // The packet itself is 32 MiB; the old framer kept every 1-byte chunk (about 136 bytes each: 4 GiB).
    expect(peak, `peak growth ${Math.round(peak / 2 ** 20)} MiB`).to.be.below(2 * MESSAGE_MAX_BYTES);
  });
});
