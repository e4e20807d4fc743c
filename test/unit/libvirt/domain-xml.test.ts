import { expect } from 'chai';
import { XMLValidator } from 'fast-xml-parser';
import { InvalidSpecError } from '../../../src/errors/invalid-spec-error.js';
import type { DiskSpec, DomainSpec } from '../../../src/libvirt/domain-spec.js';
import { buildDomainXml } from '../../../src/libvirt/domain-xml.js';
import { VIRTFLEET_XMLNS } from '../../../src/libvirt/ownership.js';
import { parseDomainXml, type ParsedDisk } from '../../../src/libvirt/parse-domain-xml.js';
import { fullSpec, HOSTILE, IMAGE_DIR, minimalSpec, readBack, type LooseXml } from './domain-spec-fixtures.js';

function built(spec: DomainSpec): LooseXml {
  const xml = buildDomainXml(spec);
  expect(XMLValidator.validate(xml), 'built XML is well-formed').to.equal(true);
  return readBack(xml).domain as LooseXml;
}

describe('[REQ-03] domain xml builder places every feature where libvirt reads it', () => {
  const cases: Array<{ name: string; spec: DomainSpec; check: (domain: LooseXml) => void }> = [
    {
      name: 'name, uuid and domain type',
      spec: fullSpec({ uuid: '8F0B5C52-6C1F-4E0A-9C55-0F2B1D6E7A10' }),
      check: (domain) => {
        expect(domain.name).to.equal('default-web-0');
        expect(domain.uuid).to.equal('8f0b5c52-6c1f-4e0a-9c55-0f2b1d6e7a10');
        expect(domain['@_type']).to.equal('qemu');
      },
    },
    {
      name: 'no uuid element when the spec has none, so libvirt generates one',
      spec: minimalSpec(),
      check: (domain) => expect(domain).not.to.have.property('uuid'),
    },
    {
      name: 'memory converted from bytes to KiB, current memory equal, vCPUs static',
      spec: minimalSpec({ memoryBytes: 3 * 1024 * 1024 * 1024, vcpus: 3 }),
      check: (domain) => {
        expect(domain.memory).to.deep.equal({ '#text': String(3 * 1024 * 1024), '@_unit': 'KiB' });
        expect(domain.currentMemory).to.deep.equal({ '#text': String(3 * 1024 * 1024), '@_unit': 'KiB' });
        expect(domain.vcpu).to.deep.equal({ '#text': '3', '@_placement': 'static' });
      },
    },
    {
      name: 'memory that is not a whole number of KiB rounded up',
      spec: minimalSpec({ memoryBytes: 1_000_000_000 }),
      check: (domain) => expect(domain.memory['#text']).to.equal('976563'),
    },
    {
      name: 'machine and arch on os/type, no firmware attribute for bios',
      spec: minimalSpec({ machine: 'pc-i440fx-7.2' }),
      check: (domain) => {
        expect(domain.os.type).to.deep.equal({ '#text': 'hvm', '@_arch': 'x86_64', '@_machine': 'pc-i440fx-7.2' });
        expect(domain.os).not.to.have.property('@_firmware');
      },
    },
    {
      name: "uefi as <os firmware='efi'>",
      spec: minimalSpec({ firmware: 'uefi' }),
      check: (domain) => expect(domain.os['@_firmware']).to.equal('efi'),
    },
    {
      name: 'direct kernel boot with kernel, initrd and cmdline inside <os>',
      spec: fullSpec(),
      check: (domain) => {
        expect(domain.os.kernel).to.equal('/srv/boot/vmlinuz');
        expect(domain.os.initrd).to.equal('/srv/boot/initrd.img');
        expect(domain.os.cmdline).to.equal('console=ttyS0 panic=-1 quiet');
      },
    },
    {
      name: 'cpu mode host-passthrough, host-model and custom with its model',
      spec: fullSpec(),
      check: (domain) => {
        expect(domain.cpu['@_mode']).to.equal('custom');
        expect(domain.cpu.model).to.deep.equal({ '#text': 'qemu64', '@_fallback': 'allow' });
        expect(built(minimalSpec({ cpu: { mode: 'host-passthrough' } })).cpu['@_mode']).to.equal('host-passthrough');
        expect(built(minimalSpec({ cpu: { mode: 'host-model' } })).cpu['@_mode']).to.equal('host-model');
      },
    },
    {
      name: 'ACPI on and the lifecycle actions destroy, restart, destroy',
      spec: minimalSpec(),
      check: (domain) => {
        expect(domain.features).to.have.property('acpi');
        expect([domain.on_poweroff, domain.on_reboot, domain.on_crash]).to.deep.equal(['destroy', 'restart', 'destroy']);
      },
    },
    {
      name: 'a qcow2 overlay disk with its backing file, terminated backing chain, target and boot order',
      spec: minimalSpec(),
      check: (domain) => {
        const disk = domain.devices.disk[0];
        expect(disk['@_type']).to.equal('file');
        expect(disk['@_device']).to.equal('disk');
        expect(disk.driver).to.deep.equal({ '@_name': 'qemu', '@_type': 'qcow2' });
        expect(disk.source['@_file']).to.equal(`${IMAGE_DIR}/default-web-0-root.qcow2`);
        const backing = disk.backingStore[0];
        expect(backing['@_type']).to.equal('file');
        expect(backing.format['@_type']).to.equal('qcow2');
        expect(backing.source['@_file']).to.match(/sha256-9f86/);
        expect(backing.backingStore).to.deep.equal(['']);
        expect(disk.target).to.deep.equal({ '@_dev': 'vda', '@_bus': 'virtio' });
        expect(disk.boot['@_order']).to.equal('1');
      },
    },
    {
      name: 'blank disks in their own format, a read-only raw cloud-init cdrom on sata, and a virtio-scsi controller',
      spec: fullSpec(),
      check: (domain) => {
        const [, data, scratch, seed] = domain.devices.disk;
        expect(data.driver['@_type']).to.equal('qcow2');
        expect(data).not.to.have.property('backingStore');
        expect(scratch.driver['@_type']).to.equal('raw');
        expect(scratch.target).to.deep.equal({ '@_dev': 'sda', '@_bus': 'scsi' });
        expect(seed['@_device']).to.equal('cdrom');
        expect(seed.driver['@_type']).to.equal('raw');
        expect(seed).to.have.property('readonly');
        expect(seed.target).to.deep.equal({ '@_dev': 'sdb', '@_bus': 'sata' });
        expect(domain.devices.controller).to.deep.equal([{ '@_type': 'scsi', '@_index': '0', '@_model': 'virtio-scsi' }]);
      },
    },
    {
      name: 'no extra controller when no disk is on scsi',
      spec: minimalSpec(),
      check: (domain) => expect(domain.devices).not.to.have.property('controller'),
    },
    {
      name: 'user, network and bridge interfaces with MAC, source and model (virtio by default)',
      spec: fullSpec(),
      check: (domain) => {
        const [user, network, bridge] = domain.devices.interface;
        expect(user).to.deep.equal({ '@_type': 'user', model: { '@_type': 'virtio' } });
        expect(network['@_type']).to.equal('network');
        expect(network.mac['@_address']).to.equal('52:54:00:12:34:56');
        expect(network.source).to.deep.equal({ '@_network': 'default' });
        expect(network.model['@_type']).to.equal('virtio');
        expect(bridge.source).to.deep.equal({ '@_bridge': 'br0' });
        expect(bridge.model['@_type']).to.equal('e1000');
      },
    },
    {
      name: 'a pty serial console by default, mirrored by <console>',
      spec: minimalSpec(),
      check: (domain) => {
        expect(domain.devices.serial).to.deep.equal([{ '@_type': 'pty', target: { '@_port': '0' } }]);
        expect(domain.devices.console).to.deep.equal([{ '@_type': 'pty', target: { '@_type': 'serial', '@_port': '0' } }]);
      },
    },
    {
      name: 'a file serial console writing to the log path, with a <console> of the same source',
      spec: fullSpec(),
      check: (domain) => {
        const path = '/var/log/virtfleet/console/default-web-0.log';
        expect(domain.devices.serial[0]).to.deep.equal({ '@_type': 'file', source: { '@_path': path }, target: { '@_port': '0' } });
        expect(domain.devices.console[0]['@_type']).to.equal('file');
        expect(domain.devices.console[0].source['@_path']).to.equal(path);
      },
    },
    {
      name: 'no graphics by default, VNC on the given listen address when asked',
      spec: fullSpec(),
      check: (domain) => {
        expect(domain.devices.graphics).to.deep.equal([{ '@_type': 'vnc', '@_autoport': 'yes', '@_listen': '127.0.0.1' }]);
        expect(built(minimalSpec()).devices).not.to.have.property('graphics');
      },
    },
    {
      name: 'the virtfleet owner in <metadata> under the virtfleet namespace URI',
      spec: fullSpec(),
      check: (domain) => {
        expect(domain.metadata['virtfleet:owner']).to.deep.equal({
          '@_xmlns:virtfleet': VIRTFLEET_XMLNS,
          '@_namespace': 'prod',
          '@_name': 'web-0',
          '@_uid': '6f1c2d3e-0000-4000-8000-000000000002',
          '@_generation': '7',
        });
      },
    },
  ];

  for (const { name, spec, check } of cases) {
    it(`writes ${name}`, () => check(built(spec)));
  }
});

describe('[REQ-03] domain xml target device names', () => {
  const disk = (bus: DiskSpec['bus'], index: number): DiskSpec => ({ kind: 'blank', path: `/d/${index}.qcow2`, format: 'qcow2', bus });
  const cases: Array<{ name: string; buses: Array<DiskSpec['bus']>; expected: string[] }> = [
    { name: 'virtio disks count vda, vdb, vdc', buses: ['virtio', 'virtio', 'virtio'], expected: ['vda', 'vdb', 'vdc'] },
    { name: 'sata and scsi share the sd sequence', buses: ['sata', 'scsi', 'sata'], expected: ['sda', 'sdb', 'sdc'] },
    { name: 'virtio and sd sequences are independent', buses: ['sata', 'virtio', 'scsi', 'virtio'], expected: ['sda', 'vda', 'sdb', 'vdb'] },
  ];
  for (const { name, buses, expected } of cases) {
    it(`names targets so that ${name}`, () => {
      const parsed = parseDomainXml(buildDomainXml(minimalSpec({ disks: buses.map((bus, index) => disk(bus, index)) })));
      expect(parsed.disks.map((d) => d.targetDev)).to.deep.equal(expected);
    });
  }

  it('continues after vdz with vdaa, vdab like the Linux kernel', () => {
    const disks = Array.from({ length: 28 }, (_, index) => disk('virtio', index));
    const names = parseDomainXml(buildDomainXml(minimalSpec({ disks }))).disks.map((d) => d.targetDev);
    expect(names.slice(24)).to.deep.equal(['vdy', 'vdz', 'vdaa', 'vdab']);
    expect(new Set(names).size).to.equal(28);
  });
});

function expectedDisk(disk: DiskSpec): Partial<ParsedDisk> {
  const common = { type: 'file', bus: disk.bus, source: disk.path, ...(disk.bootOrder !== undefined && { bootOrder: disk.bootOrder }) };
  switch (disk.kind) {
    case 'overlay':
      return { ...common, device: 'disk', format: 'qcow2', backingChain: [disk.backingStore], readOnly: false };
    case 'blank':
      return { ...common, device: 'disk', format: disk.format, backingChain: [], readOnly: false };
    case 'cloud-init-seed':
      return { ...common, device: 'cdrom', format: 'raw', backingChain: [], readOnly: true };
  }
}

describe('[REQ-03] domain xml round trip: build then parse gives the spec back', () => {
  const cases: Array<{ name: string; spec: DomainSpec }> = [
    { name: 'a minimal kvm domain', spec: minimalSpec() },
    { name: 'a domain using every feature', spec: fullSpec() },
    { name: 'a host-model uefi domain with a pty console and no NICs', spec: minimalSpec({ cpu: { mode: 'host-model' }, firmware: 'uefi', interfaces: [] }) },
    { name: 'a kernel-booted domain without initrd or cmdline', spec: minimalSpec({ type: 'qemu', kernelBoot: { kernel: '/k' }, disks: [] }) },
    {
      name: 'a domain whose every string is hostile',
      spec: fullSpec({
        name: HOSTILE,
        kernelBoot: { kernel: `/boot/${HOSTILE}`, cmdline: `init=/bin/sh x=${HOSTILE}` },
        disks: [{ kind: 'cloud-init-seed', path: `/img/${HOSTILE}.iso`, bus: 'scsi', bootOrder: 3 }],
        interfaces: [{ type: 'bridge', source: HOSTILE }],
        serial: { type: 'file', path: `/log/${HOSTILE}` },
        owner: { namespace: HOSTILE, name: `${HOSTILE}-vm`, uid: HOSTILE, generation: 0 },
      }),
    },
  ];

  for (const { name, spec } of cases) {
    it(`recovers ${name}`, () => {
      const parsed = parseDomainXml(buildDomainXml(spec));
      expect(parsed.name).to.equal(spec.name);
      expect(parsed.uuid).to.equal(spec.uuid);
      expect(parsed.type).to.equal(spec.type);
      expect(parsed.machine).to.equal(spec.machine);
      expect(parsed.arch).to.equal(spec.arch ?? 'x86_64');
      expect(parsed.vcpus).to.equal(spec.vcpus);
      expect(parsed.memoryBytes).to.equal(spec.memoryBytes);
      expect(parsed.currentMemoryBytes).to.equal(spec.memoryBytes);
      expect(parsed.cpu).to.deep.equal(spec.cpu);
      expect(parsed.firmware).to.equal(spec.firmware);
      expect(parsed.kernelBoot).to.deep.equal(spec.kernelBoot);
      expect(parsed.acpi).to.equal(true);
      expect(parsed.disks.map(({ targetDev: _target, ...rest }) => rest)).to.deep.equal(spec.disks.map(expectedDisk));
      expect(parsed.interfaces).to.deep.equal(spec.interfaces.map((nic) => ({ model: 'virtio', ...nic })));
      const serial = spec.serial ?? { type: 'pty' };
      expect(parsed.serials).to.deep.equal([{ ...serial, port: 0 }]);
      expect(parsed.graphics).to.deep.equal(spec.vnc === undefined ? [] : ['vnc']);
      expect(parsed.owner).to.deep.equal(spec.owner);
    });
  }
});

describe('[REQ-03] domain xml escaping of hostile names', () => {
  it('keeps the document well-formed and every hostile value exact for an independent reader', () => {
    const xml = buildDomainXml(fullSpec({ name: HOSTILE, interfaces: [{ type: 'network', source: HOSTILE }], owner: { namespace: HOSTILE, name: HOSTILE, uid: HOSTILE, generation: 2 } }));
    expect(XMLValidator.validate(xml)).to.equal(true);
    expect(xml).not.to.include(HOSTILE);
    const domain = readBack(xml).domain as LooseXml;
    expect(domain.name).to.equal(HOSTILE);
    expect(domain.devices.interface[0].source['@_network']).to.equal(HOSTILE);
    expect(domain.metadata['virtfleet:owner']['@_uid']).to.equal(HOSTILE);
  });

  it('cannot be made to inject elements or attributes through text or attribute values', () => {
    const textInjection = 'quiet</cmdline></os><devices><disk/></devices><os><cmdline>';
    const attributeInjection = `/img/a.qcow2'/><source file='/etc/shadow`;
    const spec = minimalSpec({ kernelBoot: { kernel: '/k', cmdline: textInjection } });
    spec.disks = [{ kind: 'blank', path: attributeInjection, format: 'raw', bus: 'virtio' }];
    const domain = readBack(buildDomainXml(spec)).domain as LooseXml;
    expect(domain.os.cmdline).to.equal(textInjection);
    expect(domain.devices.disk).to.have.length(1);
    expect(domain.devices.disk[0].source).to.deep.equal({ '@_file': attributeInjection });
  });
});

describe('[REQ-03] domain xml builder rejects specs libvirt would refuse or misread', () => {
  const withDisk = (disk: Partial<DiskSpec>): DomainSpec =>
    minimalSpec({ disks: [{ ...(minimalSpec().disks[0] as DiskSpec), ...disk } as DiskSpec] });
  const cases: Array<{ name: string; spec: DomainSpec; field: string }> = [
    { name: 'an empty name', spec: minimalSpec({ name: ' ' }), field: 'domain.name' },
    { name: "a name with '/'", spec: minimalSpec({ name: 'a/b' }), field: 'domain.name' },
    { name: 'a malformed uuid', spec: minimalSpec({ uuid: 'not-a-uuid' }), field: 'domain.uuid' },
    { name: 'zero vCPUs', spec: minimalSpec({ vcpus: 0 }), field: 'domain.vcpus' },
    { name: 'a fractional memory size', spec: minimalSpec({ memoryBytes: 1.5 }), field: 'domain.memoryBytes' },
    { name: 'a custom CPU without a model', spec: minimalSpec({ cpu: { mode: 'custom', model: '' } }), field: 'domain.cpu.model' },
    { name: 'host-passthrough under software emulation', spec: minimalSpec({ type: 'qemu', cpu: { mode: 'host-passthrough' } }), field: 'domain.cpu.mode' },
    { name: 'a relative disk path', spec: withDisk({ path: 'root.qcow2' }), field: 'domain.disks[0].path' },
    { name: 'a relative kernel path', spec: minimalSpec({ kernelBoot: { kernel: 'vmlinuz' } }), field: 'domain.kernelBoot.kernel' },
    { name: 'a relative console log path', spec: minimalSpec({ serial: { type: 'file', path: 'log' } }), field: 'domain.serial.path' },
    {
      name: 'a boot order used twice',
      spec: minimalSpec({ disks: [...minimalSpec().disks, { kind: 'blank', path: '/d.raw', format: 'raw', bus: 'sata', bootOrder: 1 }] }),
      field: 'domain.disks[1].bootOrder',
    },
    { name: 'a boot order of zero', spec: withDisk({ bootOrder: 0 }), field: 'domain.disks[0].bootOrder' },
    { name: 'a cloud-init seed on virtio', spec: minimalSpec({ disks: [{ kind: 'cloud-init-seed', path: '/s.iso', bus: 'virtio' as 'sata' }] }), field: 'domain.disks[0].bus' },
    { name: 'a multicast MAC', spec: minimalSpec({ interfaces: [{ type: 'network', source: 'default', mac: '01:00:5e:00:00:01' }] }), field: 'domain.interfaces[0].mac' },
    { name: 'a malformed MAC', spec: minimalSpec({ interfaces: [{ type: 'network', source: 'default', mac: '52:54:00:zz:00:01' }] }), field: 'domain.interfaces[0].mac' },
    { name: 'a bridge NIC without a bridge', spec: minimalSpec({ interfaces: [{ type: 'bridge' }] }), field: 'domain.interfaces[0].source' },
    { name: 'a user NIC with a source', spec: minimalSpec({ interfaces: [{ type: 'user', source: 'default' }] }), field: 'domain.interfaces[0].source' },
    { name: 'an owner without uid', spec: minimalSpec({ owner: { namespace: 'ns', name: 'vm', uid: '', generation: 1 } }), field: 'domain.owner.uid' },
    { name: 'a negative generation', spec: minimalSpec({ owner: { namespace: 'ns', name: 'vm', uid: 'u', generation: -1 } }), field: 'domain.owner.generation' },
    { name: 'a control character XML cannot carry in a name', spec: minimalSpec({ name: 'vm\u0001' }), field: '/domain/name' },
    { name: 'a newline inside an attribute value', spec: withDisk({ path: '/img/a\nb.qcow2' }), field: '/domain/devices/disk/source@file' },
  ];

  for (const { name, spec, field } of cases) {
    it(`refuses ${name} with a terminal InvalidSpecError naming ${field}`, () => {
      let caught: unknown;
      try {
        buildDomainXml(spec);
      } catch (error) {
        caught = error;
      }
      expect(caught).to.be.instanceOf(InvalidSpecError);
      expect((caught as InvalidSpecError).field).to.equal(field);
      expect((caught as InvalidSpecError).retryable).to.equal(false);
    });
  }
});
