/**
 * [REQ-06] VirtualMachine metrics in the shape KubeVirt users graph: `virtfleet_vms{status,host}` (gauge, counted
 * from the informer cache when scraped), `virtfleet_vm_phase_transition_time_from_creation_seconds{phase}` (from
 * creationTimestamp to each printableStatus the VM enters) and `virtfleet_vm_deletion_duration_seconds` (from
 * deletionTimestamp until the finalizer is released).
 */
import { Gauge, Histogram, type Registry } from 'prom-client';
import type { VirtualMachine } from '../../api/v1alpha1/virtual-machine.js';

const BUCKETS_SECONDS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600];

function secondsSince(time: Date | string | undefined, nowMs: number): number | undefined {
  if (time === undefined) return undefined;
  const ms = new Date(time).getTime();
  return Number.isNaN(ms) ? undefined : Math.max(0, (nowMs - ms) / 1000);
}

export class VmMetrics {
  private readonly phaseSeconds: Histogram<'phase'>;
  private readonly deletionSeconds: Histogram;
  /** uid -> the last printableStatus observed, so each entry into a phase is counted once. */
  private readonly lastPhase = new Map<string, string>();

  constructor(registry: Registry, cache: { list(): VirtualMachine[] }) {
    const registers = [registry];
    new Gauge({
      name: 'virtfleet_vms',
      help: 'VirtualMachines by printableStatus and host.',
      labelNames: ['status', 'host'],
      registers,
      collect() {
        this.reset();
        for (const vm of cache.list()) this.inc({ status: vm.status?.printableStatus ?? 'Pending', host: vm.status?.host ?? '' });
      },
    });
    this.phaseSeconds = new Histogram({
      name: 'virtfleet_vm_phase_transition_time_from_creation_seconds',
      help: 'Time from a VirtualMachine\'s creation until it entered each printableStatus.',
      labelNames: ['phase'],
      buckets: BUCKETS_SECONDS,
      registers,
    });
    this.deletionSeconds = new Histogram({
      name: 'virtfleet_vm_deletion_duration_seconds',
      help: 'Time from a VirtualMachine\'s deletion request until its finalizer was released.',
      buckets: BUCKETS_SECONDS,
      registers,
    });
  }

  /** After a status write: counts the entry into a new printableStatus. */
  observe(vm: VirtualMachine, nowMs: number): void {
    const uid = vm.metadata?.uid ?? '';
    const phase = vm.status?.printableStatus;
    if (phase === undefined || this.lastPhase.get(uid) === phase) return;
    this.lastPhase.set(uid, phase);
    const seconds = secondsSince(vm.metadata?.creationTimestamp, nowMs);
    if (seconds !== undefined) this.phaseSeconds.observe({ phase }, seconds);
  }

  deleted(vm: VirtualMachine, nowMs: number): void {
    this.lastPhase.delete(vm.metadata?.uid ?? '');
    const seconds = secondsSince(vm.metadata?.deletionTimestamp, nowMs);
    if (seconds !== undefined) this.deletionSeconds.observe(seconds);
  }
}
