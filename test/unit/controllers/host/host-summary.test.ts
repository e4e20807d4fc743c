import { expect } from 'chai';
import type { Condition } from '../../../../src/api/v1alpha1/condition.js';
import type { HostStatus } from '../../../../src/api/v1alpha1/host.js';
import { hostSummary, readableMemory } from '../../../../src/controllers/host/host-summary.js';

const TIME = '2025-01-01T00:00:00Z';
const ready = (status: Condition['status'], reason: string): Condition => ({ type: 'Ready', status, reason, message: 'm', lastTransitionTime: TIME });

describe('[REQ-01] Host summary (what kubectl get hosts prints)', () => {
  const memories: Array<[string | number | undefined, string | undefined]> = [
    ['19228408Ki', '18Gi'],
    ['96Mi', '96Mi'],
    ['1536Mi', '1.5Gi'],
    ['16Gi', '16Gi'],
    [8589934592, '8Gi'],
    ['1999Mi', '1.9Gi'],
    ['0', '0'],
    [0, '0'],
    ['1000', '1000'],
    [undefined, undefined],
  ];
  for (const [quantity, shown] of memories) {
    it(`prints memory ${String(quantity)} as ${String(shown)} (rounded down)`, () => {
      expect(readableMemory(quantity)).to.equal(shown);
    });
  }

  const statuses: Array<{ name: string; unschedulable?: boolean; conditions?: Condition[]; status: string; reason?: string }> = [
    { name: 'a Ready host', conditions: [ready('True', 'HostReady')], status: 'Ready' },
    { name: 'a Ready, unschedulable host', unschedulable: true, conditions: [ready('True', 'HostReady')], status: 'Ready,SchedulingDisabled' },
    { name: 'a host with a mismatched key', conditions: [ready('False', 'HostKeyMismatch')], status: 'NotReady', reason: 'HostKeyMismatch' },
    { name: 'an unreachable, unschedulable host', unschedulable: true, conditions: [ready('False', 'SshConnectFailed')], status: 'NotReady,SchedulingDisabled', reason: 'SshConnectFailed' },
    { name: 'a host never checked', status: 'NotReady' },
  ];
  for (const row of statuses) {
    it(`shows ${row.name} as ${row.status}${row.reason === undefined ? '' : ` (${row.reason})`}`, () => {
      const status: HostStatus = { ...(row.conditions === undefined ? {} : { conditions: row.conditions }), allocated: { cpus: 2, memory: '96Mi' }, capacity: { cpus: 2, memory: '19228408Ki' } };
      expect(hostSummary({ ...(row.unschedulable === undefined ? {} : { unschedulable: row.unschedulable }) }, status)).to.deep.equal({
        status: row.status,
        ...(row.reason === undefined ? {} : { reason: row.reason }),
        allocatedMemory: '96Mi',
        capacityMemory: '18Gi',
      });
    });
  }
});
