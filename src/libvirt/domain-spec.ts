/**
 * [REQ-03] The typed description of a libvirt domain as virtfleet defines it (input of `buildDomainXml`), and the
 * checks that reject what libvirt would refuse or misread, before any XML is written.
 */
import { InvalidSpecError } from '../errors/invalid-spec-error.js';
import type { VirtfleetOwner } from './ownership.js';
import { requireAbsolutePath, requireObjectName, requirePositiveInteger, requireText } from './spec-checks.js';

/** `qemu` is software emulation (TCG); `kvm` needs hardware virtualisation. */
export type DomainType = 'kvm' | 'qemu';
export type CpuMode = 'host-passthrough' | 'host-model' | 'custom';
export type Firmware = 'bios' | 'uefi';
export type DiskBus = 'virtio' | 'sata' | 'scsi';
export type ImageFormat = 'qcow2' | 'raw';
export type InterfaceType = 'user' | 'network' | 'bridge';

/** `custom` names a CPU model, e.g. `qemu64`; the host modes take none. */
export type CpuSpec = { mode: Exclude<CpuMode, 'custom'> } | { mode: 'custom'; model: string };

/** Direct kernel boot (used by tests to boot a small guest without a disk image). */
export interface KernelBootSpec {
  kernel: string;
  initrd?: string;
  cmdline?: string;
}

export interface ImageRef {
  path: string;
  format: ImageFormat;
}

/** A qcow2 file whose reads fall through to a shared base image (the per-host image cache). */
export interface OverlayDiskSpec {
  kind: 'overlay';
  path: string;
  backingStore: ImageRef;
  bus: DiskBus;
  bootOrder?: number;
}

/** A self-contained image file (a blank data disk). */
export interface BlankDiskSpec {
  kind: 'blank';
  path: string;
  format: ImageFormat;
  bus: DiskBus;
  bootOrder?: number;
}

/** The cloud-init NoCloud seed image: a read-only raw cdrom. */
export interface CloudInitSeedDiskSpec {
  kind: 'cloud-init-seed';
  path: string;
  bus: 'sata' | 'scsi';
  bootOrder?: number;
}

export type DiskSpec = OverlayDiskSpec | BlankDiskSpec | CloudInitSeedDiskSpec;

export interface InterfaceSpec {
  type: InterfaceType;
  /** Network name (type `network`) or bridge device (type `bridge`); absent for `user`. */
  source?: string;
  /** Unicast MAC, e.g. `52:54:00:12:34:56`; libvirt generates one when absent. */
  mac?: string;
  /** NIC model; `virtio` when absent. */
  model?: string;
}

/** The serial console: a pty (default), or a file that receives everything the guest writes (tests). */
export type SerialSpec = { type: 'pty' } | { type: 'file'; path: string };

export interface VncSpec {
  /** Address the VNC server listens on. */
  listen: string;
}

export interface DomainSpec {
  name: string;
  uuid?: string;
  type: DomainType;
  /** Machine type, e.g. `pc` or `q35`. */
  machine: string;
  /** Guest architecture; `x86_64` when absent. */
  arch?: string;
  vcpus: number;
  /** Guest memory in bytes; written in KiB, rounded up. */
  memoryBytes: number;
  /** Absent: the hypervisor's default CPU model. */
  cpu?: CpuSpec;
  firmware: Firmware;
  kernelBoot?: KernelBootSpec;
  disks: DiskSpec[];
  interfaces: InterfaceSpec[];
  /** A pty console when absent. */
  serial?: SerialSpec;
  /** No graphics when absent. */
  vnc?: VncSpec;
  /** Written into `<metadata>` so the operator recognises the domain as its own. */
  owner: VirtfleetOwner;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

function validateDisks(disks: DiskSpec[]): void {
  const bootOrders = new Set<number>();
  disks.forEach((disk, index) => {
    const field = `domain.disks[${index}]`;
    requireAbsolutePath(`${field}.path`, disk.path);
    if (disk.kind === 'overlay') requireAbsolutePath(`${field}.backingStore.path`, disk.backingStore.path);
    if (disk.kind === 'cloud-init-seed' && disk.bus !== 'sata' && disk.bus !== 'scsi') {
      throw new InvalidSpecError(`${field}.bus`, 'a cloud-init seed cdrom must be on bus sata or scsi');
    }
    if (disk.bootOrder === undefined) return;
    requirePositiveInteger(`${field}.bootOrder`, disk.bootOrder);
    if (bootOrders.has(disk.bootOrder)) throw new InvalidSpecError(`${field}.bootOrder`, `${disk.bootOrder} is used twice`);
    bootOrders.add(disk.bootOrder);
  });
}

function validateInterfaces(interfaces: InterfaceSpec[]): void {
  interfaces.forEach((nic, index) => {
    const field = `domain.interfaces[${index}]`;
    if (nic.type === 'user' && nic.source !== undefined) {
      throw new InvalidSpecError(`${field}.source`, 'a user-mode interface has no source');
    }
    if (nic.type !== 'user') requireText(`${field}.source`, nic.source);
    if (nic.mac === undefined) return;
    // The low bit of the first octet marks multicast addresses, which libvirt refuses for a NIC.
    if (!MAC.test(nic.mac) || (parseInt(nic.mac.slice(0, 2), 16) & 1) === 1) {
      throw new InvalidSpecError(`${field}.mac`, `'${nic.mac}' is not a unicast MAC address`);
    }
  });
}

/** Throws InvalidSpecError (terminal) naming the first field libvirt would refuse or misread. */
export function validateDomainSpec(spec: DomainSpec): void {
  requireObjectName('domain.name', spec.name);
  if (spec.uuid !== undefined && !UUID.test(spec.uuid)) throw new InvalidSpecError('domain.uuid', `'${spec.uuid}' is not a UUID`);
  requireText('domain.machine', spec.machine);
  requirePositiveInteger('domain.vcpus', spec.vcpus);
  requirePositiveInteger('domain.memoryBytes', spec.memoryBytes);
  if (spec.cpu?.mode === 'custom') requireText('domain.cpu.model', spec.cpu.model);
  if (spec.cpu?.mode === 'host-passthrough' && spec.type === 'qemu') {
    throw new InvalidSpecError('domain.cpu.mode', 'host-passthrough needs type kvm; software emulation (qemu) cannot pass the host CPU through');
  }
  if (spec.kernelBoot !== undefined) {
    requireAbsolutePath('domain.kernelBoot.kernel', spec.kernelBoot.kernel);
    if (spec.kernelBoot.initrd !== undefined) requireAbsolutePath('domain.kernelBoot.initrd', spec.kernelBoot.initrd);
  }
  if (spec.serial?.type === 'file') requireAbsolutePath('domain.serial.path', spec.serial.path);
  validateDisks(spec.disks);
  validateInterfaces(spec.interfaces);
  requireText('domain.owner.namespace', spec.owner.namespace);
  requireText('domain.owner.name', spec.owner.name);
  requireText('domain.owner.uid', spec.owner.uid);
  if (!Number.isSafeInteger(spec.owner.generation) || spec.owner.generation < 0) {
    throw new InvalidSpecError('domain.owner.generation', `${spec.owner.generation} is not a non-negative integer`);
  }
}
