/**
 * [REQ-01] Step "being deleted" of the Host reconciler, as a node drain: while VirtualMachines still run on the
 * Host (their status.host names it, read from the shared VirtualMachine informer's cache), the deletion waits and
 * the condition HasVirtualMachines=True names them; once none is left, the caller closes the Host's connections and
 * removes the finalizer. The mapped watch of VirtualMachines (host-requests.ts) brings the Host back when one goes.
 */
import { HOST_CONDITIONS, HOST_REASONS } from '../../api/v1alpha1/condition.js';
import type { HostStatus } from '../../api/v1alpha1/host.js';
import type { VirtualMachine } from '../../api/v1alpha1/virtual-machine.js';
import { setCondition } from '../../controller/conditions.js';
import { objectKey } from '../../controller/resource-kind.js';

/** Where VirtualMachines are looked up: the shared VirtualMachine informer's store, or an array in tests. */
export interface VirtualMachineLister {
  list(): VirtualMachine[];
}

/** Keys (`namespace/name`) of the VirtualMachines whose status.host is `hostName`, sorted. */
export function virtualMachinesOn(lister: VirtualMachineLister, hostName: string): string[] {
  return lister.list().filter((vm) => vm.status?.host === hostName).map(objectKey).sort();
}

const LISTED = 5;

/** The status of a Host whose deletion waits for `vms` (non-empty). */
export function waitingForVirtualMachines(previous: HostStatus | undefined, vms: readonly string[], generation: number | undefined, now: Date): HostStatus {
  const shown = vms.slice(0, LISTED).join(', ') + (vms.length > LISTED ? `, and ${vms.length - LISTED} more` : '');
  const message = `deletion waits: ${vms.length} VirtualMachine${vms.length === 1 ? '' : 's'} still on this host (${shown}); delete or move them first`;
  const conditions = setCondition(previous?.conditions, {
    type: HOST_CONDITIONS.HasVirtualMachines,
    status: 'True',
    reason: HOST_REASONS.VirtualMachinesPresent,
    message,
    ...(generation === undefined ? {} : { observedGeneration: generation }),
  }, now);
  return { ...previous, conditions };
}
