/**
 * [REQ-03] Pure reader of the domain XML libvirt returns (`virDomainGetXMLDesc`). libvirt normalises what it was
 * given (uuid, emulator, controllers, device addresses and aliases, live pty paths and backing chains); the reader
 * takes what the operator compares and reports, tolerates everything else, and fails only on what it needs.
 */
import type { Firmware, KernelBootSpec } from './domain-spec.js';
import { LibvirtXmlError } from './libvirt-xml-error.js';
import { ownerFromDomain, type VirtfleetOwner } from './ownership.js';
import { scaledToBytes } from './units.js';
import { parseXml, withoutUndefined, type XmlElement } from './xml-tree.js';

export interface ParsedBackingStore {
  path: string;
  format?: string;
}

export interface ParsedDisk {
  /** `disk`, `cdrom`, `floppy` or `lun`. */
  device: string;
  /** Source kind: `file`, `block`, `network`, `volume`, .... */
  type: string;
  targetDev: string;
  bus?: string;
  /** The file (type file) or device node (type block); absent for an empty cdrom or a network source. */
  source?: string;
  /** Driver format, e.g. `qcow2` or `raw`. */
  format?: string;
  /** Backing images from the nearest down to the base; empty when none is known. */
  backingChain: ParsedBackingStore[];
  readOnly: boolean;
  bootOrder?: number;
  alias?: string;
}

export interface ParsedInterface {
  type: string;
  mac?: string;
  /** Network name, bridge or host device, depending on the type; absent for `user`. */
  source?: string;
  model?: string;
  /** Host-side device (e.g. `vnet0`) of a running domain. */
  targetDev?: string;
  alias?: string;
}

export interface ParsedSerial {
  type: string;
  /** Log file (type file) or pty device of a running domain (type pty). */
  path?: string;
  port?: number;
}

export interface ParsedDomain {
  name: string;
  uuid?: string;
  type: string;
  /** Live domains only: libvirt's numeric id. */
  id?: number;
  arch?: string;
  machine?: string;
  vcpus: number;
  memoryBytes: number;
  currentMemoryBytes?: number;
  cpu?: { mode: string; model?: string };
  firmware: Firmware;
  kernelBoot?: KernelBootSpec;
  acpi: boolean;
  onPoweroff?: string;
  onReboot?: string;
  onCrash?: string;
  disks: ParsedDisk[];
  interfaces: ParsedInterface[];
  serials: ParsedSerial[];
  /** Types of `<graphics>` devices, e.g. `['vnc']`. */
  graphics: string[];
  owner?: VirtfleetOwner;
}

const MEMORY_DEFAULT_UNIT = 'KiB';
const UEFI_LOADER_TYPE = 'pflash';

function vcpuCount(vcpu: XmlElement): number {
  const count = vcpu.text();
  if (!/^\d+$/.test(count) || count === '0') throw new LibvirtXmlError(vcpu.path, `'${count}' is not a positive integer`);
  return Number(count);
}

function memoryBytes(element: XmlElement): number {
  return scaledToBytes(element.text(), element.attr('unit'), MEMORY_DEFAULT_UNIT, element.path);
}

function firmwareOf(os: XmlElement | undefined): Firmware {
  const usesEfi = os?.attr('firmware') === 'efi' || os?.child('loader')?.attr('type') === UEFI_LOADER_TYPE;
  return usesEfi ? 'uefi' : 'bios';
}

function kernelBootOf(os: XmlElement | undefined): KernelBootSpec | undefined {
  const kernel = os?.childText('kernel');
  if (os === undefined || kernel === undefined || kernel === '') return undefined;
  const initrd = os.childText('initrd');
  const cmdline = os.childText('cmdline');
  return {
    kernel,
    ...(initrd !== undefined && initrd !== '' && { initrd }),
    ...(cmdline !== undefined && cmdline !== '' && { cmdline }),
  };
}

function sourcePath(source: XmlElement | undefined): string | undefined {
  return source?.attr('file') ?? source?.attr('dev');
}

/** Follows nested `<backingStore>` elements; an empty one ends the chain. */
function backingChainOf(disk: XmlElement): ParsedBackingStore[] {
  const chain: ParsedBackingStore[] = [];
  for (let store = disk.child('backingStore'); store !== undefined; store = store.child('backingStore')) {
    const path = sourcePath(store.child('source'));
    if (path === undefined) break;
    const format = store.child('format')?.attr('type');
    chain.push({ path, ...(format !== undefined && { format }) });
  }
  return chain;
}

function parseDisk(disk: XmlElement): ParsedDisk {
  const target = disk.requireChild('target');
  return withoutUndefined({
    device: disk.attr('device') ?? 'disk',
    type: disk.attr('type') ?? 'file',
    targetDev: target.requireAttr('dev'),
    bus: target.attr('bus'),
    source: sourcePath(disk.child('source')),
    format: disk.child('driver')?.attr('type'),
    backingChain: backingChainOf(disk),
    readOnly: disk.child('readonly') !== undefined,
    bootOrder: disk.child('boot')?.integerAttr('order'),
    alias: disk.child('alias')?.attr('name'),
  });
}

function interfaceSource(nic: XmlElement): string | undefined {
  const source = nic.child('source');
  switch (nic.attr('type')) {
    case 'network':
      return source?.attr('network');
    case 'bridge':
      return source?.attr('bridge');
    default:
      return source?.attr('dev') ?? source?.attr('network') ?? source?.attr('bridge');
  }
}

function parseInterface(nic: XmlElement): ParsedInterface {
  return withoutUndefined({
    type: nic.requireAttr('type'),
    mac: nic.child('mac')?.attr('address')?.toLowerCase(),
    source: interfaceSource(nic),
    model: nic.child('model')?.attr('type'),
    targetDev: nic.child('target')?.attr('dev'),
    alias: nic.child('alias')?.attr('name'),
  });
}

function parseSerial(serial: XmlElement): ParsedSerial {
  return withoutUndefined({
    type: serial.requireAttr('type'),
    path: serial.child('source')?.attr('path'),
    port: serial.child('target')?.integerAttr('port'),
  });
}

function parseCpu(cpu: XmlElement | undefined): ParsedDomain['cpu'] {
  if (cpu === undefined) return undefined;
  const model = cpu.childText('model');
  return { mode: cpu.attr('mode') ?? 'custom', ...(model !== undefined && model !== '' && { model }) };
}

/** Reads a `<domain>` document; LibvirtXmlError (terminal) when it is malformed or lacks name, vcpu or memory. */
export function parseDomainXml(xml: string): ParsedDomain {
  const domain = parseXml(xml, 'domain');
  const os = domain.child('os');
  const osType = os?.child('type');
  const devices = domain.child('devices');
  const currentMemory = domain.child('currentMemory');
  return withoutUndefined({
    name: domain.requireChildText('name'),
    uuid: domain.childText('uuid')?.toLowerCase(),
    type: domain.requireAttr('type'),
    id: domain.integerAttr('id'),
    arch: osType?.attr('arch'),
    machine: osType?.attr('machine'),
    vcpus: vcpuCount(domain.requireChild('vcpu')),
    memoryBytes: memoryBytes(domain.requireChild('memory')),
    currentMemoryBytes: currentMemory === undefined ? undefined : memoryBytes(currentMemory),
    cpu: parseCpu(domain.child('cpu')),
    firmware: firmwareOf(os),
    kernelBoot: kernelBootOf(os),
    acpi: domain.child('features')?.child('acpi') !== undefined,
    onPoweroff: domain.childText('on_poweroff'),
    onReboot: domain.childText('on_reboot'),
    onCrash: domain.childText('on_crash'),
    disks: devices?.children('disk').map(parseDisk) ?? [],
    interfaces: devices?.children('interface').map(parseInterface) ?? [],
    serials: devices?.children('serial').map(parseSerial) ?? [],
    graphics: devices?.children('graphics').map((graphics) => graphics.requireAttr('type')) ?? [],
    owner: ownerFromDomain(domain),
  });
}
