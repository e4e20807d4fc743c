/** [REQ-01] Host: a libvirt hypervisor reached over SSH. Mirrors crds/hosts.virtfleet.io.yaml. */
import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { Condition } from './condition.js';
import type { Quantity, NamespacedObjectReference } from './meta.js';

/** Defaults the CRD schema fills in; controllers use them when reading objects that bypassed defaulting. */
export const HOST_DEFAULTS = {
  port: 22,
  libvirtURI: 'qemu:///system',
  maxConcurrentOperations: 4,
  cpuAllocationRatio: 1,
  unschedulable: false,
} as const;

/** Scheduling labels are the Host's metadata.labels, matched by the hostSelectors of VMs and transfers. */
export interface HostSpec {
  /** DNS name or IP address of the SSH server. */
  address: string;
  port?: number;
  user: string;
  /** Secret of type kubernetes.io/ssh-auth; key `ssh-privatekey`. */
  credentialsSecretRef: NamespacedObjectReference;
  /** Pinned OpenSSH public key lines or `SHA256:` fingerprints; at least one, never auto-accepted. */
  hostKeys: string[];
  libvirtURI?: string;
  maxConcurrentOperations?: number;
  /** vCPUs the scheduler places per physical CPU; 1 (no overcommit) by default. */
  cpuAllocationRatio?: number;
  unschedulable?: boolean;
  /** Unset means the transfer config's cacheDir. */
  imageCacheDir?: string;
}

export interface HostResources {
  cpus?: number;
  memory?: Quantity;
}

/** The values of status.summary.status, as `kubectl get nodes` shows a Node. */
export const HOST_SUMMARY_STATUSES = ['Ready', 'NotReady', 'Ready,SchedulingDisabled', 'NotReady,SchedulingDisabled'] as const;
export type HostSummaryStatus = (typeof HOST_SUMMARY_STATUSES)[number];

/** What `kubectl get hosts` prints (written by the Host controller, src/controllers/host/host-summary.ts). */
export interface HostSummary {
  /** `Ready` or `NotReady`, plus `,SchedulingDisabled` when spec.unschedulable is true. */
  status: HostSummaryStatus;
  /** The Ready condition's reason while the Host is not Ready. */
  reason?: string;
  /** allocated.memory and capacity.memory rounded down to a readable unit (`18Gi`); for people, not scheduling. */
  allocatedMemory?: string;
  capacityMemory?: string;
}

/**
 * The facts (versions, capacity, allocated, vmCount) are last-known: read from the host at lastHeartbeatTime and
 * kept, not refreshed, while Ready is not True.
 */
export interface HostStatus {
  /** Types in HOST_CONDITIONS. */
  conditions?: Condition[];
  /** The host key that matched a pin at the last successful connection; cleared while the key does not match. */
  hostKeyFingerprint?: string;
  /** The key the host presented while it matches no pin (HostKeyMismatch); cleared once a pin matches. */
  presentedHostKeyFingerprint?: string;
  libvirtVersion?: string;
  hypervisorVersion?: string;
  capacity?: HostResources;
  allocated?: HostResources;
  vmCount?: number;
  lastHeartbeatTime?: string;
  summary?: HostSummary;
  observedGeneration?: number;
}

export interface Host {
  apiVersion?: string;
  kind?: string;
  metadata?: V1ObjectMeta;
  spec: HostSpec;
  status?: HostStatus;
}
