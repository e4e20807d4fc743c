import { expect } from 'chai';
import { ReconcileRateLimiter } from '../../../src/controller/rate-limiter.js';
import { WorkQueue } from '../../../src/controller/workqueue.js';
import { FakeClock, flushMicrotasks } from '../../support/fake-clock.js';

const backoff = { baseDelayMs: 5, maxDelayMs: 1000, globalQps: 10, globalBurst: 100 };

function newQueue(clock = new FakeClock(), options = backoff): { queue: WorkQueue; clock: FakeClock; depths: number[] } {
  const depths: number[] = [];
  const queue = new WorkQueue({ rateLimiter: new ReconcileRateLimiter(options, clock), clock, onDepthChange: (d) => depths.push(d) });
  return { queue, clock, depths };
}

describe('[REQ-01] WorkQueue', () => {
  it('does not duplicate a key added while it waits in the queue', async () => {
    const { queue } = newQueue();
    queue.add('ns/a');
    queue.add('ns/b');
    queue.add('ns/a');
    expect(queue.depth).to.equal(2);
    expect(await queue.get()).to.equal('ns/a');
    expect(await queue.get()).to.equal('ns/b');
    expect(queue.depth).to.equal(0);
  });

  it('hands a key re-added during processing to a worker only after done, never to two workers at once', async () => {
    const { queue } = newQueue();
    queue.add('ns/a');
    const first = await queue.get();
    queue.add('ns/a');
    expect(queue.depth, 'the key stays out of the queue while processing').to.equal(0);
    let second: string | undefined;
    void queue.get().then((key) => { second = key; });
    await flushMicrotasks();
    expect(second).to.equal(undefined);
    queue.done(first as string);
    await flushMicrotasks();
    expect(second).to.equal('ns/a');
  });

  it('wakes a waiting worker when a key arrives', async () => {
    const { queue } = newQueue();
    const waiting = queue.get();
    queue.add('x');
    expect(await waiting).to.equal('x');
  });

  it('reports the queue depth as keys come and go', async () => {
    const { queue, depths } = newQueue();
    queue.add('a');
    queue.add('b');
    await queue.get();
    expect(depths).to.deep.equal([1, 2, 1]);
  });

  it('adds a key after the addAfter delay, keeping the earlier of two deadlines', async () => {
    const { queue, clock } = newQueue();
    queue.addAfter('a', 1000);
    queue.addAfter('a', 300);
    queue.addAfter('a', 2000);
    await clock.advance(299);
    expect(queue.depth).to.equal(0);
    await clock.advance(1);
    expect(queue.depth).to.equal(1);
    await queue.get();
    await clock.advance(2000);
    expect(queue.depth, 'the later deadlines were dropped').to.equal(0);
  });

  it('doubles the per-key backoff from the base delay up to the cap, and forget resets it', async () => {
    const { queue, clock } = newQueue(new FakeClock(), { ...backoff, maxDelayMs: 40 });
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      const before = clock.now();
      queue.addRateLimited('a');
      while (queue.depth === 0) await clock.advance(1);
      delays.push(clock.now() - before);
      queue.done((await queue.get()) as string);
    }
    expect(delays).to.deep.equal([5, 10, 20, 40, 40, 40]);
    expect(queue.numRequeues('a')).to.equal(6);
    queue.forget('a');
    expect(queue.numRequeues('a')).to.equal(0);
    const before = clock.now();
    queue.addRateLimited('a');
    while (queue.depth === 0) await clock.advance(1);
    expect(clock.now() - before).to.equal(5);
  });

  it('keeps backoff per key: one failing key does not slow another', () => {
    const clock = new FakeClock();
    const limiter = new ReconcileRateLimiter(backoff, clock);
    for (let i = 0; i < 5; i++) limiter.when('bad');
    expect(limiter.when('bad')).to.equal(160);
    expect(limiter.when('good')).to.equal(5);
  });

  it('takes the token bucket delay when the burst is spent and it exceeds the per-key delay', () => {
    const clock = new FakeClock();
    const limiter = new ReconcileRateLimiter({ baseDelayMs: 5, maxDelayMs: 1000, globalQps: 10, globalBurst: 3 }, clock);
    const delays = ['a', 'b', 'c', 'd', 'e'].map((key) => limiter.when(key));
    expect(delays).to.deep.equal([5, 5, 5, 100, 200]);
  });

  it('refills the token bucket with time', async () => {
    const clock = new FakeClock();
    const limiter = new ReconcileRateLimiter({ baseDelayMs: 1, maxDelayMs: 1000, globalQps: 10, globalBurst: 2 }, clock);
    limiter.when('a');
    limiter.when('b');
    expect(limiter.when('c')).to.equal(100);
    await clock.advance(1000);
    expect(limiter.when('d'), 'ten tokens refilled, capped at the burst of 2').to.equal(1);
  });

  it('on shutdown refuses new keys, drops queued ones, releases idle workers and waits for in-flight keys', async () => {
    const { queue, clock } = newQueue();
    queue.add('busy');
    const busy = await queue.get();
    queue.add('busy');
    queue.addAfter('later', 50);
    const idleWorker = queue.get();
    let drained = false;
    const shutdown = queue.shutdown().then(() => { drained = true; });
    expect(await idleWorker).to.equal(undefined);
    queue.add('new');
    await clock.advance(100);
    await flushMicrotasks();
    expect(drained, 'still waiting for the in-flight key').to.equal(false);
    queue.done(busy as string);
    await shutdown;
    expect(drained).to.equal(true);
    expect(queue.depth, 'the key re-added while processing is dropped too').to.equal(0);
    expect(await queue.get()).to.equal(undefined);
    expect(clock.pendingTimers).to.equal(0);
  });

  it('drops keys still waiting in the queue at shutdown', async () => {
    const { queue } = newQueue();
    queue.add('a');
    queue.add('b');
    await queue.shutdown();
    expect(queue.depth).to.equal(0);
    expect(await queue.get()).to.equal(undefined);
  });
});
