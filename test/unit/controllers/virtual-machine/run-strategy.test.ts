import { expect } from 'chai';
import { decidePower, stopCauseOf, ShutoffReason, type PowerDecision, type PowerInput } from '../../../../src/controllers/virtual-machine/run-strategy.js';
import { afterRestart, backoffDelayMs, waitBeforeRestartMs, whileRunning } from '../../../../src/controllers/virtual-machine/start-backoff.js';
import { InvalidSpecError } from '../../../../src/errors/invalid-spec-error.js';

describe('[REQ-01] run strategies decide start, stop or leave as KubeVirt does', () => {
  const cases: Array<{ name: string; input: PowerInput; expected: Partial<PowerDecision> }> = [
    { name: 'Always starts a new domain', input: { runStrategy: 'Always', state: 'stopped', stopCause: 'never-started' }, expected: { action: 'start', wantsRunning: true } },
    { name: 'Always restarts after a guest poweroff', input: { runStrategy: 'Always', state: 'stopped', stopCause: 'guest-poweroff' }, expected: { action: 'start' } },
    { name: 'Always restarts after a destroy', input: { runStrategy: 'Always', state: 'stopped', stopCause: 'failure' }, expected: { action: 'start' } },
    { name: 'Always leaves a running guest', input: { runStrategy: 'Always', state: 'running', stopCause: 'never-started' }, expected: { action: 'none' } },
    { name: 'Halted stops a running guest', input: { runStrategy: 'Halted', state: 'running', stopCause: 'never-started' }, expected: { action: 'stop', wantsRunning: false } },
    { name: 'Halted stops a paused guest', input: { runStrategy: 'Halted', state: 'paused', stopCause: 'never-started' }, expected: { action: 'stop' } },
    { name: 'Halted leaves a stopped guest', input: { runStrategy: 'Halted', state: 'stopped', stopCause: 'failure' }, expected: { action: 'none' } },
    { name: 'RerunOnFailure starts a new domain', input: { runStrategy: 'RerunOnFailure', state: 'stopped', stopCause: 'never-started' }, expected: { action: 'start', wantsRunning: true } },
    { name: 'RerunOnFailure restarts after a crash', input: { runStrategy: 'RerunOnFailure', state: 'stopped', stopCause: 'failure' }, expected: { action: 'start' } },
    { name: 'RerunOnFailure stays off after a guest poweroff', input: { runStrategy: 'RerunOnFailure', state: 'stopped', stopCause: 'guest-poweroff' }, expected: { action: 'none', wantsRunning: false } },
    { name: 'Manual without the annotation leaves a stopped guest', input: { runStrategy: 'Manual', state: 'stopped', stopCause: 'never-started' }, expected: { action: 'none', wantsRunning: false } },
    { name: 'Manual without the annotation leaves a running guest', input: { runStrategy: 'Manual', state: 'running', stopCause: 'never-started' }, expected: { action: 'none', wantsRunning: true } },
    { name: 'Manual on starts and records the request', input: { runStrategy: 'Manual', state: 'stopped', stopCause: 'never-started', powerAnnotation: 'on' }, expected: { action: 'start', powerRequest: 'on' } },
    { name: 'Manual on already carried out: a guest that powered off stays off', input: { runStrategy: 'Manual', state: 'stopped', stopCause: 'guest-poweroff', powerAnnotation: 'on', powerRequest: 'on' }, expected: { action: 'none', powerRequest: 'on' } },
    { name: 'Manual on@2 after on@1 starts it again', input: { runStrategy: 'Manual', state: 'stopped', stopCause: 'guest-poweroff', powerAnnotation: 'on@2', powerRequest: 'on@1' }, expected: { action: 'start', powerRequest: 'on@2' } },
    { name: 'Manual off stops a running guest', input: { runStrategy: 'Manual', state: 'running', stopCause: 'never-started', powerAnnotation: 'off', powerRequest: 'on' }, expected: { action: 'stop', wantsRunning: false, powerRequest: 'off' } },
  ];
  for (const testCase of cases) it(testCase.name, () => expect(decidePower(testCase.input)).to.include(testCase.expected));

  it('a power annotation that is neither on nor off is an InvalidSpecError naming it', () => {
    expect(() => decidePower({ runStrategy: 'Manual', state: 'stopped', stopCause: 'never-started', powerAnnotation: 'reboot' })).to.throw(InvalidSpecError, 'virtfleet.io/power');
  });

  it('the shutoff reason tells a guest poweroff from a failure', () => {
    expect(stopCauseOf(ShutoffReason.Unknown)).to.equal('never-started');
    expect(stopCauseOf(ShutoffReason.Shutdown)).to.equal('guest-poweroff');
    for (const reason of [ShutoffReason.Destroyed, ShutoffReason.Crashed, ShutoffReason.Failed]) expect(stopCauseOf(reason)).to.equal('failure');
  });
});

describe('[REQ-01] crash loops back off through status.startFailure', () => {
  const now = Date.UTC(2025, 0, 1);
  it('delays double from 10 s to at most 5 min', () => {
    expect([1, 2, 3, 4, 5, 6, 10].map(backoffDelayMs)).to.deep.equal([10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
  });
  it('the first restart is at once and sets retryAfter for the next', () => {
    expect(waitBeforeRestartMs(undefined, now)).to.equal(0);
    expect(afterRestart(undefined, now)).to.deep.equal({ consecutiveFailCount: 1, retryAfter: '2025-01-01T00:00:10Z' });
  });
  it('a failure before retryAfter waits for it, and the count grows', () => {
    const failure = afterRestart(undefined, now);
    expect(waitBeforeRestartMs(failure, now + 4000)).to.equal(6000);
    expect(waitBeforeRestartMs(failure, now + 10_000)).to.equal(0);
    expect(afterRestart(failure, now + 10_000)).to.deep.equal({ consecutiveFailCount: 2, retryAfter: '2025-01-01T00:00:30Z' });
  });
  it('a guest running past retryAfter clears the record; before it keeps it', () => {
    const failure = afterRestart(undefined, now);
    expect(whileRunning(failure, now + 5000)).to.equal(failure);
    expect(whileRunning(failure, now + 10_000)).to.equal(undefined);
  });
});
