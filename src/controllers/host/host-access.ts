/**
 * [REQ-01][REQ-03] How the Host reconciler reaches a host: through the shared HostConnections (src/hosts/) in the
 * operator, or a scripted double in unit tests. `libvirtHypervisorApi` is the Host controller's own adapter: the
 * read-only libvirt calls of the "inspect the hypervisor" step on a LibvirtClient.
 */
import type { HostConnections } from '../../hosts/host-connections.js';
import { ListDomainsFlags } from '../../libvirt/operations/domain-operations.js';
import type { LibvirtClient } from '../../libvirt/libvirt-client.js';
import type { CloseReason } from '../../ssh/host-session.js';
import type { HypervisorApi } from './inspect-hypervisor.js';

/** A connected host: the fingerprint of the pinned key it presented, and its libvirt calls. */
export interface ConnectedHost {
  fingerprint: string;
  hypervisor: HypervisorApi;
}

export interface HostAccess {
  /** Connects to the named Host (or reuses the connection); throws the typed errors of HostConnections.open. */
  connect(hostName: string, signal: AbortSignal): Promise<ConnectedHost>;
  /** Closes and forgets everything open to the host: it was deleted, or its credentials were revoked. */
  forget(hostName: string, reason?: CloseReason): Promise<void>;
}

export function hostAccessOver(connections: Pick<HostConnections, 'open' | 'forget'>): HostAccess {
  return {
    connect: async (hostName, signal) => {
      const connection = await connections.open(hostName, signal);
      return { fingerprint: connection.fingerprint, hypervisor: libvirtHypervisorApi(connection.libvirt) };
    },
    forget: (hostName, reason) => connections.forget(hostName, reason),
  };
}

/** The Host reconciler's libvirt calls on a LibvirtClient. */
export function libvirtHypervisorApi(client: LibvirtClient): HypervisorApi {
  return {
    versions: () => client.host.versions(),
    nodeInfo: () => client.host.nodeInfo(),
    domainXmls: async () => {
      const domains = await client.domains.listAll(ListDomainsFlags.Active | ListDomainsFlags.Inactive);
      return Promise.all(domains.map((domain) => client.domains.getXmlDesc(domain)));
    },
  };
}
