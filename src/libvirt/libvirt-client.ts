/**
 * [REQ-03] The libvirt wrapper: one persistent RPC connection to a host's libvirtd (through whatever transport
 * the factory opens, normally `virt-ssh-helper` on an SSH exec channel) carrying calls, lifecycle events and
 * volume streams. The connection opens on first use and reopens on the next call after it dropped. Every call
 * that changes state on the host writes one audit record naming the host (libvirt-audit.ts).
 */
import type { Observable } from 'rxjs';
import type { Clock } from '../time/clock.js';
import type { LibvirtConfig } from '../config/types.js';
import { LibvirtAuditor, type LibvirtAuditTarget } from './libvirt-audit.js';
import { domainLifecycleEvents, type DomainLifecycleEvent } from './operations/domain-events.js';
import { DomainOperations } from './operations/domain-operations.js';
import { HostOperations } from './operations/host-operations.js';
import { StorageOperations } from './operations/storage-operations.js';
import type { RpcTransportFactory } from './rpc/rpc-transport.js';
import { RpcSession, type RpcSessionOptions } from './rpc/rpc-session.js';

export interface LibvirtClientOptions extends RpcSessionOptions {
  /** Where the records of state-changing calls go, and the host they name. */
  audit: LibvirtAuditTarget;
}

export class LibvirtClient {
  readonly host: HostOperations;
  readonly domains: DomainOperations;
  readonly storage: StorageOperations;
  private readonly session: RpcSession;

  constructor(transportFactory: RpcTransportFactory, options: LibvirtClientOptions) {
    this.session = new RpcSession(transportFactory, options);
    const auditor = new LibvirtAuditor(options.audit);
    this.host = new HostOperations(this.session);
    this.domains = new DomainOperations(this.session, auditor);
    this.storage = new StorageOperations(this.session, auditor);
  }

  /** A client configured from libvirt_config.yaml; `uri` overrides `defaultURI` (a Host's spec.libvirtURI). */
  static fromConfig(
    transportFactory: RpcTransportFactory,
    config: LibvirtConfig,
    options: { audit: LibvirtAuditTarget; uri?: string; clock?: Clock },
  ): LibvirtClient {
    return new LibvirtClient(transportFactory, {
      uri: options.uri ?? config.defaultURI,
      callTimeoutMs: config.callTimeoutMs,
      keepalive: config.keepalive,
      clock: options.clock,
      audit: options.audit,
    });
  }

  /** Lifecycle events of every domain on the host, for as long as the subscription and the connection last. */
  lifecycleEvents(): Observable<DomainLifecycleEvent> {
    return domainLifecycleEvents(this.session);
  }

  /** Calls `watcher` each time the open connection is lost (libvirtd restarted, transport gone); returns its remover. */
  onConnectionLost(watcher: (error: Error) => void): () => void {
    return this.session.onConnectionLost(watcher);
  }

  /** Closes the connection (CONNECT_CLOSE); a later call opens a new one. */
  close(): Promise<void> {
    return this.session.close();
  }

  /** Drops the transport without a goodbye, as a network failure would; calls in flight fail retryably. */
  abortConnection(): void {
    this.session.abortConnection();
  }
}
