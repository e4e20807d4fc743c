/**
 * [REQ-01] status.interfaces: one entry per spec.networks item, with the MAC the running guest has (libvirt
 * generates one when the spec gives none) and, for `network` interfaces, the addresses from the libvirt network's
 * DHCP leases. `user` (SLIRP) and `bridge` interfaces have no lease on the host, so they report the MAC only.
 * Read-only calls; nothing when the guest is not running.
 */
import type { VirtualMachine, VirtualMachineInterface } from '../../api/v1alpha1/virtual-machine.js';
import { InterfaceAddressSource } from '../../libvirt/operations/domain-operations.js';
import type { DomainResult } from './ensure-domain.js';
import type { PowerResult } from './ensure-power.js';
import type { VmHost } from './vm-host.js';

export async function readInterfaces(host: VmHost, vm: VirtualMachine, domain: DomainResult, power: PowerResult): Promise<VirtualMachineInterface[]> {
  const networks = vm.spec.networks ?? [];
  if (networks.length === 0) return [];
  if (power.power !== 'running' || domain.live === undefined) return networks.map((network) => ({ name: network.name, ...(network.mac === undefined ? {} : { mac: network.mac }) }));
  const leased = networks.some((network) => (network.type ?? 'network') === 'network');
  const leases = leased ? await host.libvirt.domains.interfaceAddresses(domain.ref, InterfaceAddressSource.Lease).catch(() => []) : [];
  return networks.map((network, index) => {
    const mac = domain.live?.interfaces[index]?.mac ?? network.mac;
    const addresses = leases.find((lease) => mac !== undefined && lease.mac === mac)?.addresses.map((address) => address.address) ?? [];
    return { name: network.name, ...(mac === undefined ? {} : { mac }), ...(addresses.length === 0 ? {} : { ipAddresses: addresses }) };
  });
}
