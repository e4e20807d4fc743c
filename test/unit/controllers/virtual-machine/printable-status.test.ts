import { expect } from 'chai';
import type { PrintableStatus } from '../../../../src/api/v1alpha1/virtual-machine.js';
import { printableStatusOf, type StatusFacts } from '../../../../src/controllers/virtual-machine/printable-status.js';

const running: StatusFacts = {
  deleting: false, hostUnreachable: false, invalidSpec: false, hostMissing: false, placed: true, waitingForImage: false,
  provisioned: true, power: 'running', wantsRunning: true, backingOff: false,
};

describe('[REQ-01] printableStatus says in one word where the VM is', () => {
  const cases: Array<[PrintableStatus, Partial<StatusFacts>]> = [
    ['Running', {}],
    ['Terminating', { deleting: true, hostUnreachable: true }],
    ['HostUnreachable', { hostUnreachable: true }],
    ['Failed', { invalidSpec: true }],
    ['Pending', { hostMissing: true, placed: false }],
    ['Unschedulable', { placed: false }],
    ['WaitingForImage', { waitingForImage: true, provisioned: false }],
    ['Provisioning', { provisioned: false }],
    ['Stopping', { wantsRunning: false }],
    ['Paused', { power: 'paused' }],
    ['CrashLoopBackOff', { power: 'stopped', backingOff: true }],
    ['Starting', { power: 'stopped' }],
    ['Stopped', { power: 'stopped', wantsRunning: false }],
  ];
  for (const [expected, facts] of cases) it(`${expected} for ${JSON.stringify(facts)}`, () => expect(printableStatusOf({ ...running, ...facts })).to.equal(expected));
});
