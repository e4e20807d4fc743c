import { expect } from 'chai';
import { editDistance, nearestName } from '../../../src/config/nearest-name.js';

describe('[REQ-01] configuration key suggestions', () => {
  const KEYS = ['keepalive', 'maxSessionsPerHost', 'connectTimeoutMs', 'commandTimeoutMs', 'reconnect'];

  const cases: Array<[string, string | undefined]> = [
    ['keepAlive', 'keepalive'],
    ['maxSessionPerHost', 'maxSessionsPerHost'],
    ['conectTimeoutMs', 'connectTimeoutMs'],
    ['reconect', 'reconnect'],
    ['firmware', undefined],
    ['x', undefined],
  ];
  for (const [typed, expected] of cases) {
    it(`suggests ${expected === undefined ? 'nothing' : `'${expected}'`} for '${typed}'`, () => {
      expect(nearestName(typed, KEYS)).to.equal(expected);
    });
  }

  it('computes the Levenshtein distance', () => {
    expect(editDistance('kitten', 'sitting')).to.equal(3);
    expect(editDistance('', 'abc')).to.equal(3);
    expect(editDistance('same', 'same')).to.equal(0);
  });
});
