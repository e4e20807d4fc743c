/**
 * [REQ-01][REQ-03] The DomainSpec (src/libvirt/domain-spec.ts) a VirtualMachine becomes, as a pure function of the
 * VM, the paths of its volumes on the host and libvirt_config's domainDefaults: UUID = the VM's uid, owner mark,
 * vCPUs and memory, disks in spec order (image disks as qcow2 overlays, blank disks, then the cloud-init seed
 * cdrom), NICs, and the serial console written to `<consoleLogDir>/<domain>.log`.
 */
import type { VirtualMachine } from '../../api/v1alpha1/virtual-machine.js';
import type { LibvirtConfig } from '../../config/types.js';
import { InvalidSpecError } from '../../errors/invalid-spec-error.js';
import type { CpuSpec, DiskBus, DiskSpec, DomainSpec, ImageFormat } from '../../libvirt/domain-spec.js';
import type { VmResources } from './schedule-vm.js';
import { domainNameOf, uidOf } from './vm-names.js';

/** Where each disk of the VM lives on the host (ensure-disks.ts decides). */
export interface DiskPlacement {
  /** By spec.disks[].name. */
  paths: Record<string, string>;
  /** Image disks: the cache file the overlay reads through to, and its format. */
  backing: Record<string, { path: string; format: ImageFormat }>;
  /** The cloud-init seed image, when spec.cloudInit is set. */
  seedPath?: string;
}

function busOf(vm: VirtualMachine, index: number): DiskBus {
  const bus = vm.spec.disks?.[index]?.bus ?? 'virtio';
  if (bus === 'ide') throw new InvalidSpecError(`spec.disks[${index}].bus`, 'ide is not supported; use virtio, sata or scsi');
  return bus;
}

function disksOf(vm: VirtualMachine, placement: DiskPlacement): DiskSpec[] {
  const disks: DiskSpec[] = (vm.spec.disks ?? []).map((disk, index) => {
    const path = placement.paths[disk.name] ?? '';
    const bus = busOf(vm, index);
    const boot = disk.bootOrder === undefined ? {} : { bootOrder: disk.bootOrder };
    const backing = placement.backing[disk.name];
    if (disk.source.image !== undefined && backing !== undefined) return { kind: 'overlay', path, backingStore: backing, bus, ...boot };
    return { kind: 'blank', path, format: 'qcow2', bus, ...boot };
  });
  if (placement.seedPath !== undefined) disks.push({ kind: 'cloud-init-seed', path: placement.seedPath, bus: 'sata' });
  return disks;
}

/** Software emulation cannot pass the host CPU through: there it keeps QEMU's default model. */
function cpuOf(defaults: LibvirtConfig['domainDefaults']): CpuSpec | undefined {
  if (defaults.cpuMode === 'custom') return undefined;
  if (defaults.type === 'qemu' && defaults.cpuMode === 'host-passthrough') return undefined;
  return { mode: defaults.cpuMode };
}

export function vmDomainSpec(vm: VirtualMachine, resources: VmResources, placement: DiskPlacement, config: LibvirtConfig): DomainSpec {
  const defaults = config.domainDefaults;
  const name = domainNameOf(vm);
  const cpu = cpuOf(defaults);
  return {
    name,
    uuid: uidOf(vm),
    type: defaults.type,
    machine: defaults.machine,
    vcpus: resources.cpus,
    memoryBytes: resources.memoryBytes,
    ...(cpu === undefined ? {} : { cpu }),
    firmware: vm.spec.firmware ?? 'bios',
    disks: disksOf(vm, placement),
    interfaces: (vm.spec.networks ?? []).map((network) => ({
      type: network.type ?? 'network',
      ...(network.source === undefined ? {} : { source: network.source }),
      ...(network.mac === undefined ? {} : { mac: network.mac }),
      model: network.model ?? 'virtio',
    })),
    serial: { type: 'file', path: `${defaults.consoleLogDir.replace(/\/+$/, '')}/${name}.log` },
    owner: { namespace: vm.metadata?.namespace ?? '', name: vm.metadata?.name ?? '', uid: uidOf(vm), generation: vm.metadata?.generation ?? 0 },
  };
}
