/**
 * [REQ-01] Names virtfleet gives a VirtualMachine's things on its Host. The domain is `<namespace>_<name>` (a
 * namespace holds neither `_` nor `.`, so no two VMs share it) with the VM's uid as its UUID; volumes are named
 * from the uid, so a re-created VM of the same name never reuses an old disk.
 */
import type { VirtualMachine } from '../../api/v1alpha1/virtual-machine.js';

export function domainNameOf(vm: VirtualMachine): string {
  return `${vm.metadata?.namespace ?? ''}_${vm.metadata?.name ?? ''}`;
}

export function uidOf(vm: VirtualMachine): string {
  return vm.metadata?.uid ?? '';
}

/** Every volume of the VM starts with this. */
export function volumePrefixOf(uid: string): string {
  return `vf-${uid}-`;
}

export function diskVolumeName(uid: string, diskName: string): string {
  return `${volumePrefixOf(uid)}${diskName}.qcow2`;
}

/** The seed's name carries a hash of its content, so changed cloud-init data gets a new volume. */
export function seedVolumeName(uid: string, contentHash: string): string {
  return `${volumePrefixOf(uid)}cidata-${contentHash}.iso`;
}

/** `<imageCacheDir>/sha256-<hex>`: the per-host cache file of an image digest `sha256:<hex>`. */
export function imageCachePath(cacheDir: string, digest: string): string {
  return `${cacheDir.replace(/\/+$/, '')}/${digest.replace(':', '-')}`;
}
