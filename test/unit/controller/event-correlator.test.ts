import { expect } from 'chai';
import { EventCorrelator, type EventSpec } from '../../../src/controller/event-correlator.js';

const vm = { apiVersion: 'virtfleet.io/v1alpha1', kind: 'VirtualMachine', namespace: 'prod', name: 'web-1', uid: 'u1' };
const failed: EventSpec = { involvedObject: vm, type: 'Warning', reason: 'DomainStartFailed', message: 'no memory', component: 'virtfleet' };
const now = Date.UTC(2025, 0, 1);

describe('[REQ-01] EventCorrelator folds repeated Events', () => {
  it('creates the first Event in the involved object\'s namespace with a name derived from the object', () => {
    const action = new EventCorrelator().decide(failed, now);
    expect(action.kind).to.equal('create');
    if (action.kind !== 'create') return;
    expect(action.namespace).to.equal('prod');
    expect(action.name).to.match(/^web-1\.[0-9a-f]+$/);
  });

  it('puts Events of cluster-scoped objects in the default namespace', () => {
    const action = new EventCorrelator().decide({ ...failed, involvedObject: { kind: 'Host', name: 'h1' } }, now);
    expect(action.kind === 'create' && action.namespace).to.equal('default');
  });

  it('turns a repeat of the same object, type, reason and message into a count increment of the same Event', () => {
    const correlator = new EventCorrelator();
    correlator.remember(failed, { namespace: 'prod', name: 'web-1.abc', count: 1, firstTimestamp: 'T0' });
    const second = correlator.decide(failed, now + 1000);
    expect(second).to.deep.equal({ kind: 'patch', previous: { namespace: 'prod', name: 'web-1.abc', count: 1, firstTimestamp: 'T0' }, count: 2 });
    correlator.remember(failed, { namespace: 'prod', name: 'web-1.abc', count: 2, firstTimestamp: 'T0' });
    const third = correlator.decide(failed, now + 2000);
    expect(third.kind === 'patch' && third.count).to.equal(3);
  });

  const distinct: Array<[string, Partial<EventSpec>]> = [
    ['another message', { message: 'disk full' }],
    ['another reason', { reason: 'DomainCrashed' }],
    ['another type', { type: 'Normal' }],
    ['another object', { involvedObject: { ...vm, name: 'web-2' } }],
  ];
  for (const [what, change] of distinct) {
    it(`creates a separate Event for ${what}`, () => {
      const correlator = new EventCorrelator();
      correlator.remember(failed, { namespace: 'prod', name: 'web-1.abc', count: 1, firstTimestamp: 'T0' });
      expect(correlator.decide({ ...failed, ...change }, now).kind).to.equal('create');
    });
  }

  it('gives two Events created in the same millisecond different names', () => {
    const correlator = new EventCorrelator();
    const a = correlator.decide(failed, now);
    const b = correlator.decide({ ...failed, message: 'other' }, now);
    expect(a.kind === 'create' && a.name).to.not.equal(b.kind === 'create' && b.name);
  });

  it('creates afresh after forget (the Event expired on the server)', () => {
    const correlator = new EventCorrelator();
    correlator.remember(failed, { namespace: 'prod', name: 'web-1.abc', count: 4, firstTimestamp: 'T0' });
    correlator.forget(failed);
    expect(correlator.decide(failed, now).kind).to.equal('create');
  });

  it('evicts the least recently used Event beyond its capacity', () => {
    const correlator = new EventCorrelator(2);
    const spec = (message: string): EventSpec => ({ ...failed, message });
    correlator.remember(spec('a'), { namespace: 'prod', name: 'a', count: 1, firstTimestamp: 'T0' });
    correlator.remember(spec('b'), { namespace: 'prod', name: 'b', count: 1, firstTimestamp: 'T0' });
    correlator.remember(spec('c'), { namespace: 'prod', name: 'c', count: 1, firstTimestamp: 'T0' });
    expect(correlator.decide(spec('a'), now).kind).to.equal('create');
    expect(correlator.decide(spec('c'), now).kind).to.equal('patch');
  });
});
