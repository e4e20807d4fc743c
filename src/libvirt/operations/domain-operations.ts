/**
 * [REQ-03] Domain calls of the libvirt wrapper. Every call that changes an existing domain first reads its XML
 * and refuses (DomainNotOwnedError) unless it carries virtfleet's owner metadata, so the operator never
 * touches a domain someone else defined on the host; defineXml likewise requires the mark in the new XML and
 * refuses to replace a foreign domain of the same name. Each change writes one audit record (libvirt-audit.ts);
 * a refusal is recorded as `denied`.
 */
import {
  domainArguments, xmlArguments, type AuditArguments, type AuditedCallOptions, type LibvirtAuditor,
} from '../libvirt-audit.js';
import { isLibvirtNotFound, DomainNotOwnedError } from '../libvirt-error.js';
import { ownerFromDomain, readOwnership, type VirtfleetOwner } from '../ownership.js';
import { parseXml } from '../xml-tree.js';
import { RemoteProcedure, UUID_BYTES } from '../rpc/protocol-constants.js';
import {
  readDomain, readOptionalString, readString, uuidToBytes, writeDomain, writeString, type DomainRef,
} from '../rpc/remote-types.js';
import type { RpcSession } from '../rpc/rpc-session.js';
import type { XdrReader } from '../rpc/xdr-reader.js';
import type { XdrWriter } from '../rpc/xdr-writer.js';

/** virDomainState. */
export const DOMAIN_STATES = ['nostate', 'running', 'blocked', 'paused', 'shutdown', 'shutoff', 'crashed', 'pmsuspended'] as const;
export type DomainStateName = (typeof DOMAIN_STATES)[number] | 'unknown';

export interface DomainState {
  state: DomainStateName;
  /** The state's reason code (virDomainRunningReason, virDomainShutoffReason, ...). */
  reason: number;
}

/** virConnectListAllDomainsFlags. */
export const ListDomainsFlags = { Active: 1, Inactive: 2, Persistent: 4, Transient: 8, Running: 16, Paused: 32, Shutoff: 64 } as const;
/** virDomainUndefineFlagsValues. */
export const UndefineFlags = { ManagedSave: 1, SnapshotsMetadata: 2, Nvram: 4, KeepNvram: 8, CheckpointsMetadata: 16 } as const;
/** virDomainXMLFlags. */
export const DomainXmlFlags = { Secure: 1, Inactive: 2, UpdateCpu: 4, Migratable: 8 } as const;
/** virDomainInterfaceAddressesSource. */
export const InterfaceAddressSource = { Lease: 0, Agent: 1, Arp: 2 } as const;

export interface InterfaceAddresses {
  name: string;
  mac: string | null;
  addresses: Array<{ family: 'ipv4' | 'ipv6'; address: string; prefix: number }>;
}

/** REMOTE_DOMAIN_LIST_MAX, REMOTE_DOMAIN_INTERFACE_MAX, REMOTE_DOMAIN_IP_ADDR_MAX. */
const DOMAIN_LIST_MAX = 16384;
const INTERFACE_MAX = 2048;
const IP_ADDR_MAX = 2048;

function readInterface(reader: XdrReader): InterfaceAddresses {
  const name = readString(reader);
  const mac = readOptionalString(reader);
  const addresses = reader.array((addressReader) => {
    const family = addressReader.int() === 1 ? 'ipv6' as const : 'ipv4' as const;
    const address = readString(addressReader);
    return { family, address, prefix: addressReader.uint() };
  }, IP_ADDR_MAX);
  return { name, mac, addresses };
}

export class DomainOperations {
  constructor(private readonly session: RpcSession, private readonly auditor: LibvirtAuditor) {}

  listAll(flags = 0): Promise<DomainRef[]> {
    return this.session.call(RemoteProcedure.ConnectListAllDomains, (writer) => writer.int(1).uint(flags), (reader) => {
      const domains = reader.array(readDomain, DOMAIN_LIST_MAX);
      reader.uint();
      return domains;
    });
  }

  lookupByName(name: string): Promise<DomainRef> {
    return this.session.call(RemoteProcedure.DomainLookupByName, (writer) => writeString(writer, name), readDomain);
  }

  lookupByUuid(uuid: string): Promise<DomainRef> {
    return this.session.call(RemoteProcedure.DomainLookupByUuid, (writer) => writer.opaqueFixed(uuidToBytes(uuid), UUID_BYTES), readDomain);
  }

  getXmlDesc(domain: DomainRef, flags = 0): Promise<string> {
    return this.session.call(RemoteProcedure.DomainGetXmlDesc, (writer) => {
      writeDomain(writer, domain);
      writer.uint(flags);
    }, readString);
  }

  getState(domain: DomainRef): Promise<DomainState> {
    return this.session.call(RemoteProcedure.DomainGetState, (writer) => {
      writeDomain(writer, domain);
      writer.uint(0);
    }, (reader) => {
      const state = reader.int();
      return { state: DOMAIN_STATES[state] ?? 'unknown', reason: reader.int() };
    });
  }

  /**
   * Defines (or redefines) a virtfleet domain; the XML must carry the owner metadata. XML that does not parse
   * fails before anything reaches the host, so it writes no audit record.
   */
  async defineXml(xml: string, options: AuditedCallOptions = {}): Promise<DomainRef> {
    const definition = parseXml(xml, 'domain');
    const name = definition.childText('name') ?? '(unnamed)';
    return this.auditor.run('domain.define', { domain: name, ...xmlArguments(xml) }, options, async () => {
      if (!ownerFromDomain(definition)) throw new DomainNotOwnedError(name);
      await this.refuseForeignNamesake(name);
      return this.session.call(RemoteProcedure.DomainDefineXml, (writer) => writeString(writer, xml), readDomain);
    });
  }

  /** The owner recorded in the domain's XML; throws DomainNotOwnedError when there is none. */
  async assertOwned(domain: DomainRef): Promise<VirtfleetOwner> {
    const owner = readOwnership(await this.getXmlDesc(domain));
    if (!owner) throw new DomainNotOwnedError(domain.name);
    return owner;
  }

  undefine(domain: DomainRef, flags = 0, options: AuditedCallOptions = {}): Promise<void> {
    return this.changeOwned('domain.undefine', domain, { flags }, options, RemoteProcedure.DomainUndefineFlags, (writer) => writer.uint(flags));
  }

  /** Starts a defined domain (virDomainCreate). */
  create(domain: DomainRef, options: AuditedCallOptions = {}): Promise<void> {
    return this.changeOwned('domain.create', domain, {}, options, RemoteProcedure.DomainCreate);
  }

  /** Asks the guest to shut down (ACPI); returns before it has stopped. */
  shutdown(domain: DomainRef, options: AuditedCallOptions = {}): Promise<void> {
    return this.changeOwned('domain.shutdown', domain, {}, options, RemoteProcedure.DomainShutdown);
  }

  /** Stops the domain at once (power off). */
  destroy(domain: DomainRef, options: AuditedCallOptions = {}): Promise<void> {
    return this.changeOwned('domain.destroy', domain, {}, options, RemoteProcedure.DomainDestroy);
  }

  reboot(domain: DomainRef, flags = 0, options: AuditedCallOptions = {}): Promise<void> {
    return this.changeOwned('domain.reboot', domain, { flags }, options, RemoteProcedure.DomainReboot, (writer) => writer.uint(flags));
  }

  setAutostart(domain: DomainRef, autostart: boolean, options: AuditedCallOptions = {}): Promise<void> {
    return this.changeOwned('domain.set-autostart', domain, { autostart }, options, RemoteProcedure.DomainSetAutostart,
      (writer) => writer.int(autostart ? 1 : 0));
  }

  interfaceAddresses(domain: DomainRef, source: number = InterfaceAddressSource.Lease): Promise<InterfaceAddresses[]> {
    return this.session.call(RemoteProcedure.DomainInterfaceAddresses, (writer) => {
      writeDomain(writer, domain);
      writer.uint(source).uint(0);
    }, (reader) => reader.array(readInterface, INTERFACE_MAX));
  }

  /**
   * One audited change of an existing domain: the ownership check, then `procedure` with the domain and the
   * call's further arguments (`encodeRest`) as its payload.
   */
  private changeOwned(
    action: string,
    domain: DomainRef,
    args: AuditArguments,
    options: AuditedCallOptions,
    procedure: number,
    encodeRest?: (writer: XdrWriter) => void,
  ): Promise<void> {
    return this.auditor.run(action, { ...domainArguments(domain), ...args }, options, async () => {
      await this.assertOwned(domain);
      await this.session.call(procedure, (writer) => {
        writeDomain(writer, domain);
        encodeRest?.(writer);
      });
    });
  }

  private async refuseForeignNamesake(name: string): Promise<void> {
    try {
      await this.assertOwned(await this.lookupByName(name));
    } catch (error) {
      if (!isLibvirtNotFound(error)) throw error;
    }
  }
}
