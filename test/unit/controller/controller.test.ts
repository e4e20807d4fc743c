import { expect } from 'chai';
import { Subject } from 'rxjs';
import { Controller } from '../../../src/controller/controller.js';
import type { ReconcileRequest, Result } from '../../../src/controller/reconciler.js';
import { InvalidSpecError } from '../../../src/errors/invalid-spec-error.js';
import { FakeClock, flushMicrotasks } from '../../support/fake-clock.js';

const backoff = { baseDelayMs: 5, maxDelayMs: 1000, globalQps: 10, globalBurst: 100 };

type Behaviour = (request: ReconcileRequest, signal: AbortSignal) => Promise<Result>;

function harness(behaviour: Behaviour, workers = 4) {
  const clock = new FakeClock();
  const source = new Subject<ReconcileRequest>();
  const calls: string[] = [];
  const outcomes: string[] = [];
  const controller = new Controller({
    name: 'test',
    workers,
    backoff,
    clock,
    sources: [source],
    metrics: { setWorkqueueDepth: () => undefined, incInformerRestarts: () => undefined, observeReconcile: (_c, outcome) => outcomes.push(outcome) },
    reconciler: {
      reconcile: (request, ctx) => {
        calls.push(request.name);
        return behaviour(request, ctx.signal);
      },
    },
  });
  return { clock, source, calls, outcomes, controller };
}

describe('[REQ-01] Controller', () => {
  it('reconciles each requested key and forgets it on success', async () => {
    const { source, calls, outcomes, controller } = harness(async () => ({}));
    controller.start();
    source.next({ namespace: 'a', name: 'x' });
    source.next({ name: 'y' });
    await flushMicrotasks();
    expect(calls.sort()).to.deep.equal(['x', 'y']);
    expect(outcomes).to.deep.equal(['success', 'success']);
    await controller.stop();
  });

  it('never runs the same key on two workers at once, and runs it again after a change during the reconcile', async () => {
    let release!: () => void;
    let active = 0;
    let maxActive = 0;
    const { source, calls, controller } = harness(async () => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      await new Promise<void>((resolve) => { release = resolve; });
      active -= 1;
      return {};
    });
    controller.start();
    source.next({ name: 'x' });
    await flushMicrotasks();
    source.next({ name: 'x' });
    source.next({ name: 'x' });
    await flushMicrotasks();
    expect(calls).to.deep.equal(['x']);
    release();
    await flushMicrotasks();
    expect(calls).to.deep.equal(['x', 'x']);
    release();
    await flushMicrotasks();
    expect(maxActive).to.equal(1);
    await controller.stop();
  });

  it('requeues a retryable error with growing backoff', async () => {
    const { source, calls, clock, controller } = harness(async () => { throw new Error('connection refused'); });
    controller.start();
    source.next({ name: 'x' });
    await flushMicrotasks();
    expect(calls).to.have.length(1);
    await clock.advance(5);
    expect(calls).to.have.length(2);
    await clock.advance(9);
    expect(calls, 'second retry waits 10 ms').to.have.length(2);
    await clock.advance(1);
    expect(calls).to.have.length(3);
    await controller.stop();
  });

  it('does not requeue a terminal error: no hot loop', async () => {
    const { source, calls, outcomes, clock, controller } = harness(async () => { throw new InvalidSpecError('spec.memory', 'not a quantity'); });
    controller.start();
    source.next({ name: 'x' });
    await clock.advance(60_000);
    expect(calls).to.have.length(1);
    expect(outcomes).to.deep.equal(['terminal_error']);
    await controller.stop();
  });

  it('comes back after requeueAfterMs', async () => {
    const { source, calls, clock, controller } = harness(async () => ({ requeueAfterMs: 30_000 }));
    controller.start();
    source.next({ name: 'x' });
    await clock.advance(29_999);
    expect(calls).to.have.length(1);
    await clock.advance(1);
    expect(calls).to.have.length(2);
    await controller.stop();
  });

  it('aborts in-flight reconciles on stop and waits for them before resolving', async () => {
    let sawAbort = false;
    const { source, calls, clock, controller } = harness((_request, signal) => new Promise((_resolve, reject) => {
      signal.addEventListener('abort', () => {
        sawAbort = true;
        reject(signal.reason);
      });
    }));
    controller.start();
    source.next({ name: 'x' });
    await flushMicrotasks();
    await controller.stop();
    expect(sawAbort).to.equal(true);
    source.next({ name: 'y' });
    await clock.advance(1000);
    expect(calls, 'nothing is reconciled after stop, the aborted key is not retried').to.deep.equal(['x']);
  });
});
