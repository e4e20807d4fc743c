/**
 * [REQ-01] The scheduler's memory of its own placements. A placement becomes visible to the other workers only
 * when the VM's status (written at the end of its reconcile) comes back through the informer cache; until then
 * two VMs scheduled at the same moment would both see the Host empty and overbook it. The book keeps each
 * placement it made (keyed by the VM's uid) and counts it as if the cache already showed it, until the cache
 * does show a Host for that VM or the VM is gone from the cache.
 *
 * Placement is serialised: `place` is synchronous, so reading the cache, choosing a Host and reserving it happen
 * in one turn of the event loop, never interleaved with another worker's placement.
 */
import type { Host } from '../../api/v1alpha1/host.js';
import type { VirtualMachine } from '../../api/v1alpha1/virtual-machine.js';
import { scheduleVm, type Placement } from './schedule-vm.js';

export class PlacementBook {
  /** VM uid -> the Host this process placed it on, not yet seen in the cache. */
  private readonly reserved = new Map<string, string>();

  /** Places `vm` (scheduleVm) against `cached` (every VirtualMachine in the informer cache) plus the reservations. */
  place(vm: VirtualMachine, hosts: readonly Host[], cached: readonly VirtualMachine[]): Placement {
    const uid = vm.metadata?.uid ?? '';
    this.prune(cached);
    const others = cached.filter((other) => other.metadata?.uid !== uid).map((other) => this.withReservation(other));
    const placement = scheduleVm(vm, hosts, others);
    if (placement.placed) this.reserved.set(uid, placement.host);
    else this.reserved.delete(uid);
    return placement;
  }

  /** How many placements are waiting for the cache (for tests and debugging). */
  get size(): number {
    return this.reserved.size;
  }

  private prune(cached: readonly VirtualMachine[]): void {
    const byUid = new Map(cached.map((vm) => [vm.metadata?.uid ?? '', vm]));
    for (const uid of this.reserved.keys()) {
      const seen = byUid.get(uid);
      const shown = seen?.status?.host;
      if (seen === undefined || (shown !== undefined && shown !== '')) this.reserved.delete(uid);
    }
  }

  private withReservation(vm: VirtualMachine): VirtualMachine {
    const host = this.reserved.get(vm.metadata?.uid ?? '');
    if (host === undefined) return vm;
    return { ...vm, status: { ...vm.status, host } };
  }
}
