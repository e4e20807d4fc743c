/**
 * [REQ-01] What a VirtualMachine's status should say after one reconcile, as a pure function of what the steps
 * found: printableStatus, host, domainUUID, the conditions Scheduled, DisksReady, Ready, Synchronized (and
 * RestartRequired while pending), startFailure, powerRequest and interfaces. A step that was not reached (the host
 * is unreachable, say) leaves its condition as it was, so status never claims what was not observed.
 */
import { VIRTUAL_MACHINE_CONDITIONS as C, VIRTUAL_MACHINE_REASONS as R, COMMON_REASONS, type Condition } from '../../api/v1alpha1/condition.js';
import type { VirtualMachine, VirtualMachineInterface, VirtualMachineStatus } from '../../api/v1alpha1/virtual-machine.js';
import { setCondition, type ConditionUpdate } from '../../controller/conditions.js';
import type { DisksResult } from './ensure-disks.js';
import type { DomainResult } from './ensure-domain.js';
import type { PowerResult } from './ensure-power.js';
import { printableStatusOf } from './printable-status.js';
import type { Placement } from './schedule-vm.js';

export interface VmObservation {
  deleting?: boolean;
  invalid?: { message: string };
  placement?: Placement;
  hostUnreachable?: { message: string };
  disks?: DisksResult;
  domain?: DomainResult;
  power?: PowerResult;
  /** A step failed in a way the user must fix or wait out (foreign domain of the same name, missing user data). */
  syncError?: { reason: string; message: string };
  interfaces?: VirtualMachineInterface[];
}

type Update = Omit<ConditionUpdate, 'observedGeneration'>;

function scheduled(obs: VmObservation): Update | undefined {
  if (obs.invalid !== undefined) return { type: C.Scheduled, status: 'False', reason: COMMON_REASONS.InvalidSpec, message: obs.invalid.message };
  if (obs.placement === undefined) return undefined;
  return obs.placement.placed
    ? { type: C.Scheduled, status: 'True', reason: R.HostAssigned, message: obs.placement.message }
    : { type: C.Scheduled, status: 'False', reason: obs.placement.reason, message: obs.placement.message };
}

function disksReady(obs: VmObservation): Update | undefined {
  if (obs.disks === undefined) return undefined;
  return obs.disks.ready
    ? { type: C.DisksReady, status: 'True', reason: R.DisksCreated, message: `${Object.keys(obs.disks.placement.paths).length} disks ready` }
    : { type: C.DisksReady, status: 'False', reason: obs.disks.reason, message: obs.disks.message };
}

function ready(obs: VmObservation): Update | undefined {
  if (obs.hostUnreachable !== undefined) return { type: C.Ready, status: 'False', reason: R.HostUnreachable, message: obs.hostUnreachable.message };
  if (obs.power === undefined) return obs.invalid || obs.placement?.placed === false ? { type: C.Ready, status: 'False', reason: R.DomainStopped, message: 'no domain' } : undefined;
  if (obs.power.power === 'running') return { type: C.Ready, status: 'True', reason: R.DomainRunning, message: 'the guest is running' };
  if (obs.power.backingOff) return { type: C.Ready, status: 'False', reason: R.CrashLoopBackOff, message: `restarts back off until ${obs.power.startFailure?.retryAfter ?? 'later'}` };
  return { type: C.Ready, status: 'False', reason: R.DomainStopped, message: `the guest is ${obs.power.power}` };
}

function synchronized(obs: VmObservation): Update | undefined {
  if (obs.syncError !== undefined) return { type: C.Synchronized, status: 'False', reason: obs.syncError.reason, message: obs.syncError.message };
  if (obs.invalid !== undefined) return { type: C.Synchronized, status: 'False', reason: COMMON_REASONS.InvalidSpec, message: obs.invalid.message };
  if (obs.domain === undefined) return undefined;
  if (obs.domain.restartRequired.length > 0) {
    return { type: C.Synchronized, status: 'False', reason: R.RestartRequired, message: `applied at the next start: ${obs.domain.restartRequired.join(', ')}` };
  }
  return { type: C.Synchronized, status: 'True', reason: R.Synced, message: 'the domain matches the spec' };
}

function withRestartRequired(conditions: Condition[], obs: VmObservation, generation: number | undefined, now: Date): Condition[] {
  if (obs.domain === undefined) return conditions;
  const pending = obs.domain.restartRequired;
  if (pending.length === 0) return conditions.filter((condition) => condition.type !== C.RestartRequired);
  return setCondition(conditions, {
    type: C.RestartRequired, status: 'True', reason: R.RestartRequired, message: pending.join(', '),
    ...(generation === undefined ? {} : { observedGeneration: generation }),
  }, now);
}

export function desiredVmStatus(vm: VirtualMachine, obs: VmObservation, now: Date): VirtualMachineStatus {
  const previous = vm.status ?? {};
  const generation = vm.metadata?.generation;
  let conditions = previous.conditions ?? [];
  for (const update of [scheduled(obs), disksReady(obs), ready(obs), synchronized(obs)]) {
    if (update !== undefined) conditions = setCondition(conditions, { ...update, ...(generation === undefined ? {} : { observedGeneration: generation }) }, now);
  }
  conditions = withRestartRequired(conditions, obs, generation, now);
  const host = obs.placement?.placed ? obs.placement.host : previous.host;
  const power = obs.power;
  const printableStatus = printableStatusOf({
    deleting: obs.deleting === true,
    hostUnreachable: obs.hostUnreachable !== undefined,
    invalidSpec: obs.invalid !== undefined,
    hostMissing: obs.placement?.placed === false && obs.placement.reason === R.HostNotFound,
    placed: host !== undefined,
    waitingForImage: obs.disks?.ready === false,
    provisioned: obs.domain !== undefined,
    ...(power === undefined ? {} : { power: power.power }),
    wantsRunning: power?.wantsRunning ?? false,
    backingOff: power?.backingOff ?? false,
  });
  const startFailure = power === undefined ? previous.startFailure : power.startFailure;
  const powerRequest = power === undefined ? previous.powerRequest : power.powerRequest;
  const domainUUID = obs.domain === undefined ? previous.domainUUID : obs.domain.ref.uuid;
  const interfaces = obs.interfaces ?? previous.interfaces;
  return {
    printableStatus,
    ...(host === undefined ? {} : { host }),
    ...(domainUUID === undefined ? {} : { domainUUID }),
    conditions,
    ...(startFailure === undefined ? {} : { startFailure }),
    ...(powerRequest === undefined ? {} : { powerRequest }),
    ...(interfaces === undefined ? {} : { interfaces }),
  };
}
