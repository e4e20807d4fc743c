import { expect } from 'chai';
import { MESSAGE_MAX_CHARS } from '../../../src/errors/truncate-message.js';
import { LibvirtError } from '../../../src/libvirt/libvirt-error.js';
import { LibvirtXmlError } from '../../../src/libvirt/libvirt-xml-error.js';
import { parseDomainXml } from '../../../src/libvirt/parse-domain-xml.js';
import { readRemoteError } from '../../../src/libvirt/rpc/remote-types.js';
import { XdrReader } from '../../../src/libvirt/rpc/xdr-reader.js';
import { LIVE_QEMU_DOMAIN } from './libvirt-xml-samples.js';
import { remoteErrorPayload } from './rpc/scripted-peer.js';

/** LIVE_QEMU_DOMAIN with its first disk's chain ended by `depth` more backing files. */
function domainWithBackingChain(depth: number): string {
  const files = Array.from({ length: depth }, (_, index) => `/var/lib/virtfleet/images/layer-${index}.qcow2`);
  const chain = files.reduceRight((inner, file) => `<backingStore type='file'><format type='qcow2'/><source file='${file}'/>${inner}</backingStore>`, '<backingStore/>');
  const marker = `<source file='/var/lib/virtfleet/images/sha256-2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae'/>\n          <backingStore/>`;
  expect(LIVE_QEMU_DOMAIN).to.contain(marker);
  return LIVE_QEMU_DOMAIN.replace(marker, marker.replace('<backingStore/>', chain));
}

describe('[REQ-03] text a hostile or broken host sends stays bounded, and deep libvirt XML still parses', () => {
  it('truncates a 1 MiB libvirt error message to its start and a marker', () => {
    const huge = `internal error: ${'A'.repeat(1024 * 1024 - 64)}`;
    const error = new LibvirtError('DomainGetState', readRemoteError(new XdrReader(remoteErrorPayload(1, huge))));
    expect(error.message.length).to.be.at.most(MESSAGE_MAX_CHARS);
    expect(error.message.startsWith('internal error: AAAA')).to.equal(true);
    expect(error.message).to.match(/truncated/);
  });

  it('turns 1 MiB of unclosed tags into a LibvirtXmlError of bounded length', () => {
    const unclosed = `<domain type='kvm'>${'<name>'.repeat(1024 * 1024 / 6)}`;
    let caught: unknown;
    try {
      parseDomainXml(unclosed);
    } catch (error) {
      caught = error;
    }
    expect(caught).to.be.instanceOf(LibvirtXmlError);
    expect((caught as Error).message.length).to.be.at.most(MESSAGE_MAX_CHARS);
    expect((caught as Error).message.startsWith('libvirt XML <domain>: ')).to.equal(true);
  });

  it('reads a backing chain 300 files deep (the parser default stopped at 100 nested elements)', () => {
    const disk = parseDomainXml(domainWithBackingChain(300)).disks[0]!;
    expect(disk.backingChain).to.have.length(302);
    expect(disk.backingChain[301]!.path).to.equal('/var/lib/virtfleet/images/layer-299.qcow2');
  });

  it('still refuses absurd nesting with a typed error', () => {
    expect(() => parseDomainXml(domainWithBackingChain(5000))).to.throw(LibvirtXmlError, /nested/);
  });
});
