import { expect } from 'chai';
import { reconnectDelay } from '../../../src/ssh/reconnect-delay.js';

const backoff = { baseDelayMs: 200, maxDelayMs: 30_000 };

describe('[REQ-06] reconnect backoff', () => {
  const cases: Array<{ name: string; failures: number; random: number; expected: number }> = [
    { name: 'no failure means no wait', failures: 0, random: 0.5, expected: 0 },
    { name: 'first failure waits between half and all of the base delay (low jitter)', failures: 1, random: 0, expected: 100 },
    { name: 'first failure waits between half and all of the base delay (high jitter)', failures: 1, random: 1, expected: 200 },
    { name: 'the delay doubles with each failure', failures: 4, random: 1, expected: 1600 },
    { name: 'the delay is capped at maxDelayMs', failures: 20, random: 1, expected: 30_000 },
    { name: 'a huge failure count does not overflow', failures: 5000, random: 0, expected: 15_000 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(reconnectDelay(c.failures, backoff, () => c.random)).to.equal(c.expected);
    });
  }
});
