/**
 * [REQ-01] `/openapi/v2`: a Swagger 2.0 document whose definitions are the served kinds (the CRDs' structural
 * schemas, the built-in kinds' field schemas, ObjectMeta), each tagged with x-kubernetes-group-version-kind, so
 * `kubectl explain --output=plaintext-openapiv2`, client-side validation and Argo CD find the fields. As JSON, or,
 * when asked for as kube-openapi serves it, as gnostic protobuf (openapi-v2-protobuf.ts). v3-only keywords are
 * converted as kube-apiserver does for CRDs: `nullable` and the combinators v2 lacks (oneOf, anyOf, not) dropped,
 * `$ref`s pointed at #/definitions/. The document is built once per set of served types.
 */
import { kindSchema, OBJECT_META_REF, OBJECT_META_SCHEMA, schemaName } from './openapi.js';
import { documentMessage, type SwaggerDocument } from './openapi-v2-protobuf.js';
import type { ResourceRegistry } from './resource-registry.js';
import type { JsonSchema, ResourceType } from './types.js';

const PROTOBUF_ACCEPTED = ['application/com.github.proto-openapi.spec.v2@v1.0+protobuf', 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf'];
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';
const V3_ONLY = new Set(['nullable', 'oneOf', 'anyOf', 'not']);

/** A v3 schema as a v2 one (recursively). */
export function toV2Schema(schema: JsonSchema): JsonSchema {
  const converted: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema as Record<string, unknown>)) {
    if (V3_ONLY.has(key)) continue;
    if (key === '$ref' && typeof value === 'string') converted[key] = value.replace('#/components/schemas/', '#/definitions/');
    else if ((key === 'items' || key === 'additionalProperties') && typeof value === 'object' && value !== null) converted[key] = toV2Schema(value as JsonSchema);
    else if (key === 'properties' && typeof value === 'object' && value !== null) converted[key] = Object.fromEntries(Object.entries(value as Record<string, JsonSchema>).map(([name, property]) => [name, toV2Schema(property)]));
    else if (key === 'allOf' && Array.isArray(value)) converted[key] = (value as JsonSchema[]).map(toV2Schema);
    else converted[key] = value;
  }
  return converted as JsonSchema;
}

export function swaggerDocument(types: readonly ResourceType[]): SwaggerDocument {
  const definitions: Record<string, JsonSchema> = { [OBJECT_META_REF]: OBJECT_META_SCHEMA };
  for (const type of types) definitions[schemaName(type)] = toV2Schema(kindSchema(type));
  return { swagger: '2.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths: {}, definitions };
}

interface Rendered {
  types: readonly ResourceType[];
  json: Buffer;
  protobuf: Buffer;
}
const rendered = new WeakMap<ResourceRegistry, Rendered>();

function render(registry: ResourceRegistry): Rendered {
  const cached = rendered.get(registry);
  if (cached !== undefined && cached.types.length === registry.types.length && cached.types.every((type, index) => type === registry.types[index])) return cached;
  const document = swaggerDocument(registry.types);
  const fresh = { types: [...registry.types], json: Buffer.from(JSON.stringify(document)), protobuf: documentMessage(document) };
  rendered.set(registry, fresh);
  return fresh;
}

export function openApiV2(registry: ResourceRegistry, accept: string | undefined): { contentType: string; body: Buffer } {
  const wanted = (accept ?? '').split(',').map((part) => part.split(';')[0]!.trim());
  const protobuf = wanted.findIndex((type) => PROTOBUF_ACCEPTED.includes(type));
  const json = wanted.findIndex((type) => type === 'application/json' || type === '*/*' || type === 'application/*');
  const document = render(registry);
  if (protobuf >= 0 && (json < 0 || protobuf < json)) return { contentType: OPENAPI_V2_PROTOBUF, body: document.protobuf };
  return { contentType: 'application/json', body: document.json };
}
