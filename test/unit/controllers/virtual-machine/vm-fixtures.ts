/** [REQ-01] VirtualMachine and Host objects for the VM controller's unit tests. */
import type { Host } from '../../../../src/api/v1alpha1/host.js';
import type { VirtualMachine, VirtualMachineSpec } from '../../../../src/api/v1alpha1/virtual-machine.js';

export function vmObject(name: string, spec: Partial<VirtualMachineSpec> = {}, status: VirtualMachine['status'] = undefined): VirtualMachine {
  return {
    apiVersion: 'virtfleet.io/v1alpha1',
    kind: 'VirtualMachine',
    metadata: { namespace: 'apps', name, uid: `0000000${name.length}-1111-4222-8333-${name.padStart(12, '0').slice(-12).replace(/[^0-9a-f]/g, 'a')}`, generation: 1 },
    spec: { memory: '1Gi', cpu: { cores: 1 }, runStrategy: 'Always', ...spec },
    ...(status === undefined ? {} : { status }),
  };
}

export function hostObject(name: string, options: { cpus?: number; memory?: string; ready?: boolean; unschedulable?: boolean; labels?: Record<string, string>; cpuAllocationRatio?: number } = {}): Host {
  return {
    metadata: { name, ...(options.labels === undefined ? {} : { labels: options.labels }) },
    spec: {
      address: '192.0.2.1', user: 'root', credentialsSecretRef: { namespace: 'virtfleet-system', name: 'ssh' }, hostKeys: ['SHA256:x'],
      ...(options.unschedulable === undefined ? {} : { unschedulable: options.unschedulable }),
      ...(options.cpuAllocationRatio === undefined ? {} : { cpuAllocationRatio: options.cpuAllocationRatio }),
    },
    status: {
      capacity: { cpus: options.cpus ?? 8, memory: options.memory ?? '16Gi' },
      conditions: [{ type: 'Ready', status: options.ready === false ? 'False' : 'True', reason: 'HostReady', message: '', lastTransitionTime: '2025-01-01T00:00:00Z' }],
    },
  };
}
