import { expect } from 'chai';
import { LibvirtXmlError } from '../../../src/libvirt/libvirt-xml-error.js';
import { parseDomainXml } from '../../../src/libvirt/parse-domain-xml.js';
import { HOSTILE } from './domain-spec-fixtures.js';
import { domainWithMetadata, FOREIGN_DOMAIN, LIBVIRT_FORMATTED_HOSTILE_DOMAIN, LIVE_QEMU_DOMAIN } from './libvirt-xml-samples.js';

const IMAGES = '/var/lib/virtfleet/images';

describe('[REQ-03] domain xml parser reads a libvirt-normalised live domain', () => {
  const parsed = parseDomainXml(LIVE_QEMU_DOMAIN);

  it('extracts identity, type, live id, machine and sizes', () => {
    expect(parsed.name).to.equal('prod-web-0');
    expect(parsed.uuid).to.equal('3d0b3f4a-2b8c-4e5d-9f10-112233445566');
    expect(parsed.type).to.equal('kvm');
    expect(parsed.id).to.equal(7);
    expect(parsed.arch).to.equal('x86_64');
    expect(parsed.machine).to.equal('pc-i440fx-7.2');
    expect(parsed.vcpus).to.equal(2);
    expect(parsed.memoryBytes).to.equal(2 * 1024 ** 3);
    expect(parsed.currentMemoryBytes).to.equal(1024 ** 3);
  });

  it('extracts cpu mode, bios firmware, ACPI and lifecycle actions, with no kernel boot', () => {
    expect(parsed.cpu).to.deep.equal({ mode: 'host-passthrough' });
    expect(parsed.firmware).to.equal('bios');
    expect(parsed.kernelBoot).to.equal(undefined);
    expect(parsed.acpi).to.equal(true);
    expect([parsed.onPoweroff, parsed.onReboot, parsed.onCrash]).to.deep.equal(['destroy', 'restart', 'destroy']);
  });

  it('extracts every disk with its target, bus, source, format, whole backing chain, boot order and alias', () => {
    expect(parsed.disks).to.deep.equal([
      {
        device: 'disk',
        type: 'file',
        targetDev: 'vda',
        bus: 'virtio',
        source: `${IMAGES}/prod-web-0-root.qcow2`,
        format: 'qcow2',
        backingChain: [
          { path: `${IMAGES}/prod-web-0-base.qcow2`, format: 'qcow2' },
          { path: `${IMAGES}/sha256-2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae`, format: 'raw' },
        ],
        readOnly: false,
        bootOrder: 1,
        alias: 'virtio-disk0',
      },
      {
        device: 'disk',
        type: 'block',
        targetDev: 'vdb',
        bus: 'virtio',
        source: '/dev/vg0/prod-web-0-data',
        format: 'raw',
        backingChain: [],
        readOnly: false,
        alias: 'virtio-disk1',
      },
      {
        device: 'cdrom',
        type: 'file',
        targetDev: 'sda',
        bus: 'sata',
        source: `${IMAGES}/prod-web-0-seed.iso`,
        format: 'raw',
        backingChain: [],
        readOnly: true,
        alias: 'sata0-0-0',
      },
    ]);
  });

  it('extracts interfaces with type, MAC, source, model, host target device and alias', () => {
    expect(parsed.interfaces).to.deep.equal([
      { type: 'network', mac: '52:54:00:6b:3c:58', source: 'default', model: 'virtio', targetDev: 'vnet3', alias: 'net0' },
      { type: 'bridge', mac: '52:54:00:11:22:33', source: 'br-prod', model: 'e1000', targetDev: 'vnet4', alias: 'net1' },
    ]);
  });

  it('extracts the pty serial console with its live device path', () => {
    expect(parsed.serials).to.deep.equal([{ type: 'pty', path: '/dev/pts/4', port: 0 }]);
    expect(parsed.graphics).to.deep.equal([]);
  });

  it("finds virtfleet's owner among other tools' metadata", () => {
    expect(parsed.owner).to.deep.equal({ namespace: 'prod', name: 'web-0', uid: '0c5e7d2a-9b61-4f0e-8a3c-5d4e3f2a1b0c', generation: 4 });
  });
});

describe('[REQ-03] domain xml parser reads what libvirt itself formatted', () => {
  it('decodes the hostile name exactly and reads generated MACs, file console and owner', () => {
    const parsed = parseDomainXml(LIBVIRT_FORMATTED_HOSTILE_DOMAIN);
    expect(parsed.name).to.equal(HOSTILE);
    expect(parsed.id).to.equal(2);
    expect(parsed.kernelBoot).to.deep.equal({ kernel: '/boot/vmlinuz', initrd: '/boot/initrd', cmdline: 'console=ttyS0 panic=-1' });
    expect(parsed.cpu).to.deep.equal({ mode: 'custom', model: 'qemu64' });
    expect(parsed.disks.map((disk) => [disk.targetDev, disk.bus, disk.source])).to.deep.equal([['sda', 'scsi', `${IMAGES}/vm-data.qcow2`]]);
    expect(parsed.interfaces).to.deep.equal([{ type: 'user', mac: '52:54:00:7f:65:13', model: 'virtio', targetDev: 'testnet0' }]);
    expect(parsed.serials).to.deep.equal([{ type: 'file', path: '/var/log/virtfleet/console/x.log', port: 0 }]);
    expect(parsed.owner?.generation).to.equal(3);
  });
});

describe('[REQ-03] domain xml parser converts memory units', () => {
  const cases: Array<{ name: string; memory: string; bytes: number }> = [
    { name: 'KiB', memory: "<memory unit='KiB'>1048576</memory>", bytes: 1024 ** 3 },
    { name: 'no unit, which libvirt reads as KiB', memory: '<memory>2048</memory>', bytes: 2 * 1024 ** 2 },
    { name: 'k', memory: "<memory unit='k'>4</memory>", bytes: 4096 },
    { name: 'MiB', memory: "<memory unit='MiB'>512</memory>", bytes: 512 * 1024 ** 2 },
    { name: 'M', memory: "<memory unit='M'>3</memory>", bytes: 3 * 1024 ** 2 },
    { name: 'GiB', memory: "<memory unit='GiB'>4</memory>", bytes: 4 * 1024 ** 3 },
    { name: 'G', memory: "<memory unit='G'>1</memory>", bytes: 1024 ** 3 },
    { name: 'TiB', memory: "<memory unit='TiB'>1</memory>", bytes: 1024 ** 4 },
    { name: 'bytes', memory: "<memory unit='bytes'>1073741824</memory>", bytes: 1024 ** 3 },
    { name: 'b', memory: "<memory unit='b'>4096</memory>", bytes: 4096 },
    { name: 'decimal KB', memory: "<memory unit='KB'>1000</memory>", bytes: 1_000_000 },
    { name: 'decimal MB', memory: "<memory unit='MB'>2</memory>", bytes: 2_000_000 },
    { name: 'decimal GB', memory: "<memory unit='GB'>1</memory>", bytes: 1_000_000_000 },
    { name: 'lower-case gib', memory: "<memory unit='gib'>1</memory>", bytes: 1024 ** 3 },
  ];
  for (const { name, memory, bytes } of cases) {
    it(`reads memory in ${name}`, () => {
      const xml = `<domain type='kvm'><name>vm</name>${memory}<vcpu>1</vcpu></domain>`;
      expect(parseDomainXml(xml).memoryBytes).to.equal(bytes);
    });
  }
});

describe('[REQ-03] domain xml parser rejects what it cannot read', () => {
  const cases: Array<{ name: string; xml: string; message: RegExp }> = [
    { name: 'malformed XML', xml: '<domain type="kvm"><name>vm</domain>', message: /not well-formed/ },
    { name: 'another root element', xml: '<pool type="dir"><name>p</name></pool>', message: /root element is not <domain>/ },
    { name: 'a missing name', xml: "<domain type='kvm'><memory>1</memory><vcpu>1</vcpu></domain>", message: /<name> is missing/ },
    { name: 'an empty name', xml: "<domain type='kvm'><name></name><memory>1</memory><vcpu>1</vcpu></domain>", message: /name: the element is empty/ },
    { name: 'a missing memory', xml: "<domain type='kvm'><name>vm</name><vcpu>1</vcpu></domain>", message: /<memory> is missing/ },
    { name: 'an unknown memory unit', xml: "<domain type='kvm'><name>vm</name><memory unit='parsecs'>1</memory><vcpu>1</vcpu></domain>", message: /unknown unit 'parsecs'/ },
    { name: 'a fractional memory size', xml: "<domain type='kvm'><name>vm</name><memory unit='GiB'>1.5</memory><vcpu>1</vcpu></domain>", message: /not a non-negative integer/ },
    { name: 'a memory size beyond 8 PiB', xml: "<domain type='kvm'><name>vm</name><memory unit='EiB'>9</memory><vcpu>1</vcpu></domain>", message: /too large/ },
    { name: 'zero vCPUs', xml: "<domain type='kvm'><name>vm</name><memory>1</memory><vcpu>0</vcpu></domain>", message: /not a positive integer/ },
    { name: 'a disk without target', xml: "<domain type='kvm'><name>vm</name><memory>1</memory><vcpu>1</vcpu><devices><disk type='file'/></devices></domain>", message: /disk\[0\]: element <target> is missing/ },
    { name: 'a non-numeric boot order', xml: "<domain type='kvm'><name>vm</name><memory>1</memory><vcpu>1</vcpu><devices><disk><target dev='vda'/><boot order='x'/></disk></devices></domain>", message: /'order' = 'x'/ },
  ];
  for (const { name, xml, message } of cases) {
    it(`raises a terminal LibvirtXmlError for ${name}`, () => {
      expect(() => parseDomainXml(xml))
        .to.throw(LibvirtXmlError, message)
        .that.has.property('retryable', false);
    });
  }

  it('reads a foreign domain without any metadata as having no owner', () => {
    const parsed = parseDomainXml(FOREIGN_DOMAIN);
    expect(parsed.owner).to.equal(undefined);
    expect(parsed.memoryBytes).to.equal(4 * 1024 ** 3);
    expect(parsed.disks).to.deep.equal([]);
  });

  it('reads uefi from an autoselected pflash loader even without the firmware attribute', () => {
    const os = "<os><type arch='x86_64' machine='q35'>hvm</type><loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader></os>";
    expect(parseDomainXml(domainWithMetadata(os)).firmware).to.equal('uefi');
  });
});
