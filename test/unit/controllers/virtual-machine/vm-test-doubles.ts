/**
 * [REQ-01] Test doubles for the VirtualMachine reconciler's unit tests: an in-memory VM API counting mutating calls
 * (optimistic locking by resourceVersion, deletion held by finalizers), an in-memory libvirt host that records every
 * state-changing call and keeps domains, their state and volumes, and an Event recorder. No network.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { VirtualMachine } from '../../../../src/api/v1alpha1/virtual-machine.js';
import { VIRTUAL_MACHINE_RESOURCE } from '../../../../src/controllers/virtual-machine/vm-controller.js';
import type { VmEventSink } from '../../../../src/controllers/virtual-machine/vm-events.js';
import type { VmHost, VmHostAccess } from '../../../../src/controllers/virtual-machine/vm-host.js';
import { SshConnectError } from '../../../../src/errors/ssh-errors.js';
import type { LibvirtClient } from '../../../../src/libvirt/libvirt-client.js';
import { DomainNotOwnedError, LibvirtError } from '../../../../src/libvirt/libvirt-error.js';
import type { DomainState } from '../../../../src/libvirt/operations/domain-operations.js';
import { parseDomainXml } from '../../../../src/libvirt/parse-domain-xml.js';
import type { DomainRef, StoragePoolRef, StorageVolRef } from '../../../../src/libvirt/rpc/remote-types.js';
import { parseVolumeXml } from '../../../../src/libvirt/storage-xml.js';
import { InMemoryResources } from '../../support/in-memory-resources.js';

const notFound = (what: string): LibvirtError => new LibvirtError('lookup', { code: 42, domain: 10, message: `${what} not found`, level: 2 });

export class InMemoryVms extends InMemoryResources<VirtualMachine> {
  constructor() {
    super(VIRTUAL_MACHINE_RESOURCE);
  }
}

interface FakeDomain {
  ref: DomainRef;
  xml: string;
  state: DomainState;
}

/** A libvirt host in memory: `calls` lists every state-changing call, `files` the files `qemu-img info` finds. */
export class FakeLibvirtHost implements VmHost {
  readonly calls: string[] = [];
  readonly domains = new Map<string, FakeDomain>();
  readonly volumes = new Map<string, StorageVolRef>();
  readonly files = new Map<string, { format: string; size: number }>();
  pool: StoragePoolRef | undefined;
  failStart = false;
  readonly libvirt: LibvirtClient;

  constructor(readonly name: string) {
    const findDomain = (ref: DomainRef): FakeDomain => {
      const domain = this.domains.get(ref.uuid);
      if (domain === undefined) throw notFound(`domain ${ref.name}`);
      return domain;
    };
    const change = (action: string) => async (ref: DomainRef): Promise<void> => {
      this.calls.push(`${action} ${ref.name}`);
      const domain = findDomain(ref);
      if (parseDomainXml(domain.xml).owner === undefined) throw new DomainNotOwnedError(ref.name);
      if (action === 'create') {
        if (this.failStart) throw new LibvirtError('create', { code: 1, domain: 10, message: 'qemu exited', level: 2 });
        domain.state = { state: 'running', reason: 1 };
      }
      if (action === 'destroy') domain.state = { state: 'shutoff', reason: 2 };
      if (action === 'shutdown') domain.state = { state: 'shutoff', reason: 1 };
      if (action === 'undefine') this.domains.delete(ref.uuid);
    };
    this.libvirt = {
      storage: {
        lookupPoolByName: async (name: string) => { if (this.pool?.name !== name) throw notFound(`pool ${name}`); return this.pool; },
        definePoolXml: async () => { this.calls.push('pool.define'); this.pool = { name: 'virtfleet', uuid: '00000000-0000-4000-8000-000000000000' }; return this.pool; },
        createPool: async () => { this.calls.push('pool.create'); },
        lookupVolumeByName: async (_pool: StoragePoolRef, name: string) => { const volume = this.volumes.get(name); if (volume === undefined) throw notFound(`volume ${name}`); return volume; },
        createVolumeXml: async (pool: StoragePoolRef, xml: string) => {
          const { name } = parseVolumeXml(xml);
          this.calls.push(`volume.create ${name}`);
          const volume = { pool: pool.name, name, key: `/pool/${name}` };
          this.volumes.set(name, volume);
          return volume;
        },
        uploadVolume: async (volume: StorageVolRef) => { this.calls.push(`volume.upload ${volume.name}`); },
        deleteVolume: async (volume: StorageVolRef) => { this.calls.push(`volume.delete ${volume.name}`); this.volumes.delete(volume.name); },
        listVolumes: async () => [...this.volumes.values()],
      },
      domains: {
        lookupByUuid: async (uuid: string) => { const domain = this.domains.get(uuid); if (domain === undefined) throw notFound(`uuid ${uuid}`); return domain.ref; },
        defineXml: async (xml: string) => {
          const parsed = parseDomainXml(xml);
          this.calls.push(`define ${parsed.name}`);
          const namesake = [...this.domains.values()].find((domain) => domain.ref.name === parsed.name && domain.ref.uuid !== parsed.uuid);
          if (namesake !== undefined) throw new DomainNotOwnedError(parsed.name);
          const uuid = parsed.uuid ?? '';
          const existing = this.domains.get(uuid);
          const ref = { name: parsed.name, uuid, id: -1 };
          this.domains.set(uuid, { ref, xml, state: existing?.state ?? { state: 'shutoff', reason: 0 } });
          return ref;
        },
        getXmlDesc: async (ref: DomainRef) => findDomain(ref).xml,
        getState: async (ref: DomainRef) => findDomain(ref).state,
        assertOwned: async (ref: DomainRef) => { const owner = parseDomainXml(findDomain(ref).xml).owner; if (owner === undefined) throw new DomainNotOwnedError(ref.name); return owner; },
        create: change('create'),
        shutdown: change('shutdown'),
        destroy: change('destroy'),
        undefine: change('undefine'),
        interfaceAddresses: async () => [],
        listAll: async () => [...this.domains.values()].map((domain) => domain.ref),
      },
    } as unknown as LibvirtClient;
  }

  async exec(argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    this.calls.push(`exec ${argv.join(' ')}`);
    const file = this.files.get(argv[argv.length - 1] ?? '');
    if (file === undefined) return { code: 1, stdout: '', stderr: 'qemu-img: Could not open: No such file or directory' };
    return { code: 0, stdout: JSON.stringify({ format: file.format, 'virtual-size': file.size }), stderr: '' };
  }

  /** State-changing calls only (reads of the image cache excluded). */
  get changes(): string[] {
    return this.calls.filter((call) => !call.startsWith('exec '));
  }
}

export class FakeAccess implements VmHostAccess {
  unreachable = false;
  constructor(readonly hosts: Map<string, FakeLibvirtHost>) {}
  async open(hostName: string): Promise<VmHost> {
    const host = this.hosts.get(hostName);
    if (host === undefined || this.unreachable) throw new SshConnectError(hostName, 'connect ECONNREFUSED');
    return host;
  }
}

export class RecordingVmEvents implements VmEventSink {
  events: Array<{ type: string; reason: string; message: string }> = [];
  async event(_object: KubernetesObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    this.events.push({ type, reason, message });
  }
}
