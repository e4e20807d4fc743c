import { expect } from 'chai';
import { matchesLabelSelector } from '../../../src/api/v1alpha1/label-selector.js';
import type { LabelSelector } from '../../../src/api/v1alpha1/meta.js';
import { quantityToBytes } from '../../../src/api/v1alpha1/quantity.js';
import { InvalidSpecError } from '../../../src/errors/invalid-spec-error.js';

describe('[REQ-01] quantities parse once into bytes', () => {
  const cases: Array<[string | number, number]> = [
    ['512Mi', 512 * 2 ** 20], ['2Gi', 2 * 2 ** 30], ['1G', 1e9], ['1k', 1000], ['1.5Gi', 1.5 * 2 ** 30], [1048576, 1048576], ['1e6', 1e6], ['+4Ki', 4096],
  ];
  for (const [input, bytes] of cases) it(`${input} is ${bytes} bytes`, () => expect(quantityToBytes('spec.memory', input)).to.equal(bytes));
  for (const bad of ['lots', '1.5', '0', '-1Gi', '1Zi', '']) {
    it(`'${bad}' is an InvalidSpecError naming the field`, () => expect(() => quantityToBytes('spec.memory', bad)).to.throw(InvalidSpecError, 'spec.memory'));
  }
});

describe('[REQ-01] label selectors match as in Kubernetes', () => {
  const labels = { zone: 'a', gpu: 'yes' };
  const cases: Array<[string, LabelSelector, boolean]> = [
    ['empty selector matches all', {}, true],
    ['matchLabels equal', { matchLabels: { zone: 'a' } }, true],
    ['matchLabels differ', { matchLabels: { zone: 'b' } }, false],
    ['In', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }, true],
    ['In misses', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['c'] }] }, false],
    ['NotIn', { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, false],
    ['NotIn on an absent key', { matchExpressions: [{ key: 'rack', operator: 'NotIn', values: ['a'] }] }, true],
    ['Exists', { matchExpressions: [{ key: 'gpu', operator: 'Exists' }] }, true],
    ['DoesNotExist', { matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist' }] }, false],
    ['all must hold', { matchLabels: { zone: 'a' }, matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist' }] }, false],
  ];
  for (const [name, selector, expected] of cases) it(name, () => expect(matchesLabelSelector(selector, labels)).to.equal(expected));
});
