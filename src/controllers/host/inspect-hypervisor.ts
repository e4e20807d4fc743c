/**
 * [REQ-01][REQ-03] Step "inspect the hypervisor" of the Host reconciler: libvirt and hypervisor versions, the
 * host's capacity (virNodeGetInfo) and what virtfleet's own domains use of it. Domains without virtfleet's owner
 * mark are someone else's: they are neither counted nor touched. Read-only.
 */
import type { HostResources } from '../../api/v1alpha1/host.js';
import type { HostVersions, NodeInfo } from '../../libvirt/operations/host-operations.js';
import { readOwnership } from '../../libvirt/ownership.js';
import { parseDomainXml } from '../../libvirt/parse-domain-xml.js';

/** The libvirt calls this step makes (LibvirtClient through libvirtHypervisorApi, or a test double). */
export interface HypervisorApi {
  versions(): Promise<HostVersions>;
  nodeInfo(): Promise<NodeInfo>;
  /** The XML of every domain defined or running on the host. */
  domainXmls(): Promise<string[]>;
}

export interface HypervisorFacts {
  libvirtVersion: string;
  hypervisorVersion: string;
  capacity: Required<HostResources>;
  allocated: Required<HostResources>;
  /** Domains that carry virtfleet's owner mark. */
  vmCount: number;
}

export async function inspectHypervisor(api: HypervisorApi): Promise<HypervisorFacts> {
  const [versions, node, xmls] = await Promise.all([api.versions(), api.nodeInfo(), api.domainXmls()]);
  const owned = xmls.filter((xml) => readOwnership(xml) !== undefined).map(parseDomainXml);
  const allocatedBytes = owned.reduce((sum, domain) => sum + BigInt(domain.memoryBytes), 0n);
  return {
    libvirtVersion: versions.libvirt,
    hypervisorVersion: versions.hypervisor,
    capacity: { cpus: node.cpus, memory: binaryQuantity(node.memoryBytes) },
    allocated: { cpus: owned.reduce((sum, domain) => sum + domain.vcpus, 0), memory: binaryQuantity(allocatedBytes) },
    vmCount: owned.length,
  };
}

const BINARY_SUFFIXES: ReadonlyArray<[string, bigint]> = [
  ['Ei', 1n << 60n],
  ['Pi', 1n << 50n],
  ['Ti', 1n << 40n],
  ['Gi', 1n << 30n],
  ['Mi', 1n << 20n],
  ['Ki', 1n << 10n],
];

/** A byte count as a Kubernetes quantity with the largest binary suffix that keeps it exact: `4Gi`, `1536Mi`. */
export function binaryQuantity(bytes: bigint): string {
  for (const [suffix, unit] of BINARY_SUFFIXES) {
    if (bytes >= unit && bytes % unit === 0n) return `${bytes / unit}${suffix}`;
  }
  return bytes.toString();
}
