import { expect } from 'chai';
import type { Host } from '../../../../src/api/v1alpha1/host.js';
import type { VirtualMachine } from '../../../../src/api/v1alpha1/virtual-machine.js';
import { scheduleVm, type Placement } from '../../../../src/controllers/virtual-machine/schedule-vm.js';
import { InvalidSpecError } from '../../../../src/errors/invalid-spec-error.js';
import { hostObject, vmObject } from './vm-fixtures.js';

describe('[REQ-01] VM scheduling picks a Ready, schedulable Host with room, most free memory first', () => {
  const cases: Array<{ name: string; vm: VirtualMachine; hosts: Host[]; others?: VirtualMachine[]; expected: Partial<Placement> & { messageIncludes?: string } }> = [
    {
      name: 'the Host with the most free memory wins',
      vm: vmObject('a'), hosts: [hostObject('small', { memory: '4Gi' }), hostObject('big', { memory: '32Gi' })],
      expected: { placed: true, host: 'big' },
    },
    {
      name: 'VMs already placed count against their Host, started or not',
      vm: vmObject('a', { memory: '2Gi' }),
      hosts: [hostObject('hv1', { memory: '8Gi' }), hostObject('hv2', { memory: '6Gi' })],
      others: [vmObject('b', { memory: '4Gi' }, { host: 'hv1' }), vmObject('c', { memory: '1Gi' }, { host: 'hv1', printableStatus: 'Provisioning' })],
      expected: { placed: true, host: 'hv2' },
    },
    {
      name: 'equal free memory: the name decides, so the choice is stable',
      vm: vmObject('a'), hosts: [hostObject('hv2'), hostObject('hv1')],
      expected: { placed: true, host: 'hv1' },
    },
    {
      name: 'not Ready and unschedulable Hosts are skipped',
      vm: vmObject('a'),
      hosts: [hostObject('down', { ready: false, memory: '64Gi' }), hostObject('cordoned', { unschedulable: true, memory: '64Gi' }), hostObject('ok', { memory: '2Gi' })],
      expected: { placed: true, host: 'ok' },
    },
    {
      name: 'hostSelector limits the candidates',
      vm: vmObject('a', { hostSelector: { matchLabels: { zone: 'b' } } }),
      hosts: [hostObject('hv1', { labels: { zone: 'a' }, memory: '64Gi' }), hostObject('hv2', { labels: { zone: 'b' } })],
      expected: { placed: true, host: 'hv2' },
    },
    {
      name: 'memory larger than any Host: InsufficientCapacity naming what was short',
      vm: vmObject('a', { memory: '100Gi' }), hosts: [hostObject('hv1'), hostObject('hv2')],
      expected: { placed: false, reason: 'InsufficientCapacity', messageIncludes: 'hv1: memory (asks 102400Mi, 16384Mi free)' },
    },
    {
      name: 'too many cores: InsufficientCapacity names cpu',
      vm: vmObject('a', { cpu: { cores: 16 } }), hosts: [hostObject('hv1', { cpus: 4 })],
      expected: { placed: false, reason: 'InsufficientCapacity', messageIncludes: 'cpu (asks 16, 4 free)' },
    },
    {
      name: 'cpuAllocationRatio overcommits CPUs: 2 CPUs at ratio 4 hold 8 cores, not 9',
      vm: vmObject('a', { cpu: { cores: 2 } }), hosts: [hostObject('hv1', { cpus: 2, cpuAllocationRatio: 4 })],
      others: [vmObject('b', { cpu: { cores: 6 } }, { host: 'hv1' })],
      expected: { placed: true, host: 'hv1' },
    },
    {
      name: 'cpuAllocationRatio is a bound too: the ninth core does not fit',
      vm: vmObject('a', { cpu: { cores: 3 } }), hosts: [hostObject('hv1', { cpus: 2, cpuAllocationRatio: 4 })],
      others: [vmObject('b', { cpu: { cores: 6 } }, { host: 'hv1' })],
      expected: { placed: false, reason: 'InsufficientCapacity', messageIncludes: 'cpu (asks 3, 2 free)' },
    },
    {
      name: 'no matching Host: NoHostAvailable',
      vm: vmObject('a', { hostSelector: { matchLabels: { zone: 'x' } } }), hosts: [hostObject('hv1')],
      expected: { placed: false, reason: 'NoHostAvailable', messageIncludes: 'no Host matches' },
    },
    {
      name: 'hostName of a missing Host: HostNotFound',
      vm: vmObject('a', { hostName: 'ghost' }), hosts: [hostObject('hv1')],
      expected: { placed: false, reason: 'HostNotFound', messageIncludes: 'Host ghost (spec.hostName) does not exist' },
    },
    {
      name: 'hostName is honoured even when another Host has more room',
      vm: vmObject('a', { hostName: 'hv1' }), hosts: [hostObject('hv1', { memory: '2Gi' }), hostObject('hv2', { memory: '64Gi' })],
      expected: { placed: true, host: 'hv1' },
    },
    {
      name: 'hostName without room: InsufficientCapacity',
      vm: vmObject('a', { hostName: 'hv1', memory: '4Gi' }), hosts: [hostObject('hv1', { memory: '2Gi' })],
      expected: { placed: false, reason: 'InsufficientCapacity' },
    },
    {
      name: 'a placed VM never moves, even when its Host is gone',
      vm: vmObject('a', {}, { host: 'hv9' }), hosts: [hostObject('hv1', { memory: '64Gi' })],
      expected: { placed: true, host: 'hv9' },
    },
  ];
  for (const testCase of cases) {
    it(testCase.name, () => {
      const placement = scheduleVm(testCase.vm, testCase.hosts, testCase.others ?? []);
      const { messageIncludes, ...exact } = testCase.expected;
      expect(placement).to.include(exact);
      if (messageIncludes !== undefined) expect(placement.message).to.include(messageIncludes);
    });
  }

  it('a memory that is not a quantity is an InvalidSpecError naming spec.memory', () => {
    expect(() => scheduleVm(vmObject('a', { memory: 'lots' }), [hostObject('hv1')], [])).to.throw(InvalidSpecError, 'spec.memory');
  });
});
