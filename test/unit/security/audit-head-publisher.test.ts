import { expect } from 'chai';
import { AuditHeadPublisher, STOP_TIMEOUT_MS, type AuditHeadPublisherOptions } from '../../../src/security/audit-head-publisher.js';
import type { ChainHead } from '../../../src/security/audit-file.js';
import { FakeClock } from '../../support/fake-clock.js';

const INTERVAL_MS = 1000;

/** An API whose patch calls are answered by `answer` (the test API server covers the real protocol). */
function api(answer: () => Promise<unknown>): { calls: number; api: AuditHeadPublisherOptions['api'] } {
  const state = { calls: 0, api: undefined as unknown as AuditHeadPublisherOptions['api'] };
  state.api = {
    patchNamespacedConfigMap: (async () => { state.calls += 1; return answer(); }) as unknown as AuditHeadPublisherOptions['api']['patchNamespacedConfigMap'],
    createNamespacedConfigMap: (async () => { throw new Error('not used'); }) as unknown as AuditHeadPublisherOptions['api']['createNamespacedConfigMap'],
  };
  return state;
}

describe('[REQ-05] AuditHeadPublisher: failures never stop the operator', () => {
  let head: ChainHead;
  let clock: FakeClock;
  beforeEach(() => {
    head = { seq: 1, lastLineHash: 'a'.repeat(64) };
    clock = new FakeClock();
  });

  function publisher(fake: ReturnType<typeof api>): AuditHeadPublisher {
    return new AuditHeadPublisher({ api: fake.api, namespace: 'ns', name: 'cm', identity: 'p', file: '/f', head: () => head, intervalMs: INTERVAL_MS, clock });
  }

  it('retries a failed write at the next tick', async () => {
    let fail = true;
    const fake = api(async () => { if (fail) throw new Error('503'); return {}; });
    const heads = publisher(fake);
    heads.start();
    head = { seq: 2, lastLineHash: 'b'.repeat(64) };
    await clock.advance(INTERVAL_MS);
    expect(fake.calls).to.equal(1);
    fail = false;
    await clock.advance(INTERVAL_MS);
    expect(fake.calls).to.equal(2);
    await clock.advance(INTERVAL_MS);
    expect(fake.calls, 'published: nothing moved since').to.equal(2);
    await heads.stop();
    expect(fake.calls).to.equal(2);
  });

  it('gives up the final write after STOP_TIMEOUT_MS when the API server does not answer', async () => {
    const fake = api(() => new Promise(() => undefined));
    const heads = publisher(fake);
    head = { seq: 2, lastLineHash: 'b'.repeat(64) };
    let stopped = false;
    const stopping = heads.stop().then(() => { stopped = true; });
    await clock.advance(STOP_TIMEOUT_MS - 1);
    expect(stopped).to.equal(false);
    await clock.advance(1);
    await stopping;
    expect(fake.calls).to.equal(1);
    expect(clock.pendingTimers).to.equal(0);
  });
});
