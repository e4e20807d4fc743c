/**
 * [REQ-01][REQ-02][REQ-03] How the operator reaches its hosts: the shared HostSessionPool (one SSH connection per
 * host) and one LibvirtClient per host whose RPC stream runs over that session. A host whose target changed
 * (new key, address or pinned keys) gets a new session from the pool, and with it a new libvirt client. Each
 * client audits its state-changing calls to the operator's audit log under the Host's name.
 */
import type { Clock } from '../../controller/clock.js';
import type { LibvirtConfig } from '../../config/types.js';
import { ListDomainsFlags } from '../../libvirt/operations/domain-operations.js';
import { LibvirtClient } from '../../libvirt/libvirt-client.js';
import { sshRpcTransportFactory } from '../../libvirt/ssh-rpc-transport.js';
import type { AuditSink } from '../../security/audit-log.js';
import type { HostSession } from '../../ssh/host-session.js';
import type { HostSessionPool } from '../../ssh/host-session-pool.js';
import type { SshTarget } from '../../ssh/ssh-target.js';
import type { HostAccess } from './connect-host.js';
import type { HypervisorApi } from './inspect-hypervisor.js';

interface HostLibvirt {
  session: HostSession;
  uri: string;
  client: LibvirtClient;
}

export class PooledHostAccess implements HostAccess {
  private readonly libvirt = new Map<string, HostLibvirt>();

  constructor(
    private readonly pool: HostSessionPool,
    private readonly libvirtConfig: LibvirtConfig,
    private readonly audit: AuditSink,
    private readonly clock?: Clock,
  ) {}

  async connect(target: SshTarget, signal: AbortSignal): Promise<string> {
    const session = this.pool.session(target);
    await session.connect(signal);
    return session.connectionInfo?.hostKeyFingerprint ?? 'unknown';
  }

  hypervisor(target: SshTarget, libvirtURI: string): HypervisorApi {
    return libvirtHypervisorApi(this.clientFor(target, libvirtURI));
  }

  async forget(hostName: string): Promise<void> {
    const entry = this.libvirt.get(hostName);
    this.libvirt.delete(hostName);
    await entry?.client.close();
    this.pool.forget(hostName);
  }

  /** Closes every libvirt connection and SSH session (operator shutdown). */
  async closeAll(): Promise<void> {
    const entries = [...this.libvirt.values()];
    this.libvirt.clear();
    await Promise.all(entries.map((entry) => entry.client.close()));
    this.pool.closeAll();
  }

  private clientFor(target: SshTarget, uri: string): LibvirtClient {
    const session = this.pool.session(target);
    const existing = this.libvirt.get(target.host);
    if (existing !== undefined && existing.session === session && existing.uri === uri) return existing.client;
    if (existing !== undefined) void existing.client.close();
    const transport = sshRpcTransportFactory(session, this.libvirtConfig, uri);
    const client = LibvirtClient.fromConfig(transport, this.libvirtConfig, {
      uri,
      audit: { sink: this.audit, host: target.host },
      ...(this.clock === undefined ? {} : { clock: this.clock }),
    });
    this.libvirt.set(target.host, { session, uri, client });
    return client;
  }
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
