import { expect } from 'chai';
import { TransferJobs } from '../../../../src/controllers/image-transfer/transfer-jobs.js';
import { FakeClock } from '../../../support/fake-clock.js';
import { FakeJob } from './transfer-test-doubles.js';
import type { TransferPlan } from '../../../../src/transfer/transfer-plan.js';

const plan = { destinations: [{ host: { name: 'hv1' }, path: '/p' }] } as unknown as TransferPlan;

describe('[REQ-01][REQ-04] running transfer jobs: progress wakes a key at most once per second, the end at once', () => {
  it('folds a burst of progress into one wake per second and measures the rate', async () => {
    const clock = new FakeClock();
    const jobs = new TransferJobs(clock);
    const woken: number[] = [];
    jobs.wakes().subscribe(() => woken.push(clock.now()));
    const job = new FakeJob(plan);
    const started = clock.now();
    const running = jobs.add('apps/img', 'uid', job, new Map());
    expect(woken).to.deep.equal([started]);
    for (let i = 1; i <= 10; i++) {
      await clock.advance(100);
      job.update(100, () => ({ phase: 'Transferring', bytesSent: i * 1000 }));
    }
    expect(woken).to.deep.equal([started, started + 1000]);
    expect(running.rateBytesPerSecond).to.equal(10_000);
    await clock.advance(50);
    job.update(100, () => ({ phase: 'Succeeded', verified: true }));
    await Promise.resolve();
    await Promise.resolve();
    expect(woken.at(-1)).to.equal(started + 1050);
  });

  it('stopAll stops jobs without cancelling them (their staged files stay for a resume)', async () => {
    const jobs = new TransferJobs(new FakeClock());
    const job = new FakeJob(plan);
    jobs.add('apps/img', 'uid', job, new Map());
    await jobs.stopAll();
    expect([job.stopped, job.cancelled, jobs.get('apps/img')]).to.deep.equal([true, false, undefined]);
  });
});
