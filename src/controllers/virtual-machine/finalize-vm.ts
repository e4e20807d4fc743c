/**
 * [REQ-01] Step "finalize" of a VirtualMachine being deleted: destroy and undefine its domain (found by UUID and
 * checked to carry this VM's owner mark), and with deletionPolicy Delete remove every volume named from its uid
 * (disks and cloud-init seeds); Orphan keeps them. Resolves only when cleanup succeeded, so the caller removes the
 * finalizer only then. When cleanup fails (the host is unreachable, say) and the VM carries
 * FORCE_DELETE_ANNOTATION=true, it resolves `forced` after writing an audit record that names what may be left on
 * the host; otherwise the error is thrown for the condition, Event and backoff.
 */
import { FORCE_DELETE_ANNOTATION } from '../../api/v1alpha1/finalizers.js';
import type { VirtualMachine } from '../../api/v1alpha1/virtual-machine.js';
import type { AuditedCallOptions } from '../../libvirt/libvirt-audit.js';
import { DomainNotOwnedError, isLibvirtNotFound } from '../../libvirt/libvirt-error.js';
import { UndefineFlags } from '../../libvirt/operations/domain-operations.js';
import type { AuditResourceRef } from '../../security/audit-record.js';
import type { AuditSink } from '../../security/audit-log.js';
import type { VmHost, VmHostAccess } from './vm-host.js';
import { domainNameOf, uidOf, volumePrefixOf } from './vm-names.js';

export type FinalizeResult = { forced: false; message: string } | { forced: true; message: string };

async function removeDomain(host: VmHost, vm: VirtualMachine, options: AuditedCallOptions): Promise<string> {
  const { domains } = host.libvirt;
  let ref;
  try {
    ref = await domains.lookupByUuid(uidOf(vm));
  } catch (error) {
    if (isLibvirtNotFound(error)) return 'no domain';
    throw error;
  }
  const owner = await domains.assertOwned(ref);
  if (owner.uid !== uidOf(vm)) throw new DomainNotOwnedError(ref.name);
  const state = await domains.getState(ref);
  if (state.state !== 'shutoff' && state.state !== 'crashed') await domains.destroy(ref, options);
  await domains.undefine(ref, UndefineFlags.ManagedSave | UndefineFlags.SnapshotsMetadata | UndefineFlags.Nvram, options);
  return `domain ${ref.name} removed`;
}

async function removeVolumes(host: VmHost, vm: VirtualMachine, poolName: string, options: AuditedCallOptions): Promise<string> {
  let pool;
  try {
    pool = await host.libvirt.storage.lookupPoolByName(poolName);
  } catch (error) {
    if (isLibvirtNotFound(error)) return 'no pool';
    throw error;
  }
  const prefix = volumePrefixOf(uidOf(vm));
  const volumes = (await host.libvirt.storage.listVolumes(pool)).filter((volume) => volume.name.startsWith(prefix));
  for (const volume of volumes) await host.libvirt.storage.deleteVolume(volume, options);
  return `${volumes.length} volumes deleted`;
}

export async function finalizeVm(
  access: VmHostAccess, vm: VirtualMachine, poolName: string, audit: AuditSink, resource: AuditResourceRef, signal: AbortSignal,
): Promise<FinalizeResult> {
  const hostName = vm.status?.host;
  if (hostName === undefined) return { forced: false, message: 'never placed on a Host: nothing to clean up' };
  const options: AuditedCallOptions = { audit: { resource } };
  const orphan = vm.spec.deletionPolicy === 'Orphan';
  try {
    const host = await access.open(hostName, signal);
    const domain = await removeDomain(host, vm, options);
    const volumes = orphan ? 'volumes kept (deletionPolicy Orphan)' : await removeVolumes(host, vm, poolName, options);
    return { forced: false, message: `${domain}; ${volumes}` };
  } catch (error) {
    if (signal.aborted || vm.metadata?.annotations?.[FORCE_DELETE_ANNOTATION] !== 'true') throw error;
    const left = `domain ${domainNameOf(vm)} (uuid ${uidOf(vm)})${orphan ? '' : ` and volumes ${volumePrefixOf(uidOf(vm))}* in pool ${poolName}`}`;
    audit.record({
      resource, host: hostName, action: 'virtualmachine.force-delete', outcome: 'success', durationMs: 0,
      arguments: { annotation: FORCE_DELETE_ANNOTATION, mayRemainOnHost: left, cleanupError: (error as Error).message },
    });
    return { forced: true, message: `released by ${FORCE_DELETE_ANNOTATION} without cleanup; may remain on Host ${hostName}: ${left}` };
  }
}
