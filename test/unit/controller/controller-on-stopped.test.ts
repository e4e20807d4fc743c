import { expect } from 'chai';
import { Subject } from 'rxjs';
import { Controller } from '../../../src/controller/controller.js';
import type { ReconcileRequest } from '../../../src/controller/reconciler.js';
import { FakeClock, flushMicrotasks } from '../../support/fake-clock.js';

describe('[REQ-01] Controller onStopped: runs after every stop, once the workers are done', () => {
  it('runs after an in-flight reconcile ended, on each stop (leadership lost, then shutdown)', async () => {
    const order: string[] = [];
    const source = new Subject<ReconcileRequest>();
    const controller = new Controller({
      name: 'test', workers: 1, backoff: { baseDelayMs: 5, maxDelayMs: 1000, globalQps: 10, globalBurst: 100 }, clock: new FakeClock(), sources: [source],
      reconciler: {
        reconcile: (_request, ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => {
          order.push('reconcile aborted');
          resolve({});
        }, { once: true })),
      },
      onStopped: async () => {
        order.push('onStopped');
      },
    });
    controller.start();
    source.next({ name: 'x' });
    await flushMicrotasks();
    await controller.stop();
    controller.start();
    await controller.stop();
    await controller.stop();
    expect(order).to.deep.equal(['reconcile aborted', 'onStopped', 'onStopped']);
  });
});
