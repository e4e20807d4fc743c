import { expect } from 'chai';
import { defer, Subject, throwError } from 'rxjs';
import { Controller, SOURCE_RESUBSCRIBE_DELAY_MS } from '../../../src/controller/controller.js';
import { SourceFailure, type RequestSource } from '../../../src/controller/watch-sources.js';
import type { ReconcileRequest, Result } from '../../../src/controller/reconciler.js';
import { InvalidSpecError } from '../../../src/errors/invalid-spec-error.js';
import { FakeClock, flushMicrotasks } from '../../support/fake-clock.js';

const backoff = { baseDelayMs: 5, maxDelayMs: 1000, globalQps: 10, globalBurst: 100 };

type Behaviour = (request: ReconcileRequest, signal: AbortSignal) => Promise<Result>;

function harness(behaviour: Behaviour, workers = 4, otherSources: RequestSource[] = []) {
  const clock = new FakeClock();
  const source = new Subject<ReconcileRequest | SourceFailure>();
  const calls: string[] = [];
  const outcomes: string[] = [];
  const sourceErrors: string[] = [];
  const controller = new Controller({
    name: 'test',
    workers,
    backoff,
    clock,
    sources: [source, ...otherSources],
    metrics: {
      setWorkqueueDepth: () => undefined,
      incInformerRestarts: () => undefined,
      observeReconcile: (_c, outcome, _d, reason) => outcomes.push(reason === undefined ? outcome : `${outcome} ${reason}`),
      incSourceErrors: (_c, name) => sourceErrors.push(name),
    },
    reconciler: {
      reconcile: (request, ctx) => {
        calls.push(request.name);
        return behaviour(request, ctx.signal);
      },
    },
  });
  return { clock, source, calls, outcomes, sourceErrors, controller };
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
    expect(outcomes).to.deep.equal(['terminal_error InvalidSpec']);
    await controller.stop();
  });

  it('counts a terminal failure returned in the Result with its reason and re-checks after requeueAfterMs', async () => {
    const { source, calls, outcomes, clock, controller } = harness(async () => ({ requeueAfterMs: 300_000, failure: new InvalidSpecError('spec.hostKeys', 'bad') }));
    controller.start();
    source.next({ name: 'x' });
    await clock.advance(299_999);
    expect(calls).to.have.length(1);
    await clock.advance(1);
    expect(calls).to.have.length(2);
    expect(outcomes).to.deep.equal(['terminal_error InvalidSpec', 'terminal_error InvalidSpec']);
    await controller.stop();
  });

  it('counts the error reason of a retryable failure', async () => {
    const { source, outcomes, controller } = harness(async () => { throw new Error('bug'); });
    controller.start();
    source.next({ name: 'x' });
    await flushMicrotasks();
    expect(outcomes).to.deep.equal(['error Unexpected']);
    await controller.stop();
  });

  it('logs and counts an event a mapper failed on, and goes on with the next events of that source', async () => {
    const { source, calls, sourceErrors, controller } = harness(async () => ({}));
    controller.start();
    source.next(new SourceFailure('mapped:secrets', 'creds/broken', new Error('mapper bug')));
    source.next({ name: 'after' });
    await flushMicrotasks();
    expect(sourceErrors).to.deep.equal(['mapped:secrets']);
    expect(calls).to.deep.equal(['after']);
    await controller.stop();
  });

  it('keeps the other sources when one source errors, and resubscribes the failed one after a delay', async () => {
    let subscriptions = 0;
    const failing = defer(() => {
      subscriptions += 1;
      return throwError(() => new Error('watch broke'));
    });
    const { source, calls, sourceErrors, clock, controller } = harness(async () => ({}), 4, [failing]);
    controller.start();
    await flushMicrotasks();
    expect(subscriptions).to.equal(1);
    expect(sourceErrors).to.deep.equal(['source-1']);
    source.next({ name: 'still-watched' });
    await flushMicrotasks();
    expect(calls).to.deep.equal(['still-watched']);
    await clock.advance(SOURCE_RESUBSCRIBE_DELAY_MS);
    expect(subscriptions).to.equal(2);
    expect(sourceErrors).to.have.length(2);
    await controller.stop();
    await clock.advance(10 * SOURCE_RESUBSCRIBE_DELAY_MS);
    expect(subscriptions, 'no resubscription after stop').to.equal(2);
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
