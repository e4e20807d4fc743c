import { expect } from 'chai';
import { BUILTIN_TYPES } from '../../../src/apiserver/builtin-types.js';
import { decodeBuiltin, validateDataKeys, validateMetadata } from '../../../src/apiserver/core-validation.js';
import type { KubeObject, ResourceType } from '../../../src/apiserver/types.js';
import { transition } from '../../../src/apiserver/watch-hub.js';

const type = (plural: string, group = ''): ResourceType => BUILTIN_TYPES.find((t) => t.plural === plural && t.group === group)!;
const fields = (causes: { field?: string }[]): (string | undefined)[] => causes.map((c) => c.field);

describe('[REQ-01] API server checks of built-in kinds and metadata', () => {
  const metadataCases: [string, string, KubeObject['metadata'], string[]][] = [
    ['a lowercase name and good labels', 'configmaps', { name: 'a.b-c', labels: { 'example.com/tier': 'Hot_1', plain: '' }, annotations: { 'Example.com/Note': 'x' } }, []],
    ['an uppercase name', 'configmaps', { name: 'Web' }, ['metadata.name']],
    ['a Namespace name with a dot', 'namespaces', { name: 'a.b' }, ['metadata.name']],
    ['a label key with a space and a bad value', 'configmaps', { name: 'a', labels: { 'bad key': 'x', ok: 'not ok!' } }, ['metadata.labels', 'metadata.labels']],
    ['a label key with two slashes', 'configmaps', { name: 'a', labels: { 'a/b/c': 'x' } }, ['metadata.labels']],
    ['an annotation key with an uppercase prefix that is not a subdomain', 'configmaps', { name: 'a', annotations: { 'bad_prefix/x': 'y' } }, ['metadata.annotations']],
  ];
  for (const [what, plural, metadata, expected] of metadataCases) {
    it(`metadata: ${what}`, () => expect(fields(validateMetadata(type(plural), { metadata }))).to.deep.equal(expected));
  }

  it('refuses data keys that are not config keys', () => {
    expect(fields(validateDataKeys(type('configmaps'), { metadata: {}, data: { 'a/b': 'x', ok: 'y' }, binaryData: { 'c d': '' } }))).to.deep.equal(['data[a/b]', 'binaryData[c d]']);
  });

  const decodeCases: [string, string, string, Record<string, unknown>, RegExp | undefined][] = [
    ['base64 Secret data', 'secrets', '', { data: { a: 'aGVsbG8=' } }, undefined],
    ['Secret data that is not base64', 'secrets', '', { data: { a: 'hello!' } }, /illegal base64 data in data\[a\]/],
    ['a number in ConfigMap data', 'configmaps', '', { data: { a: 1 } }, /data\[a\] in body must be of type string/],
    ['binaryData that is not base64', 'configmaps', '', { binaryData: { a: '***' } }, /illegal base64/],
    ['a Lease with microsecond times', 'leases', 'coordination.k8s.io', { spec: { renewTime: '2026-01-01T00:00:00.123456Z', leaseDurationSeconds: 15 } }, undefined],
    ['a Lease with a string duration', 'leases', 'coordination.k8s.io', { spec: { leaseDurationSeconds: '15' } }, /must be of type integer/],
    ['a Lease with a date only', 'leases', 'coordination.k8s.io', { spec: { acquireTime: '2026-01-01' } }, /spec.acquireTime: parsing time "2026-01-01"/],
    ['a core Event with null eventTime', 'events', '', { eventTime: null, count: 1 }, undefined],
  ];
  for (const [what, plural, group, body, error] of decodeCases) {
    it(`decoding: ${what}`, () => {
      const t = type(plural, group);
      const decode = (): void => decodeBuiltin(t, { metadata: { name: 'x' }, ...body }, t.schema!);
      if (error === undefined) expect(decode).to.not.throw();
      else expect(decode).to.throw(error).with.property('code', 400);
    });
  }
});

describe('[REQ-01] API server selector watches decide from the object before and after', () => {
  const object = (tier: string): KubeObject => ({ metadata: { name: 'a', labels: { tier } } });
  const hot = (o: KubeObject): boolean => o.metadata.labels?.tier === 'hot';
  const cases: [string, 'ADDED' | 'MODIFIED' | 'DELETED', KubeObject, KubeObject | undefined, string | undefined][] = [
    ['starts matching', 'MODIFIED', object('hot'), object('cold'), 'ADDED'],
    ['stops matching', 'MODIFIED', object('cold'), object('hot'), 'DELETED'],
    ['keeps matching', 'MODIFIED', object('hot'), object('hot'), 'MODIFIED'],
    ['never matches', 'MODIFIED', object('cold'), object('cold'), undefined],
    ['is created matching', 'ADDED', object('hot'), undefined, 'ADDED'],
    ['is deleted while matching', 'DELETED', object('hot'), object('hot'), 'DELETED'],
    ['is deleted not matching', 'DELETED', object('cold'), object('cold'), undefined],
  ];
  for (const [what, type, now, previous, expected] of cases) {
    it(`an object that ${what}: ${expected ?? 'nothing'}`, () => {
      expect(transition({ type, typeKey: '/configmaps', resourceVersion: 2, object: now, ...(previous === undefined ? {} : { previous }) }, hot)).to.equal(expected);
    });
  }
});
