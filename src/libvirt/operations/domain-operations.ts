/**
 * [REQ-03] Domain calls of the libvirt wrapper. Every call that changes an existing domain first reads its XML
 * and refuses (DomainNotOwnedError) unless it carries virtfleet's owner metadata, so the operator never
 * touches a domain someone else defined on the host; defineXml likewise requires the mark in the new XML and
 * refuses to replace a foreign domain of the same name.
 */
import { isLibvirtNotFound, DomainNotOwnedError } from '../libvirt-error.js';
import { ownerFromDomain, readOwnership, type VirtfleetOwner } from '../ownership.js';
import { parseXml } from '../xml-tree.js';
import { RemoteProcedure, UUID_BYTES } from '../rpc/protocol-constants.js';
import {
  readDomain, readOptionalString, readString, uuidToBytes, writeDomain, writeString, type DomainRef,
} from '../rpc/remote-types.js';
import type { RpcSession } from '../rpc/rpc-session.js';
import type { XdrReader } from '../rpc/xdr-reader.js';

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
  constructor(private readonly session: RpcSession) {}

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

  /** Defines (or redefines) a virtfleet domain; the XML must carry the owner metadata. */
  async defineXml(xml: string): Promise<DomainRef> {
    const definition = parseXml(xml, 'domain');
    const name = definition.childText('name') ?? '(unnamed)';
    if (!ownerFromDomain(definition)) throw new DomainNotOwnedError(name);
    await this.refuseForeignNamesake(name);
    return this.session.call(RemoteProcedure.DomainDefineXml, (writer) => writeString(writer, xml), readDomain);
  }

  /** The owner recorded in the domain's XML; throws DomainNotOwnedError when there is none. */
  async assertOwned(domain: DomainRef): Promise<VirtfleetOwner> {
    const owner = readOwnership(await this.getXmlDesc(domain));
    if (!owner) throw new DomainNotOwnedError(domain.name);
    return owner;
  }

  async undefine(domain: DomainRef, flags = 0): Promise<void> {
    await this.assertOwned(domain);
    await this.session.call(RemoteProcedure.DomainUndefineFlags, (writer) => {
      writeDomain(writer, domain);
      writer.uint(flags);
    });
  }

  /** Starts a defined domain (virDomainCreate). */
  async create(domain: DomainRef): Promise<void> {
    await this.assertOwned(domain);
    await this.session.call(RemoteProcedure.DomainCreate, (writer) => writeDomain(writer, domain));
  }

  /** Asks the guest to shut down (ACPI); returns before it has stopped. */
  async shutdown(domain: DomainRef): Promise<void> {
    await this.assertOwned(domain);
    await this.session.call(RemoteProcedure.DomainShutdown, (writer) => writeDomain(writer, domain));
  }

  /** Stops the domain at once (power off). */
  async destroy(domain: DomainRef): Promise<void> {
    await this.assertOwned(domain);
    await this.session.call(RemoteProcedure.DomainDestroy, (writer) => writeDomain(writer, domain));
  }

  async reboot(domain: DomainRef, flags = 0): Promise<void> {
    await this.assertOwned(domain);
    await this.session.call(RemoteProcedure.DomainReboot, (writer) => {
      writeDomain(writer, domain);
      writer.uint(flags);
    });
  }

  async setAutostart(domain: DomainRef, autostart: boolean): Promise<void> {
    await this.assertOwned(domain);
    await this.session.call(RemoteProcedure.DomainSetAutostart, (writer) => {
      writeDomain(writer, domain);
      writer.int(autostart ? 1 : 0);
    });
  }

  interfaceAddresses(domain: DomainRef, source: number = InterfaceAddressSource.Lease): Promise<InterfaceAddresses[]> {
    return this.session.call(RemoteProcedure.DomainInterfaceAddresses, (writer) => {
      writeDomain(writer, domain);
      writer.uint(source).uint(0);
    }, (reader) => reader.array(readInterface, INTERFACE_MAX));
  }

  private async refuseForeignNamesake(name: string): Promise<void> {
    try {
      await this.assertOwned(await this.lookupByName(name));
    } catch (error) {
      if (!isLibvirtNotFound(error)) throw error;
    }
  }
}
