import { expect } from 'chai';
import { SshChannelRefusedError, SshConnectError } from '../../../src/errors/ssh-errors.js';
import { createMetricsRegistry, createOperatorMetrics } from '../../../src/observability/metrics.js';
import { RAISE_AFTER_ACCEPTED } from '../../../src/ssh/channel-limiter.js';
import { CHANNEL_OPEN_ATTEMPTS, CHANNEL_RETRY_BACKOFF, ChannelOpener } from '../../../src/ssh/channel-opener.js';
import { FakeClock, flushMicrotasks } from '../../support/fake-clock.js';

function refusal(): SshChannelRefusedError {
  return new SshChannelRefusedError('h1', 'the server refused to open a channel: (SSH) Channel open failure: open failed');
}

/** random() = 1 makes the jittered backoff its full exponential value: baseDelayMs, then twice that, ... */
function setUp(capacity: number) {
  const clock = new FakeClock();
  const registry = createMetricsRegistry();
  const warnings: Array<[string, Record<string, unknown>]> = [];
  const logger = { warn: (message: string, meta: Record<string, unknown>) => warnings.push([message, meta]) };
  const opener = new ChannelOpener('h1', capacity, {
    clock,
    random: () => 1,
    metrics: createOperatorMetrics(registry),
    logger: logger as never,
  });
  const metric = async (name: string): Promise<number | undefined> =>
    (await registry.getSingleMetric(name)?.get())?.values.find((v) => v.labels['host'] === 'h1')?.value;
  return { clock, opener, warnings, metric };
}

describe('[REQ-02][REQ-06] channel opener: refused channel opens wait and retry', () => {
  it('retries a refused open after a backoff on the clock, and returns the channel opened then', async () => {
    const { clock, opener, metric } = setUp(4);
    const answers: Array<'refuse' | 'open'> = ['refuse', 'refuse', 'open'];
    let calls = 0;
    let done = false;
    const opened = opener.open(async () => {
      calls += 1;
      if (answers.shift() === 'refuse') throw refusal();
      return 'channel';
    }).then((result) => ((done = true), result));
    await flushMicrotasks();
    expect(calls).to.equal(1);
    await clock.advance(CHANNEL_RETRY_BACKOFF.baseDelayMs - 1);
    expect(calls, 'no retry before the first backoff has passed').to.equal(1);
    await clock.advance(1);
    expect(calls).to.equal(2);
    await clock.advance(CHANNEL_RETRY_BACKOFF.baseDelayMs * 2);
    expect(calls).to.equal(3);
    expect(done).to.equal(true);
    const { value, release } = await opened;
    expect(value).to.equal('channel');
    expect(opener.stats).to.include({ active: 1, limit: 1 });
    release();
    expect(opener.stats.active).to.equal(0);
    expect(await metric('virtfleet_ssh_channel_refusals_total')).to.equal(2);
    expect(await metric('virtfleet_ssh_channel_limit')).to.equal(1);
    expect(await metric('virtfleet_ssh_channels_in_use')).to.equal(0);
  });

  it(`gives up after ${CHANNEL_OPEN_ATTEMPTS} refusals in a row with an error that names MaxSessions`, async () => {
    const { clock, opener } = setUp(2);
    let calls = 0;
    const opened = opener.open(async () => {
      calls += 1;
      throw refusal();
    });
    let failure: unknown;
    opened.catch((error: unknown) => (failure = error));
    await clock.advance(60_000);
    expect(calls).to.equal(CHANNEL_OPEN_ATTEMPTS);
    expect(failure).to.be.instanceOf(SshChannelRefusedError);
    expect((failure as Error).message).to.match(/refused 10 channel opens in a row.*MaxSessions/);
    expect(opener.stats.active).to.equal(0);
  });

  it('does not retry other failures and frees their slot', async () => {
    const { opener } = setUp(1);
    let calls = 0;
    let failure: unknown;
    await opener.open(async () => {
      calls += 1;
      throw new SshConnectError('h1', 'connection lost');
    }).catch((error: unknown) => (failure = error));
    expect(calls).to.equal(1);
    expect(failure).to.be.instanceOf(SshConnectError);
    expect(opener.stats.active).to.equal(0);
  });

  it('leaves the backoff when the caller aborts', async () => {
    const { opener } = setUp(1);
    const controller = new AbortController();
    const opened = opener.open(async () => {
      throw refusal();
    }, controller.signal);
    let failure: unknown;
    opened.catch((error: unknown) => (failure = error));
    await flushMicrotasks();
    controller.abort(new Error('reconcile cancelled'));
    await flushMicrotasks();
    expect((failure as Error).message).to.equal('reconcile cancelled');
  });

  it('logs once per host that the server accepts fewer sessions than maxSessionsPerHost', async () => {
    const { clock, opener, warnings } = setUp(8);
    const held: Array<() => void> = [];
    let accept = 2;
    const open = (): Promise<number> =>
      opener.open(async () => {
        if (accept <= 0) throw refusal();
        accept -= 1;
        return 'channel';
      }).then(({ release }) => held.push(release));
    const attempts = Array.from({ length: 6 }, open);
    await flushMicrotasks();
    expect(opener.stats.limit, 'lowered to the two channels the server accepted').to.equal(2);
    accept = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 3; i += 1) {
      held.splice(0).forEach((release) => release());
      await clock.advance(1000);
    }
    await Promise.all(attempts);
    held.splice(0).forEach((release) => release());
    for (let i = 0; i < RAISE_AFTER_ACCEPTED; i += 1) (await opener.open(async () => 'channel')).release();
    expect(opener.stats.limit, 'raised again after enough accepted opens').to.equal(3);
    accept = 0;
    const again = open();
    await flushMicrotasks();
    expect(opener.stats.limit, 'lowered a second time').to.equal(2);
    accept = Number.POSITIVE_INFINITY;
    await clock.advance(1000);
    await again;
    held.splice(0).forEach((release) => release());
    expect(warnings).to.have.length(1);
    expect(warnings[0]?.[0]).to.equal('ssh server allows fewer sessions than maxSessionsPerHost');
    expect(warnings[0]?.[1]).to.include({ host: 'h1', maxSessionsPerHost: 8, acceptedSessions: 2 });
  });
});
