import { expect } from 'chai';
import type { Host } from '../../../../src/api/v1alpha1/host.js';
import type { VirtualMachine } from '../../../../src/api/v1alpha1/virtual-machine.js';
import { PlacementBook } from '../../../../src/controllers/virtual-machine/placement-book.js';
import { hostObject, vmObject } from './vm-fixtures.js';

/** One step: place `vm` while the informer cache holds `cache`; expect a Host name or a reason. */
interface Step {
  vm: VirtualMachine;
  cache: VirtualMachine[];
  expected: { host: string } | { reason: string };
}

const placed = (vm: VirtualMachine, host: string): VirtualMachine => ({ ...vm, status: { ...vm.status, host } });

const a = vmObject('a', { cpu: { cores: 1 }, memory: '1Gi' });
const b = vmObject('b', { cpu: { cores: 2 }, memory: '1Gi' });
const c = vmObject('c', { cpu: { cores: 1 }, memory: '1Gi' });
const big = vmObject('big', { cpu: { cores: 1 }, memory: '3Gi' });

describe('[REQ-01] VM placement book: placements not yet in the informer cache still count', () => {
  const cases: Array<{ name: string; hosts: Host[]; steps: Step[] }> = [
    {
      name: 'two VMs placed before the cache shows either never overbook a 2-CPU Host',
      hosts: [hostObject('hv1', { cpus: 2 })],
      steps: [
        { vm: a, cache: [a, b], expected: { host: 'hv1' } },
        { vm: b, cache: [a, b], expected: { reason: 'InsufficientCapacity' } },
      ],
    },
    {
      name: 'a reservation counts its memory, so the next VM goes to the other Host',
      hosts: [hostObject('hv1', { memory: '4Gi' }), hostObject('hv2', { memory: '4Gi' })],
      steps: [
        { vm: big, cache: [big, a], expected: { host: 'hv1' } },
        { vm: a, cache: [big, a], expected: { host: 'hv2' } },
      ],
    },
    {
      name: 'once the cache shows the placement it is counted once, not twice',
      hosts: [hostObject('hv1', { cpus: 3 })],
      steps: [
        { vm: a, cache: [a, b], expected: { host: 'hv1' } },
        { vm: b, cache: [placed(a, 'hv1'), b], expected: { host: 'hv1' } },
      ],
    },
    {
      name: 'a VM gone from the cache frees its reservation',
      hosts: [hostObject('hv1', { cpus: 2 })],
      steps: [
        { vm: a, cache: [a, b], expected: { host: 'hv1' } },
        { vm: b, cache: [b], expected: { host: 'hv1' } },
      ],
    },
    {
      name: 'placing the same VM again (its status write was lost) does not count it against itself',
      hosts: [hostObject('hv1', { cpus: 1 })],
      steps: [
        { vm: a, cache: [a], expected: { host: 'hv1' } },
        { vm: a, cache: [a], expected: { host: 'hv1' } },
      ],
    },
    {
      name: 'a VM that no longer fits drops its reservation, making room for the next one',
      hosts: [hostObject('hv1', { cpus: 2 })],
      steps: [
        { vm: b, cache: [b, a], expected: { host: 'hv1' } },
        { vm: { ...b, spec: { ...b.spec, cpu: { cores: 4 } } }, cache: [b, a], expected: { reason: 'InsufficientCapacity' } },
        { vm: a, cache: [b, a], expected: { host: 'hv1' } },
      ],
    },
    {
      name: 'three VMs at once over two 2-CPU Hosts: one each, the third waits for room',
      hosts: [hostObject('hv1', { cpus: 2 }), hostObject('hv2', { cpus: 2 })],
      steps: [
        { vm: b, cache: [a, b, c], expected: { host: 'hv1' } },
        { vm: a, cache: [a, b, c], expected: { host: 'hv2' } },
        { vm: c, cache: [a, b, c], expected: { host: 'hv2' } },
        { vm: vmObject('d'), cache: [a, b, c, vmObject('d')], expected: { reason: 'InsufficientCapacity' } },
      ],
    },
  ];
  for (const testCase of cases) {
    it(testCase.name, () => {
      const book = new PlacementBook();
      const outcomes = testCase.steps.map((step) => {
        const placement = book.place(step.vm, testCase.hosts, step.cache);
        return placement.placed ? { host: placement.host } : { reason: placement.reason };
      });
      expect(outcomes).to.deep.equal(testCase.steps.map((step) => step.expected));
    });
  }

  it('keeps nothing once every placement is visible in the cache', () => {
    const book = new PlacementBook();
    const hosts = [hostObject('hv1')];
    book.place(a, hosts, [a, c]);
    book.place(c, hosts, [a, c]);
    expect(book.size).to.equal(2);
    book.place(vmObject('e'), hosts, [placed(a, 'hv1'), placed(c, 'hv1'), vmObject('e')]);
    expect(book.size).to.equal(1);
  });
});
