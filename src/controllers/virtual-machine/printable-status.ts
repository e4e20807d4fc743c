/**
 * [REQ-01] status.printableStatus from what one reconcile found, as a pure function; the first matching row wins:
 * Terminating (being deleted), HostUnreachable, Failed (the spec cannot be acted on), Pending (the named Host does
 * not exist), Unschedulable, WaitingForImage, Provisioning (disks or domain not there yet), then the domain's
 * power state against what the run strategy wants: Running, Stopping, Paused, CrashLoopBackOff, Starting, Stopped.
 */
import type { PrintableStatus } from '../../api/v1alpha1/virtual-machine.js';
import type { PowerState } from './run-strategy.js';

export interface StatusFacts {
  deleting: boolean;
  hostUnreachable: boolean;
  invalidSpec: boolean;
  hostMissing: boolean;
  placed: boolean;
  waitingForImage: boolean;
  /** Disks created and domain defined. */
  provisioned: boolean;
  power?: PowerState;
  wantsRunning: boolean;
  /** A failed guest waits for status.startFailure.retryAfter. */
  backingOff: boolean;
}

export function printableStatusOf(facts: StatusFacts): PrintableStatus {
  if (facts.deleting) return 'Terminating';
  if (facts.hostUnreachable) return 'HostUnreachable';
  if (facts.invalidSpec) return 'Failed';
  if (facts.hostMissing) return 'Pending';
  if (!facts.placed) return 'Unschedulable';
  if (facts.waitingForImage) return 'WaitingForImage';
  if (!facts.provisioned || facts.power === undefined) return 'Provisioning';
  if (facts.power === 'running') return facts.wantsRunning ? 'Running' : 'Stopping';
  if (facts.power === 'paused') return 'Paused';
  if (facts.backingOff) return 'CrashLoopBackOff';
  return facts.wantsRunning ? 'Starting' : 'Stopped';
}
