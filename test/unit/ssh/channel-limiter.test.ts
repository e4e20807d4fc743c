import { expect } from 'chai';
import { ChannelLimiter, RAISE_AFTER_ACCEPTED, type ChannelSlot } from '../../../src/ssh/channel-limiter.js';

async function acceptedSlots(limiter: ChannelLimiter, count: number): Promise<ChannelSlot[]> {
  const slots: ChannelSlot[] = [];
  for (let i = 0; i < count; i += 1) {
    const slot = await limiter.acquire();
    slot.accepted();
    slots.push(slot);
  }
  return slots;
}

describe('[REQ-02] channel limiter', () => {
  it('grants up to its capacity at once and queues the rest in FIFO order', async () => {
    const limiter = new ChannelLimiter(2);
    const first = await limiter.acquire();
    const second = await limiter.acquire();
    const order: number[] = [];
    const third = limiter.acquire().then((slot) => (order.push(3), slot));
    const fourth = limiter.acquire().then((slot) => (order.push(4), slot));
    await Promise.resolve();
    expect(limiter.active).to.equal(2);
    expect(limiter.waiting).to.equal(2);
    first.release();
    (await third).release();
    second.release();
    (await fourth).release();
    expect(order).to.deep.equal([3, 4]);
    expect(limiter.active).to.equal(0);
    expect(limiter.peakActive).to.equal(2);
  });

  it('ignores a second release of the same slot', async () => {
    const limiter = new ChannelLimiter(1);
    const slot = await limiter.acquire();
    slot.release();
    slot.release();
    slot.refused();
    expect(limiter.active).to.equal(0);
    expect(limiter.limit).to.equal(1);
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
    held.release();
    expect(limiter.active).to.equal(0);
  });

  it('rejects a capacity below one', () => {
    expect(() => new ChannelLimiter(0)).to.throw(RangeError);
  });

  it('lowers the cap on a refusal to the channels the server holds open, and reports it', async () => {
    const changes: Array<[number, string]> = [];
    const limiter = new ChannelLimiter(8, (limit, change) => changes.push([limit, change]));
    const open = await acceptedSlots(limiter, 2);
    const pending = await limiter.acquire();
    pending.refused();
    expect(limiter.limit).to.equal(2);
    expect(limiter.active).to.equal(2);
    expect(changes).to.deep.equal([[2, 'lowered']]);
    const waiting = limiter.acquire();
    await Promise.resolve();
    expect(limiter.waiting, 'the lowered cap is full').to.equal(1);
    open[0]?.release();
    (await waiting).release();
    open[1]?.release();
  });

  it('keeps the cap at the most channels the server held at once, even when a refusal follows a close', async () => {
    const limiter = new ChannelLimiter(2);
    const [first, second] = await acceptedSlots(limiter, 2);
    first?.release();
    second?.release();
    const third = await limiter.acquire();
    third.accepted();
    (await limiter.acquire()).refused();
    expect(limiter.limit, 'sshd had not yet freed a slot: the server did hold two at once').to.equal(2);
    third.release();
  });

  it('never lowers the cap below one, even when no channel is open', async () => {
    const limiter = new ChannelLimiter(2);
    (await limiter.acquire()).refused();
    expect(limiter.limit).to.equal(1);
    (await limiter.acquire()).refused();
    expect(limiter.limit).to.equal(1);
  });

  it(`raises a lowered cap by one after ${RAISE_AFTER_ACCEPTED} channels accepted in a row, up to the capacity`, async () => {
    const changes: Array<[number, string]> = [];
    const limiter = new ChannelLimiter(2, (limit, change) => changes.push([limit, change]));
    (await limiter.acquire()).refused();
    expect(limiter.limit).to.equal(1);
    for (let i = 0; i < RAISE_AFTER_ACCEPTED - 1; i += 1) (await acceptedSlots(limiter, 1))[0]?.release();
    expect(limiter.limit, 'one short of the threshold').to.equal(1);
    const held = await limiter.acquire();
    const waiting = limiter.acquire();
    await Promise.resolve();
    expect(limiter.waiting).to.equal(1);
    held.accepted();
    expect(limiter.limit).to.equal(2);
    expect(limiter.waiting, 'the raised cap admits the waiter at once').to.equal(0);
    held.release();
    (await waiting).release();
    for (let i = 0; i < RAISE_AFTER_ACCEPTED * 2; i += 1) (await acceptedSlots(limiter, 1))[0]?.release();
    expect(limiter.limit, 'never above the capacity').to.equal(2);
    expect(changes).to.deep.equal([[1, 'lowered'], [2, 'raised']]);
  });

  it('starts counting again after a refusal', async () => {
    const limiter = new ChannelLimiter(3);
    const open = await acceptedSlots(limiter, 1);
    (await limiter.acquire()).refused();
    expect(limiter.limit).to.equal(1);
    open[0]?.release();
    for (let i = 0; i < RAISE_AFTER_ACCEPTED - 1; i += 1) (await acceptedSlots(limiter, 1))[0]?.release();
    (await limiter.acquire()).refused();
    for (let i = 0; i < RAISE_AFTER_ACCEPTED - 1; i += 1) (await acceptedSlots(limiter, 1))[0]?.release();
    expect(limiter.limit).to.equal(1);
  });
});
