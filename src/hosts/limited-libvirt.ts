/**
 * [REQ-01][REQ-03] A view of a Host's LibvirtClient whose state-changing calls (those the client audits: define,
 * undefine, create, shutdown, destroy, reboot, autostart, pool define/create/refresh, volume create/delete/upload)
 * each take one of the Host's operation slots (host-operation-slots.ts) for as long as the call runs. Reads,
 * lists, downloads and lifecycle events pass straight through: they never wait behind a slow start.
 */
import type { LibvirtClient } from '../libvirt/libvirt-client.js';
import type { HostOperationSlots } from './host-operation-slots.js';

const STATE_CHANGING: Readonly<Record<'domains' | 'storage', ReadonlySet<string>>> = {
  domains: new Set(['defineXml', 'undefine', 'create', 'shutdown', 'destroy', 'reboot', 'setAutostart']),
  storage: new Set(['definePoolXml', 'createPool', 'refreshPool', 'createVolumeXml', 'deleteVolume', 'uploadVolume']),
};

function limitedGroup<T extends object>(group: T, names: ReadonlySet<string>, host: string, slots: HostOperationSlots): T {
  return new Proxy(group, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => Promise<unknown>;
      if (typeof property !== 'string' || !names.has(property)) return method.bind(target);
      return (...args: unknown[]) => slots.run(host, () => method.apply(target, args));
    },
  });
}

export function limitedLibvirt(client: LibvirtClient, host: string, slots: HostOperationSlots): LibvirtClient {
  const domains = limitedGroup(client.domains, STATE_CHANGING.domains, host, slots);
  const storage = limitedGroup(client.storage, STATE_CHANGING.storage, host, slots);
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === 'domains') return domains;
      if (property === 'storage') return storage;
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
