/**
 * [REQ-01] `/openapi/v2`: a valid Swagger 2.0 document without definitions, as JSON or, when asked for as
 * kube-openapi serves it, as gnostic protobuf (`application/com.github.proto-openapi.spec.v2.v1.0+protobuf`,
 * a media type Go's mime parser accepts). The kinds' schemas are published through /openapi/v3 only: clients
 * that validate against v2 (kubectl for `kind: List`, Argo CD) find no schema, skip client-side validation and
 * leave it to the server (fieldValidation), instead of failing on an unparsable answer.
 */
const PROTOBUF_ACCEPTED = ['application/com.github.proto-openapi.spec.v2@v1.0+protobuf', 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf'];
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

const TITLE = 'Kubernetes';
const VERSION = 'v1.32.0';

function lengthDelimited(field: number, payload: Buffer): Buffer {
  const header: number[] = [(field << 3) | 2];
  for (let n = payload.length; ; n >>>= 7) {
    if (n < 0x80) {
      header.push(n);
      break;
    }
    header.push((n & 0x7f) | 0x80);
  }
  return Buffer.concat([Buffer.from(header), payload]);
}

/** openapi.v2.Document { swagger = 1; info = 2 { title = 1; version = 2 }; paths = 8 {} }. */
function protobufDocument(): Buffer {
  const info = Buffer.concat([lengthDelimited(1, Buffer.from(TITLE)), lengthDelimited(2, Buffer.from(VERSION))]);
  return Buffer.concat([lengthDelimited(1, Buffer.from('2.0')), lengthDelimited(2, info), lengthDelimited(8, Buffer.alloc(0))]);
}

export function openApiV2(accept: string | undefined): { contentType: string; body: Buffer } {
  const wanted = (accept ?? '').split(',').map((part) => part.split(';')[0]!.trim());
  const protobuf = wanted.findIndex((type) => PROTOBUF_ACCEPTED.includes(type));
  const json = wanted.findIndex((type) => type === 'application/json' || type === '*/*' || type === 'application/*');
  if (protobuf >= 0 && (json < 0 || protobuf < json)) return { contentType: OPENAPI_V2_PROTOBUF, body: protobufDocument() };
  return { contentType: 'application/json', body: Buffer.from(JSON.stringify({ swagger: '2.0', info: { title: TITLE, version: VERSION }, paths: {}, definitions: {} })) };
}
