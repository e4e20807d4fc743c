/**
 * [REQ-03] Pure builder of the libvirt domain XML virtfleet defines (`virDomainDefineXML`): memory in KiB, ACPI on,
 * destroy on poweroff and crash, file disks (qcow2 overlays with their backing store, blank images, the cloud-init
 * seed cdrom) with stable target names, NICs, a serial console, and the virtfleet owner mark in `<metadata>`.
 */
import { validateDomainSpec, type CpuSpec, type DiskBus, type DiskSpec, type DomainSpec, type InterfaceSpec, type SerialSpec } from './domain-spec.js';
import { ownerMetadataElement } from './ownership.js';
import { bytesToKiB } from './units.js';
import { buildXml, element, textElement, type XmlNode } from './xml-tree.js';

const DEFAULT_ARCH = 'x86_64';
const DEFAULT_NIC_MODEL = 'virtio';
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** Linux-style disk suffix: 0 -> a, 25 -> z, 26 -> aa, 701 -> zz, 702 -> aaa. */
function diskSuffix(index: number): string {
  const quotient = Math.floor(index / LETTERS.length);
  const letter = LETTERS.charAt(index % LETTERS.length);
  return quotient === 0 ? letter : `${diskSuffix(quotient - 1)}${letter}`;
}

/** Hands out target device names in call order: virtio gets vda, vdb, ...; sata and scsi share sda, sdb, .... */
function targetNameAllocator(): (bus: DiskBus) => string {
  const used = new Map<string, number>();
  return (bus) => {
    const prefix = bus === 'virtio' ? 'vd' : 'sd';
    const index = used.get(prefix) ?? 0;
    used.set(prefix, index + 1);
    return `${prefix}${diskSuffix(index)}`;
  };
}

function osElement(spec: DomainSpec): XmlNode {
  const boot = spec.kernelBoot;
  return element('os', { firmware: spec.firmware === 'uefi' ? 'efi' : undefined }, [
    textElement('type', 'hvm', { arch: spec.arch ?? DEFAULT_ARCH, machine: spec.machine }),
    boot !== undefined && textElement('kernel', boot.kernel),
    boot?.initrd !== undefined && textElement('initrd', boot.initrd),
    boot?.cmdline !== undefined && textElement('cmdline', boot.cmdline),
  ]);
}

function cpuElement(cpu: CpuSpec): XmlNode {
  if (cpu.mode !== 'custom') return element('cpu', { mode: cpu.mode });
  return element('cpu', { mode: 'custom', match: 'exact' }, [textElement('model', cpu.model, { fallback: 'allow' })]);
}

/** The shared base image, terminated by an empty `<backingStore/>` so libvirt does not probe further. */
function backingStoreElement(disk: DiskSpec): XmlNode | undefined {
  if (disk.kind !== 'overlay') return undefined;
  return element('backingStore', { type: 'file' }, [
    element('format', { type: disk.backingStore.format }),
    element('source', { file: disk.backingStore.path }),
    element('backingStore'),
  ]);
}

function diskElement(disk: DiskSpec, targetDev: string): XmlNode {
  const isSeed = disk.kind === 'cloud-init-seed';
  const format = disk.kind === 'overlay' ? 'qcow2' : disk.kind === 'blank' ? disk.format : 'raw';
  return element('disk', { type: 'file', device: isSeed ? 'cdrom' : 'disk' }, [
    element('driver', { name: 'qemu', type: format }),
    element('source', { file: disk.path }),
    backingStoreElement(disk),
    element('target', { dev: targetDev, bus: disk.bus }),
    isSeed && element('readonly'),
    disk.bootOrder !== undefined && element('boot', { order: disk.bootOrder }),
  ]);
}

function interfaceElement(nic: InterfaceSpec): XmlNode {
  const source = nic.type === 'network' ? { network: nic.source } : nic.type === 'bridge' ? { bridge: nic.source } : undefined;
  return element('interface', { type: nic.type }, [
    nic.mac !== undefined && element('mac', { address: nic.mac.toLowerCase() }),
    source !== undefined && element('source', source),
    element('model', { type: nic.model ?? DEFAULT_NIC_MODEL }),
  ]);
}

/** `<serial>` on port 0 and the `<console>` that mirrors it, both of the same type and source. */
function consoleElements(serial: SerialSpec): XmlNode[] {
  const source = serial.type === 'file' && element('source', { path: serial.path });
  return [
    element('serial', { type: serial.type }, [source, element('target', { port: 0 })]),
    element('console', { type: serial.type }, [source, element('target', { type: 'serial', port: 0 })]),
  ];
}

function devicesElement(spec: DomainSpec): XmlNode {
  const nextTargetName = targetNameAllocator();
  const needsScsiController = spec.disks.some((disk) => disk.bus === 'scsi');
  return element('devices', {}, [
    ...spec.disks.map((disk) => diskElement(disk, nextTargetName(disk.bus))),
    needsScsiController && element('controller', { type: 'scsi', index: 0, model: 'virtio-scsi' }),
    ...spec.interfaces.map(interfaceElement),
    ...consoleElements(spec.serial ?? { type: 'pty' }),
    spec.vnc !== undefined && element('graphics', { type: 'vnc', autoport: 'yes', listen: spec.vnc.listen }),
  ]);
}

/** Validates the spec (InvalidSpecError on the first bad field) and returns the domain XML for virDomainDefineXML. */
export function buildDomainXml(spec: DomainSpec): string {
  validateDomainSpec(spec);
  const memoryKiB = bytesToKiB(spec.memoryBytes);
  return buildXml(
    element('domain', { type: spec.type }, [
      textElement('name', spec.name),
      spec.uuid !== undefined && textElement('uuid', spec.uuid.toLowerCase()),
      element('metadata', {}, [ownerMetadataElement(spec.owner)]),
      textElement('memory', memoryKiB, { unit: 'KiB' }),
      textElement('currentMemory', memoryKiB, { unit: 'KiB' }),
      textElement('vcpu', spec.vcpus, { placement: 'static' }),
      osElement(spec),
      element('features', {}, [element('acpi')]),
      spec.cpu !== undefined && cpuElement(spec.cpu),
      element('clock', { offset: 'utc' }),
      textElement('on_poweroff', 'destroy'),
      textElement('on_reboot', 'restart'),
      textElement('on_crash', 'destroy'),
      devicesElement(spec),
    ]),
  );
}
