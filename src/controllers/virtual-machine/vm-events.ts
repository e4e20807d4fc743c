/**
 * [REQ-01] Events of a VirtualMachine reconcile: what a step did (started, stopped, restarted after a failure),
 * what drift was repaired, and one Event per change of a condition's reason (Warning when it went False), so
 * every Warning Event has a condition of the same reason and an unchanged VM records nothing.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { VIRTUAL_MACHINE_CONDITIONS, VIRTUAL_MACHINE_REASONS as R } from '../../api/v1alpha1/condition.js';
import type { VirtualMachine, VirtualMachineStatus } from '../../api/v1alpha1/virtual-machine.js';
import { findCondition } from '../../controller/conditions.js';
import type { VmObservation } from './vm-status.js';

export interface VmEventSink {
  event(object: KubernetesObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void>;
}

const WATCHED = [VIRTUAL_MACHINE_CONDITIONS.Scheduled, VIRTUAL_MACHINE_CONDITIONS.DisksReady, VIRTUAL_MACHINE_CONDITIONS.Synchronized, VIRTUAL_MACHINE_CONDITIONS.Ready];

export async function recordVmEvents(sink: VmEventSink, stored: VirtualMachine, previous: VirtualMachineStatus | undefined, observation: VmObservation): Promise<void> {
  const repaired = observation.domain?.repaired ?? [];
  if (repaired.length > 0) await sink.event(stored, 'Warning', R.DriftRepaired, `changed out of band and restored: ${repaired.join(', ')}`);
  const acted = observation.power?.acted;
  if (acted !== undefined) await sink.event(stored, acted.warning ? 'Warning' : 'Normal', acted.reason, acted.message);
  for (const type of WATCHED) {
    const before = findCondition(previous?.conditions, type);
    const after = findCondition(stored.status?.conditions, type);
    if (after === undefined || (before?.status === after.status && before.reason === after.reason)) continue;
    if (type === VIRTUAL_MACHINE_CONDITIONS.Ready && acted !== undefined) continue;
    await sink.event(stored, after.status === 'False' ? 'Warning' : 'Normal', after.reason, after.message);
  }
}
