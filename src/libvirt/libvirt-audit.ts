/**
 * [REQ-05][REQ-03] The one place where the libvirt wrapper audits its calls: every call that changes state on
 * a host (domain, storage pool, volume) runs through `LibvirtAuditor.run`, which writes exactly one record via
 * runAudited: action `libvirt.<object>.<verb>`, the host's name, the resource the caller acts for, and small
 * arguments (names, UUIDs, flags, byte counts). Whole XML documents are never recorded, only their SHA-256 and
 * length. A refusal to touch a foreign domain (DomainNotOwnedError) is recorded as `denied`. Read-only calls
 * (lookups, state, XML, lists, info, versions, downloads, event registration) are not audited.
 */
import { runAudited, type MonotonicClock } from '../security/audit-action.js';
import type { AuditSink } from '../security/audit-log.js';
import { sha256Hex } from '../security/audit-record.js';
import type { AuditContext } from '../ssh/remote-process.js';
import type { DomainRef, StoragePoolRef, StorageVolRef } from './rpc/remote-types.js';

/** Where a client's records go and which host they name (the Host resource's name, as SSH records do). */
export interface LibvirtAuditTarget {
  sink: AuditSink;
  host: string;
  /** Measures durations; performance.now by default, injected by tests. */
  clock?: MonotonicClock;
}

/** Per-call option of every state-changing call: which resource the call acts for. */
export interface AuditedCallOptions {
  audit?: AuditContext;
}

export type AuditArguments = Record<string, unknown>;

export class LibvirtAuditor {
  constructor(private readonly target: LibvirtAuditTarget) {}

  /**
   * Runs `call` and records it as `libvirt.<action>`. `args` is read when the record is written, so a call may
   * add what it learns while running (the bytes an upload sent), on success and on failure alike.
   */
  run<T>(action: string, args: AuditArguments, options: AuditedCallOptions, call: () => Promise<T>): Promise<T> {
    const resource = options.audit?.resource;
    return runAudited(this.target.sink, {
      ...(resource === undefined ? {} : { resource }),
      host: this.target.host,
      action: `libvirt.${action}`,
      arguments: args,
    }, call, this.target.clock);
  }
}

export function domainArguments(domain: DomainRef): AuditArguments {
  return { domain: domain.name, uuid: domain.uuid };
}

export function poolArguments(pool: StoragePoolRef): AuditArguments {
  return { pool: pool.name, uuid: pool.uuid };
}

export function volumeArguments(volume: StorageVolRef): AuditArguments {
  return { pool: volume.pool, volume: volume.name, volumeKey: volume.key };
}

/** Identifies an XML document without recording it: its SHA-256 and its length in UTF-8 bytes. */
export function xmlArguments(xml: string): AuditArguments {
  return { xmlSha256: sha256Hex(xml), xmlBytes: Buffer.byteLength(xml, 'utf8') };
}
