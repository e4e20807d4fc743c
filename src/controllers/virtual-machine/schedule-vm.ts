/**
 * [REQ-01] Placement of a VirtualMachine, as a pure function. `spec.hostName` names the Host (it must exist and
 * have room); `spec.hostSelector` (or neither) considers every Ready, schedulable Host whose labels match and
 * whose free CPU and memory (capacity, CPUs times spec.cpuAllocationRatio, minus what VMs already placed there ask
 * for, started or not) fit the VM,
 * and picks the one with the most free memory (then the name, so the choice is stable). A VM already placed
 * keeps its Host: a VM never moves implicitly.
 */
import { HOST_CONDITIONS, VIRTUAL_MACHINE_REASONS } from '../../api/v1alpha1/condition.js';
import { HOST_DEFAULTS, type Host } from '../../api/v1alpha1/host.js';
import { matchesLabelSelector } from '../../api/v1alpha1/label-selector.js';
import { quantityToBytes } from '../../api/v1alpha1/quantity.js';
import type { VirtualMachine } from '../../api/v1alpha1/virtual-machine.js';
import { isConditionTrue } from '../../controller/conditions.js';

export const INSUFFICIENT_CAPACITY = 'InsufficientCapacity';

export type Placement =
  /** `kept`: the VM was already placed (status.host); its Scheduled condition stays as written then. */
  | { placed: true; host: string; message: string; kept?: true }
  | { placed: false; reason: string; message: string };

export interface VmResources {
  cpus: number;
  memoryBytes: number;
}

/** What the VM asks for; throws InvalidSpecError naming spec.memory when it is not a quantity. */
export function vmResources(vm: VirtualMachine): VmResources {
  return { cpus: vm.spec.cpu?.cores ?? 1, memoryBytes: quantityToBytes('spec.memory', vm.spec.memory) };
}

function freeOn(host: Host, others: readonly VirtualMachine[]): VmResources {
  const placed = others.filter((vm) => vm.status?.host === host.metadata?.name);
  const used = placed.reduce((sum, vm) => {
    const asked = safeResources(vm);
    return { cpus: sum.cpus + asked.cpus, memoryBytes: sum.memoryBytes + asked.memoryBytes };
  }, { cpus: 0, memoryBytes: 0 });
  const capacity = host.status?.capacity;
  const memory = capacity?.memory === undefined ? 0 : quantityToBytes('status.capacity.memory', capacity.memory);
  const ratio = host.spec.cpuAllocationRatio ?? HOST_DEFAULTS.cpuAllocationRatio;
  return { cpus: Math.floor((capacity?.cpus ?? 0) * ratio) - used.cpus, memoryBytes: memory - used.memoryBytes };
}

/** Another VM with an unreadable spec asks for nothing (its own reconcile reports it). */
function safeResources(vm: VirtualMachine): VmResources {
  try {
    return vmResources(vm);
  } catch {
    return { cpus: 0, memoryBytes: 0 };
  }
}

function shortfall(asked: VmResources, free: VmResources): string[] {
  const short: string[] = [];
  if (free.cpus < asked.cpus) short.push(`cpu (asks ${asked.cpus}, ${Math.max(0, free.cpus)} free)`);
  if (free.memoryBytes < asked.memoryBytes) short.push(`memory (asks ${mib(asked.memoryBytes)}, ${mib(Math.max(0, free.memoryBytes))} free)`);
  return short;
}

function mib(bytes: number): string {
  return `${Math.floor(bytes / 2 ** 20)}Mi`;
}

/** `others`: every other VirtualMachine (their status.host and requests count against their Host). */
export function scheduleVm(vm: VirtualMachine, hosts: readonly Host[], others: readonly VirtualMachine[]): Placement {
  const current = vm.status?.host;
  if (current !== undefined && current !== '') return { placed: true, host: current, message: `placed on ${current}`, kept: true };
  const asked = vmResources(vm);
  const named = vm.spec.hostName;
  if (named !== undefined) {
    const host = hosts.find((candidate) => candidate.metadata?.name === named);
    if (host === undefined) return { placed: false, reason: VIRTUAL_MACHINE_REASONS.HostNotFound, message: `Host ${named} (spec.hostName) does not exist` };
    const short = shortfall(asked, freeOn(host, others));
    if (short.length > 0) return { placed: false, reason: INSUFFICIENT_CAPACITY, message: `Host ${named} has too little ${short.join(' and ')}` };
    return { placed: true, host: named, message: `placed on ${named} (spec.hostName)` };
  }
  const selector = vm.spec.hostSelector ?? {};
  const matching = hosts.filter((host) => matchesLabelSelector(selector, host.metadata?.labels));
  const usable = matching.filter((host) => host.spec.unschedulable !== true && isConditionTrue(host.status?.conditions, HOST_CONDITIONS.Ready));
  if (usable.length === 0) {
    const message = matching.length === 0 ? 'no Host matches spec.hostSelector' : `none of the ${matching.length} matching Hosts is Ready and schedulable`;
    return { placed: false, reason: VIRTUAL_MACHINE_REASONS.NoHostAvailable, message };
  }
  const fitting = usable
    .map((host) => ({ name: host.metadata?.name ?? '', free: freeOn(host, others) }))
    .filter((candidate) => shortfall(asked, candidate.free).length === 0)
    .sort((a, b) => b.free.memoryBytes - a.free.memoryBytes || a.name.localeCompare(b.name));
  const best = fitting[0];
  if (best === undefined) {
    const details = usable.map((host) => `${host.metadata?.name}: ${shortfall(asked, freeOn(host, others)).join(' and ')}`);
    return { placed: false, reason: INSUFFICIENT_CAPACITY, message: `no Host has room: ${details.join('; ')}` };
  }
  return { placed: true, host: best.name, message: `placed on ${best.name} (most free memory of ${fitting.length} fitting Hosts)` };
}
