import { expect } from 'chai';
import { schemaMessage } from '../../../src/apiserver/openapi-v2-protobuf.js';
import { toV2Schema } from '../../../src/apiserver/openapi-v2.js';

describe('[REQ-01] /openapi/v2 document: v3 schemas converted, gnostic protobuf encoding', () => {
  it('drops v3-only keywords at every depth and points $refs at #/definitions/', () => {
    const v3 = {
      type: 'object',
      nullable: true,
      properties: {
        meta: { allOf: [{ $ref: '#/components/schemas/io.k8s.ObjectMeta' }] },
        list: { type: 'array', items: { type: 'string', nullable: true, oneOf: [{ pattern: 'a' }] } },
        map: { type: 'object', additionalProperties: { anyOf: [{ type: 'integer' }], type: 'string', not: { enum: ['x'] } } },
      },
      'x-kubernetes-validations': [{ rule: 'self.a > 0' }],
    };
    expect(toV2Schema(v3)).to.deep.equal({
      type: 'object',
      properties: {
        meta: { allOf: [{ $ref: '#/definitions/io.k8s.ObjectMeta' }] },
        list: { type: 'array', items: { type: 'string' } },
        map: { type: 'object', additionalProperties: { type: 'string' } },
      },
      'x-kubernetes-validations': [{ rule: 'self.a > 0' }],
    });
  });

  it('encodes fields with numbers above 15 with multi-byte tags (vendor extensions are field 31)', () => {
    const message = schemaMessage({ 'x-kubernetes-preserve-unknown-fields': true });
    // tag (31 << 3 | 2) = 250 = varint fa 01
    expect([...message.subarray(0, 2)]).to.deep.equal([0xfa, 0x01]);
    expect(message.toString('latin1')).to.contain('x-kubernetes-preserve-unknown-fields');
    expect(message.toString('latin1')).to.contain('true');
    // type is field 22 (tag 0xb2 0x01) holding TypeItem { value = 1 }
    expect([...schemaMessage({ type: 'string' })]).to.deep.equal([0xb2, 0x01, 0x08, 0x0a, 0x06, ...Buffer.from('string')]);
  });
});
