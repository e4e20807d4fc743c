/**
 * [REQ-01] Typed example objects that, together, fill every field of every kind (spec and status). Each must be
 * valid against its CRD; the sync test checks that they cover every schema property.
 */
import {
  API_VERSION, type Condition, type Host, type ImageTransfer, type ResourceKind, type VirtualMachine,
} from '../../../src/api/v1alpha1/index.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const TIME = '2025-01-02T03:04:05Z';

const condition = (type: string): Condition =>
  ({ type, status: 'True', observedGeneration: 2, lastTransitionTime: TIME, reason: 'AllGood', message: 'fine' });

export const fullHost = {
  apiVersion: API_VERSION,
  kind: 'Host',
  metadata: { name: 'hv1', labels: { zone: 'a' } },
  spec: {
    address: '192.0.2.10', port: 2222, user: 'virtfleet',
    credentialsSecretRef: { namespace: 'virtfleet-system', name: 'hv1-ssh' },
    hostKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBTmOjoS/I52X221coh6BJgOkrADVOvCYHPDQ4Ah6uDK hv1', 'SHA256:sJXsjbJLQ+c/RL/JSMoM+LQuwDJMTMar+pfHaWwMkos'],
    libvirtURI: 'qemu:///system', maxConcurrentOperations: 8, cpuAllocationRatio: 4, unschedulable: false, imageCacheDir: '/var/lib/virtfleet/images',
  },
  status: {
    conditions: ['Reachable', 'Authenticated', 'LibvirtReady', 'Ready'].map(condition),
    hostKeyFingerprint: 'SHA256:sJXsjbJLQ+c/RL/JSMoM+LQuwDJMTMar+pfHaWwMkos',
    presentedHostKeyFingerprint: 'SHA256:AAAAjbJLQ+c/RL/JSMoM+LQuwDJMTMar+pfHaWwMkos',
    libvirtVersion: '9.0.0', hypervisorVersion: '7.2.0',
    capacity: { cpus: 16, memory: '64Gi' }, allocated: { cpus: 4, memory: 8589934592 },
    vmCount: 2, lastHeartbeatTime: TIME, observedGeneration: 2,
    summary: { status: 'NotReady,SchedulingDisabled', reason: 'HostKeyMismatch', allocatedMemory: '8Gi', capacityMemory: '64Gi' },
  },
} satisfies Host;

export const fullVirtualMachines = [
  {
    apiVersion: API_VERSION,
    kind: 'VirtualMachine',
    metadata: { name: 'web-1', namespace: 'default' },
    spec: {
      runStrategy: 'RerunOnFailure', hostName: 'hv1', cpu: { cores: 2 }, memory: '2Gi',
      disks: [
        { name: 'root', source: { image: { url: 'https://images.example/debian.qcow2', digest: DIGEST } }, size: '20Gi', bus: 'virtio', bootOrder: 1 },
        { name: 'data', source: { blank: { size: 10737418240 } }, bus: 'scsi', bootOrder: 2 },
      ],
      networks: [
        { name: 'lan', type: 'bridge', source: 'br0', mac: '52:54:00:12:34:56', model: 'virtio' },
        { name: 'nat', type: 'user', model: 'e1000' },
      ],
      cloudInit: { userData: '#cloud-config\n', networkData: 'version: 2\n' },
      firmware: 'uefi', deletionPolicy: 'Orphan',
    },
    status: {
      printableStatus: 'Running', host: 'hv1', domainUUID: '4dea22b3-1d52-d8f3-2516-782e98ab3fa0',
      conditions: ['Scheduled', 'DisksReady', 'Ready', 'Synchronized'].map(condition),
      startFailure: { consecutiveFailCount: 1, retryAfter: TIME },
      powerRequest: 'on@1',
      interfaces: [{ name: 'lan', mac: '52:54:00:12:34:56', ipAddresses: ['192.0.2.50', 'fe80::5054:ff:fe12:3456'] }],
      observedGeneration: 2,
    },
  },
  {
    apiVersion: API_VERSION,
    kind: 'VirtualMachine',
    metadata: { name: 'db-1', namespace: 'default' },
    spec: {
      hostSelector: {
        matchLabels: { zone: 'a' },
        matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }, { key: 'maintenance', operator: 'DoesNotExist' }],
      },
      memory: 1073741824,
      disks: [{ name: 'root', source: { image: { transferRef: { name: 'debian-12' } } } }],
      cloudInit: { userDataSecretRef: { name: 'db-1-userdata', key: 'userdata' } },
    },
  },
] satisfies VirtualMachine[];

export const fullImageTransfers = [
  {
    apiVersion: API_VERSION,
    kind: 'ImageTransfer',
    metadata: { name: 'debian-12', namespace: 'default' },
    spec: {
      source: { url: { url: 'https://images.example/debian.qcow2', headersSecretRef: { name: 'image-auth' } } },
      digest: DIGEST,
      destinations: [{ host: 'hv1' }, { host: 'hv2', pool: 'virtfleet' }, { host: 'hv3', path: '/srv/images/debian.qcow2' }],
      format: 'raw', bandwidthLimit: '100Mi', inactivityTimeoutSeconds: 60,
    },
    status: {
      phase: 'Transferring', bytesTotal: 2147483648, bytesTransferred: 901943132, progress: '42%', rate: '112MiB/s', eta: '11s',
      destinations: [
        { host: 'hv1', phase: 'Succeeded', bytesTransferred: 2147483648, attempts: 1, resumedFromBytes: 0, verified: true, path: '/var/lib/virtfleet/images/sha256-ab', message: 'verified' },
        { host: 'hv2', phase: 'Transferring', bytesTransferred: 16777216, bytesSent: 8388608, attempts: 2, resumedFromBytes: 8388608, verified: false, reason: 'Stalled' },
      ],
      sourceDigest: DIGEST,
      conditions: ['Progressing', 'Stalled', 'Verified', 'Complete'].map(condition),
      startTime: TIME, completionTime: TIME, observedGeneration: 1,
    },
  },
  {
    apiVersion: API_VERSION,
    kind: 'ImageTransfer',
    metadata: { name: 'golden-copy', namespace: 'default' },
    spec: {
      source: { host: { name: 'hv1', path: '/var/lib/virtfleet/images/golden.qcow2' } },
      hostSelector: { matchLabels: { zone: 'a' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['b', 'c'] }] },
    },
  },
  {
    apiVersion: API_VERSION,
    kind: 'ImageTransfer',
    metadata: { name: 'from-volume', namespace: 'default' },
    spec: { source: { volume: { host: 'hv1', pool: 'default', name: 'golden.qcow2' } }, format: 'qcow2', destinations: [{ host: 'hv2' }] },
  },
] satisfies ImageTransfer[];

export const FULL_EXAMPLES: Record<ResourceKind, unknown[]> = {
  Host: [fullHost],
  VirtualMachine: fullVirtualMachines,
  ImageTransfer: fullImageTransfers,
};
