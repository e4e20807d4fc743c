/**
 * [REQ-01] The field names of every object type in src/api/v1alpha1, by the schema path they describe.
 * `fieldsOf<T>({...})` only compiles when it lists exactly the keys of T, so a field added to a type without
 * this table (and then the CRD) following fails the typecheck, and the sync test compares the table with the CRDs.
 */
import type {
  Condition, Disk, DiskSource, ImageDiskSource, BlankDiskSource, Host, HostResources, HostSpec, HostStatus, HostSummary,
  LabelSelector, LabelSelectorRequirement, LocalObjectReference, NamespacedObjectReference, Network, CloudInit,
  SecretKeyReference, StartFailure, VirtualMachine, VirtualMachineInterface, VirtualMachineSpec, VirtualMachineStatus,
  ImageTransfer, ImageTransferSpec, ImageTransferStatus, TransferSource, UrlSource, HostFileSource, VolumeSource,
  TransferDestination, DestinationStatus, ResourceKind,
} from '../../../src/api/v1alpha1/index.js';

type KeySet<T> = { [K in keyof Required<T>]: true };

function fieldsOf<T>(keys: KeySet<T>): string[] {
  return Object.keys(keys);
}

const conditionFields = fieldsOf<Condition>({ type: true, status: true, observedGeneration: true, lastTransitionTime: true, reason: true, message: true });
const selectorFields = {
  '': fieldsOf<LabelSelector>({ matchLabels: true, matchExpressions: true }),
  'matchExpressions[]': fieldsOf<LabelSelectorRequirement>({ key: true, operator: true, values: true }),
};

function prefixed(prefix: string, fields: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(fields).map(([path, keys]) => [path ? `${prefix}.${path}` : prefix, keys]));
}

/** Schema path (as walkSchema names it) -> the keys of the TypeScript type at that path. */
export const TYPE_FIELDS: Record<ResourceKind, Record<string, string[]>> = {
  Host: {
    '': fieldsOf<Host>({ apiVersion: true, kind: true, metadata: true, spec: true, status: true }),
    spec: fieldsOf<HostSpec>({
      address: true, port: true, user: true, credentialsSecretRef: true, hostKeys: true, libvirtURI: true,
      maxConcurrentOperations: true, cpuAllocationRatio: true, unschedulable: true, imageCacheDir: true,
    }),
    'spec.credentialsSecretRef': fieldsOf<NamespacedObjectReference>({ namespace: true, name: true }),
    status: fieldsOf<HostStatus>({
      conditions: true, hostKeyFingerprint: true, presentedHostKeyFingerprint: true, libvirtVersion: true, hypervisorVersion: true,
      capacity: true, allocated: true, vmCount: true, lastHeartbeatTime: true, summary: true, observedGeneration: true,
    }),
    'status.summary': fieldsOf<HostSummary>({ status: true, reason: true, allocatedMemory: true, capacityMemory: true }),
    'status.conditions[]': conditionFields,
    'status.capacity': fieldsOf<HostResources>({ cpus: true, memory: true }),
    'status.allocated': fieldsOf<HostResources>({ cpus: true, memory: true }),
  },
  VirtualMachine: {
    '': fieldsOf<VirtualMachine>({ apiVersion: true, kind: true, metadata: true, spec: true, status: true }),
    spec: fieldsOf<VirtualMachineSpec>({
      runStrategy: true, hostName: true, hostSelector: true, cpu: true, memory: true, disks: true, networks: true,
      cloudInit: true, firmware: true, deletionPolicy: true,
    }),
    ...prefixed('spec.hostSelector', selectorFields),
    'spec.cpu': fieldsOf<NonNullable<VirtualMachineSpec['cpu']>>({ cores: true }),
    'spec.disks[]': fieldsOf<Disk>({ name: true, source: true, size: true, bus: true, bootOrder: true }),
    'spec.disks[].source': fieldsOf<DiskSource>({ image: true, blank: true }),
    'spec.disks[].source.image': fieldsOf<ImageDiskSource>({ url: true, digest: true, transferRef: true }),
    'spec.disks[].source.image.transferRef': fieldsOf<LocalObjectReference>({ name: true }),
    'spec.disks[].source.blank': fieldsOf<BlankDiskSource>({ size: true }),
    'spec.networks[]': fieldsOf<Network>({ name: true, type: true, source: true, mac: true, model: true }),
    'spec.cloudInit': fieldsOf<CloudInit>({ userData: true, userDataSecretRef: true, networkData: true }),
    'spec.cloudInit.userDataSecretRef': fieldsOf<SecretKeyReference>({ name: true, key: true }),
    status: fieldsOf<VirtualMachineStatus>({
      printableStatus: true, host: true, domainUUID: true, conditions: true, startFailure: true, powerRequest: true, interfaces: true,
      observedGeneration: true,
    }),
    'status.conditions[]': conditionFields,
    'status.startFailure': fieldsOf<StartFailure>({ consecutiveFailCount: true, retryAfter: true }),
    'status.interfaces[]': fieldsOf<VirtualMachineInterface>({ name: true, mac: true, ipAddresses: true }),
  },
  ImageTransfer: {
    '': fieldsOf<ImageTransfer>({ apiVersion: true, kind: true, metadata: true, spec: true, status: true }),
    spec: fieldsOf<ImageTransferSpec>({
      source: true, digest: true, destinations: true, hostSelector: true, format: true, bandwidthLimit: true,
      inactivityTimeoutSeconds: true,
    }),
    'spec.source': fieldsOf<TransferSource>({ url: true, host: true, volume: true }),
    'spec.source.url': fieldsOf<UrlSource>({ url: true, headersSecretRef: true }),
    'spec.source.url.headersSecretRef': fieldsOf<LocalObjectReference>({ name: true }),
    'spec.source.host': fieldsOf<HostFileSource>({ name: true, path: true }),
    'spec.source.volume': fieldsOf<VolumeSource>({ host: true, pool: true, name: true }),
    'spec.destinations[]': fieldsOf<TransferDestination>({ host: true, pool: true, path: true }),
    ...prefixed('spec.hostSelector', selectorFields),
    status: fieldsOf<ImageTransferStatus>({
      phase: true, bytesTotal: true, bytesTransferred: true, progress: true, rate: true, eta: true, destinations: true,
      sourceDigest: true, conditions: true, startTime: true, completionTime: true, observedGeneration: true,
    }),
    'status.destinations[]': fieldsOf<DestinationStatus>({
      host: true, phase: true, bytesTransferred: true, bytesSent: true, attempts: true, resumedFromBytes: true, verified: true,
      path: true, reason: true, message: true,
    }),
    'status.conditions[]': conditionFields,
  },
};
