/**
 * [REQ-04] A libvirt storage volume as a transfer source: its path comes from the host's libvirt RPC client
 * (pool and volume looked up by name, then the volume's path), and the file there is read like any host file
 * (host-source.ts: `qemu-img map` extents, so holes are not even read, and offset reads on the host's SSH session).
 * A pool or volume that does not exist is SourceNotFound, naming both.
 */
import { isLibvirtNotFound } from '../libvirt/libvirt-error.js';
import type { AuditContext } from '../ssh/remote-process.js';
import { openHostSource } from './host-source.js';
import type { OpenedSource } from './source-chunks.js';
import type { TransferSource } from './transfer-plan.js';
import { SourceNotFoundError } from './transfer-errors.js';

export async function openVolumeSource(source: Extract<TransferSource, { kind: 'volume' }>, audit: AuditContext, signal: AbortSignal): Promise<OpenedSource> {
  return openHostSource(source.host, await volumeFilePath(source), audit, signal);
}

/** The path of the volume's file on its host. */
export async function volumeFilePath(source: Extract<TransferSource, { kind: 'volume' }>): Promise<string> {
  try {
    const pool = await source.storage.lookupPoolByName(source.pool);
    return await source.storage.volumePath(await source.storage.lookupVolumeByName(pool, source.name));
  } catch (error) {
    if (isLibvirtNotFound(error)) throw new SourceNotFoundError(`${source.host.name}:volume ${source.pool}/${source.name}`, error.message);
    throw error;
  }
}
