import { expect } from 'chai';
import type { Condition } from '../../../src/api/v1alpha1/condition.js';
import { findCondition, isConditionTrue, setCondition } from '../../../src/controller/conditions.js';

const t0 = new Date('2025-01-01T00:00:00.250Z');
const t1 = new Date('2025-01-01T00:05:00Z');

describe('[REQ-01] conditions helper', () => {
  const ready = { type: 'Ready', status: 'False', reason: 'HostNotReady', message: 'waiting', observedGeneration: 1 } as const;

  it('adds a missing condition with lastTransitionTime now, at second precision', () => {
    const conditions = setCondition(undefined, ready, t0);
    expect(conditions).to.deep.equal([{ ...ready, lastTransitionTime: '2025-01-01T00:00:00Z' }]);
  });

  it('keeps lastTransitionTime when the status is unchanged but updates reason, message and observedGeneration', () => {
    const before = setCondition(undefined, ready, t0);
    const after = setCondition(before, { ...ready, reason: 'StillWaiting', message: 'again', observedGeneration: 2 }, t1);
    expect(after[0]).to.deep.equal({ type: 'Ready', status: 'False', reason: 'StillWaiting', message: 'again', observedGeneration: 2, lastTransitionTime: '2025-01-01T00:00:00Z' });
  });

  it('moves lastTransitionTime when the status changes', () => {
    const before = setCondition(undefined, ready, t0);
    const after = setCondition(before, { ...ready, status: 'True', reason: 'HostReady' }, t1);
    expect(findCondition(after, 'Ready')?.lastTransitionTime).to.equal('2025-01-01T00:05:00Z');
    expect(isConditionTrue(after, 'Ready')).to.equal(true);
  });

  it('leaves other conditions and the input array untouched', () => {
    const other: Condition = { type: 'Scheduled', status: 'True', reason: 'HostAssigned', message: '', lastTransitionTime: '2024-12-31T00:00:00Z' };
    const before: Condition[] = [other];
    const after = setCondition(before, ready, t1);
    expect(before).to.have.length(1);
    expect(after).to.have.length(2);
    expect(after[0]).to.equal(other);
  });

  it('returns an equal array when nothing changed, so a second reconcile writes no status', () => {
    const once = setCondition(undefined, ready, t0);
    expect(setCondition(once, ready, t1)).to.deep.equal(once);
  });
});
