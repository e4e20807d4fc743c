/**
 * [REQ-01][REQ-03] Step "disks": the host's storage pool (defined and built when missing), then one qcow2 volume
 * per spec.disks entry, named from the VM's uid: blank disks of their size, image disks as overlays on the
 * digest-keyed cache file. A volume that exists is left alone (checked before acting, so a second pass changes
 * nothing). An image not yet in the cache leaves the VM WaitingForImage instead of failing, with the progress of the
 * ImageTransfer that brings it (image-transfer-request.ts).
 */
import { VIRTUAL_MACHINE_REASONS } from '../../api/v1alpha1/condition.js';
import { quantityToBytes } from '../../api/v1alpha1/quantity.js';
import type { Disk, VirtualMachine } from '../../api/v1alpha1/virtual-machine.js';
import type { AuditedCallOptions } from '../../libvirt/libvirt-audit.js';
import { isLibvirtNotFound } from '../../libvirt/libvirt-error.js';
import { PoolCreateFlags } from '../../libvirt/operations/storage-operations.js';
import type { StoragePoolRef } from '../../libvirt/rpc/remote-types.js';
import { buildDirPoolXml, buildVolumeXml } from '../../libvirt/storage-xml.js';
import type { ImageCache } from './image-cache.js';
import type { ImageTransferRequests } from './image-transfer-request.js';
import type { DiskPlacement } from './vm-domain-spec.js';
import type { VmHost } from './vm-host.js';
import { diskVolumeName, imageCachePath, uidOf } from './vm-names.js';

export interface DiskSettings {
  pool: { name: string; path: string };
  /** The Host's spec.imageCacheDir, else transfer_config's cacheDir. */
  imageCacheDir: string;
  /** Brings a missing image through an ImageTransfer (image-transfer-request.ts); without it the VM just waits. */
  images?: ImageTransferRequests;
}

export type DisksResult =
  | { ready: true; pool: StoragePoolRef; placement: DiskPlacement; created: string[] }
  | { ready: false; reason: string; message: string };

export async function ensurePool(host: VmHost, pool: DiskSettings['pool'], options: AuditedCallOptions): Promise<StoragePoolRef> {
  try {
    return await host.libvirt.storage.lookupPoolByName(pool.name);
  } catch (error) {
    if (!isLibvirtNotFound(error)) throw error;
  }
  const defined = await host.libvirt.storage.definePoolXml(buildDirPoolXml(pool), options);
  await host.libvirt.storage.createPool(defined, PoolCreateFlags.WithBuild, options);
  return defined;
}

async function existingPath(host: VmHost, pool: StoragePoolRef, name: string): Promise<string | undefined> {
  try {
    return (await host.libvirt.storage.lookupVolumeByName(pool, name)).key;
  } catch (error) {
    if (isLibvirtNotFound(error)) return undefined;
    throw error;
  }
}

function sizeOf(disk: Disk, index: number): number | undefined {
  const size = disk.source.blank?.size ?? disk.size;
  return size === undefined ? undefined : quantityToBytes(`spec.disks[${index}].${disk.source.blank ? 'source.blank.size' : 'size'}`, size);
}

export async function ensureDisks(
  host: VmHost, vm: VirtualMachine, settings: DiskSettings, cache: ImageCache, signal: AbortSignal, options: AuditedCallOptions,
): Promise<DisksResult> {
  const pool = await ensurePool(host, settings.pool, options);
  const placement: DiskPlacement = { paths: {}, backing: {} };
  const created: string[] = [];
  const disks = vm.spec.disks ?? [];
  for (const [index, disk] of disks.entries()) {
    const name = diskVolumeName(uidOf(vm), disk.name);
    const image = disk.source.image;
    if (image !== undefined) {
      const digest = image.digest ?? (await settings.images?.digestOf(vm, disk));
      const waiting = async (fallback: string): Promise<DisksResult> => ({
        ready: false, reason: VIRTUAL_MACHINE_REASONS.WaitingForImage, message: settings.images === undefined ? fallback : await settings.images.request(vm, disk, host.name),
      });
      if (digest === undefined) return waiting(`disk ${disk.name}: images by transferRef need the ImageTransfer controller; give url and digest`);
      const cached = await cache.check(host, imageCachePath(settings.imageCacheDir, digest), signal);
      if (!cached.present) return waiting(`disk ${disk.name}: ${cached.path} is not on Host ${host.name} yet`);
      placement.backing[disk.name] = { path: cached.path, format: cached.format };
      const path = await existingPath(host, pool, name);
      if (path !== undefined) {
        placement.paths[disk.name] = path;
        continue;
      }
      const capacityBytes = Math.max(sizeOf(disk, index) ?? 0, cached.virtualSizeBytes);
      const xml = buildVolumeXml({ name, capacityBytes, format: 'qcow2', backingStore: { path: cached.path, format: cached.format } });
      placement.paths[disk.name] = (await host.libvirt.storage.createVolumeXml(pool, xml, options)).key;
      created.push(name);
      continue;
    }
    const path = await existingPath(host, pool, name);
    if (path !== undefined) {
      placement.paths[disk.name] = path;
      continue;
    }
    const capacityBytes = sizeOf(disk, index) ?? 0;
    placement.paths[disk.name] = (await host.libvirt.storage.createVolumeXml(pool, buildVolumeXml({ name, capacityBytes, format: 'qcow2' }), options)).key;
    created.push(name);
  }
  return { ready: true, pool, placement, created };
}
