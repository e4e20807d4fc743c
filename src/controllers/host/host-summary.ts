/**
 * [REQ-01] `status.summary` of a Host, as a pure function: what `kubectl get hosts` prints, the way `kubectl get
 * nodes` does. STATUS is `Ready` or `NotReady`, with `,SchedulingDisabled` appended for `spec.unschedulable: true`;
 * REASON is the Ready condition's reason while the Host is not Ready (absent when Ready); the memory columns are
 * the exact `allocated.memory` and `capacity.memory` quantities rounded down to a readable binary unit
 * (`18Gi` for 19228408Ki, `1.5Gi`, `96Mi`). Scheduling reads the exact quantities, never these.
 */
import { HOST_CONDITIONS } from '../../api/v1alpha1/condition.js';
import type { HostSpec, HostStatus, HostSummary } from '../../api/v1alpha1/host.js';
import type { Quantity } from '../../api/v1alpha1/meta.js';
import { quantityToBytes } from '../../api/v1alpha1/quantity.js';
import { findCondition } from '../../controller/conditions.js';

export function hostSummary(spec: Pick<HostSpec, 'unschedulable'>, status: HostStatus): HostSummary {
  const ready = findCondition(status.conditions, HOST_CONDITIONS.Ready);
  const isReady = ready?.status === 'True';
  const summary: HostSummary = { status: spec.unschedulable === true ? `${isReady ? 'Ready' : 'NotReady'},SchedulingDisabled` : isReady ? 'Ready' : 'NotReady' };
  if (!isReady && ready !== undefined) summary.reason = ready.reason;
  const allocated = readableMemory(status.allocated?.memory);
  if (allocated !== undefined) summary.allocatedMemory = allocated;
  const capacity = readableMemory(status.capacity?.memory);
  if (capacity !== undefined) summary.capacityMemory = capacity;
  return summary;
}

const UNITS: ReadonlyArray<[string, number]> = [['Ei', 2 ** 60], ['Pi', 2 ** 50], ['Ti', 2 ** 40], ['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]];

/** A quantity in its largest binary unit, rounded down: one decimal below 10 units, none above (`1.5Gi`, `18Gi`). */
export function readableMemory(quantity: Quantity | undefined): string | undefined {
  if (quantity === undefined) return undefined;
  if (quantity === 0 || quantity === '0') return '0';
  let bytes: number;
  try {
    bytes = quantityToBytes('status.memory', quantity);
  } catch {
    return String(quantity);
  }
  const [suffix, unit] = UNITS.find(([, size]) => bytes >= size) ?? ['', 1];
  const amount = bytes / unit;
  const shown = amount < 10 ? Math.floor(amount * 10) / 10 : Math.floor(amount);
  return `${shown}${suffix}`;
}
