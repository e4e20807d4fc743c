/** [REQ-01] VirtualMachine: a libvirt domain placed on one Host. Mirrors crds/virtualmachines.virtfleet.io.yaml. */
import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { Condition } from './condition.js';
import type { LabelSelector, LocalObjectReference, Quantity } from './meta.js';

export const RUN_STRATEGIES = ['Always', 'RerunOnFailure', 'Manual', 'Halted'] as const;
export type RunStrategy = (typeof RUN_STRATEGIES)[number];

export const DISK_BUSES = ['virtio', 'sata', 'scsi', 'ide'] as const;
export type DiskBus = (typeof DISK_BUSES)[number];

export const NETWORK_TYPES = ['network', 'bridge', 'user'] as const;
export type NetworkType = (typeof NETWORK_TYPES)[number];

export const NIC_MODELS = ['virtio', 'e1000', 'e1000e', 'rtl8139'] as const;
export type NicModel = (typeof NIC_MODELS)[number];

export const FIRMWARES = ['bios', 'uefi'] as const;
export type Firmware = (typeof FIRMWARES)[number];

export const DELETION_POLICIES = ['Delete', 'Orphan'] as const;
export type DeletionPolicy = (typeof DELETION_POLICIES)[number];

export const PRINTABLE_STATUSES = [
  'Pending', 'Scheduling', 'Unschedulable', 'WaitingForImage', 'Provisioning', 'Starting', 'Running', 'Paused',
  'Stopping', 'Stopped', 'CrashLoopBackOff', 'Failed', 'Terminating', 'HostUnreachable',
] as const;
export type PrintableStatus = (typeof PRINTABLE_STATUSES)[number];

/**
 * runStrategy Manual: `on` or `off`, optionally followed by `@<request id>`; carried out once each time the value
 * changes (status.powerRequest remembers the last one), so `on@2` starts a guest that powered itself off after `on@1`.
 */
export const POWER_ANNOTATION = 'virtfleet.io/power';

/** Defaults the CRD schema fills in. */
export const VIRTUAL_MACHINE_DEFAULTS = {
  runStrategy: 'Always',
  cpuCores: 1,
  diskBus: 'virtio',
  networkType: 'network',
  nicModel: 'virtio',
  cloudInitUserDataKey: 'userdata',
  firmware: 'bios',
  deletionPolicy: 'Delete',
} as const;

/** Image disk source: `url` + `digest`, or `transferRef`, never both. */
export interface ImageDiskSource {
  url?: string;
  /** `sha256:<64 hex>`. */
  digest?: string;
  transferRef?: LocalObjectReference;
}

export interface BlankDiskSource {
  size: Quantity;
}

/** Exactly one of `image` or `blank`. */
export interface DiskSource {
  image?: ImageDiskSource;
  blank?: BlankDiskSource;
}

export interface Disk {
  name: string;
  source: DiskSource;
  /** Virtual size; an image overlay grows to it. */
  size?: Quantity;
  bus?: DiskBus;
  bootOrder?: number;
}

export interface Network {
  name: string;
  type?: NetworkType;
  /** libvirt network or host bridge name; absent for `user`. */
  source?: string;
  mac?: string;
  model?: NicModel;
}

export interface SecretKeyReference {
  name: string;
  key?: string;
}

/** `userData` and `userDataSecretRef` are mutually exclusive. */
export interface CloudInit {
  userData?: string;
  userDataSecretRef?: SecretKeyReference;
  networkData?: string;
}

/** `hostName` and `hostSelector` are mutually exclusive; `hostName` is immutable once set. */
export interface VirtualMachineSpec {
  runStrategy?: RunStrategy;
  hostName?: string;
  hostSelector?: LabelSelector;
  cpu?: { cores?: number };
  memory: Quantity;
  disks?: Disk[];
  networks?: Network[];
  cloudInit?: CloudInit;
  firmware?: Firmware;
  deletionPolicy?: DeletionPolicy;
}

export interface StartFailure {
  consecutiveFailCount?: number;
  /** RFC 3339 time before which no new start is attempted. */
  retryAfter?: string;
}

export interface VirtualMachineInterface {
  name: string;
  mac?: string;
  ipAddresses?: string[];
}

export interface VirtualMachineStatus {
  printableStatus?: PrintableStatus;
  host?: string;
  domainUUID?: string;
  /** Types in VIRTUAL_MACHINE_CONDITIONS. */
  conditions?: Condition[];
  startFailure?: StartFailure;
  /** The POWER_ANNOTATION value last carried out (runStrategy Manual). */
  powerRequest?: string;
  interfaces?: VirtualMachineInterface[];
  observedGeneration?: number;
}

export interface VirtualMachine {
  apiVersion?: string;
  kind?: string;
  metadata?: V1ObjectMeta;
  spec: VirtualMachineSpec;
  status?: VirtualMachineStatus;
}
