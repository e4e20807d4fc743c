import { expect } from 'chai';
import { ChannelLimiter } from '../../../src/ssh/channel-limiter.js';

describe('[REQ-02] channel limiter', () => {
  it('grants up to its capacity at once and queues the rest in FIFO order', async () => {
    const limiter = new ChannelLimiter(2);
    const first = await limiter.acquire();
    const second = await limiter.acquire();
    const order: number[] = [];
    const third = limiter.acquire().then((release) => (order.push(3), release));
    const fourth = limiter.acquire().then((release) => (order.push(4), release));
    await Promise.resolve();
    expect(limiter.active).to.equal(2);
    expect(limiter.waiting).to.equal(2);
    first();
    (await third)();
    second();
    (await fourth)();
    expect(order).to.deep.equal([3, 4]);
    expect(limiter.active).to.equal(0);
    expect(limiter.peakActive).to.equal(2);
  });

  it('ignores a second release of the same slot', async () => {
    const limiter = new ChannelLimiter(1);
    const release = await limiter.acquire();
    release();
    release();
    expect(limiter.active).to.equal(0);
  });

  it('removes an aborted waiter from the queue and rejects it with the abort reason', async () => {
    const limiter = new ChannelLimiter(1);
    const held = await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort(new Error('caller gave up'));
    let rejected: unknown;
    try {
      await waiting;
    } catch (error) {
      rejected = error;
    }
    expect((rejected as Error).message).to.equal('caller gave up');
    expect(limiter.waiting).to.equal(0);
    held();
    expect(limiter.active).to.equal(0);
  });

  it('rejects a capacity below one', () => {
    expect(() => new ChannelLimiter(0)).to.throw(RangeError);
  });
});
