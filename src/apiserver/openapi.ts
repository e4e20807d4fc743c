/**
 * [REQ-01] OpenAPI documents: `/openapi/v3` (index) and one v3 document per group-version with the kinds'
 * schemas (tagged with x-kubernetes-group-version-kind, which `kubectl explain` needs) and PATCH operations that
 * list their patch types and the `fieldValidation` parameter (so kubectl apply relies on server-side validation).
 */
import { createHash } from 'node:crypto';
import { patchTypesOf } from './patch-service.js';
import type { ResourceRegistry } from './resource-registry.js';
import type { JsonSchema, ResourceType } from './types.js';

export const OBJECT_META_REF = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
export const OBJECT_META_SCHEMA: JsonSchema = {
  description: 'ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.',
  type: 'object',
  properties: {
    name: { type: 'string', description: 'Name must be unique within a namespace.' },
    generateName: { type: 'string', description: 'GenerateName is an optional prefix, used by the server, to generate a unique name.' },
    namespace: { type: 'string', description: 'Namespace defines the space within which each name must be unique.' },
    labels: { type: 'object', additionalProperties: { type: 'string' }, description: 'Map of string keys and values.' },
    annotations: { type: 'object', additionalProperties: { type: 'string' }, description: 'Annotations is an unstructured key value map.' },
    finalizers: { type: 'array', items: { type: 'string' }, description: 'Must be empty before the object is deleted from the registry.' },
    uid: { type: 'string' },
    resourceVersion: { type: 'string' },
    generation: { type: 'integer', format: 'int64' },
    creationTimestamp: { type: 'string', format: 'date-time' },
    deletionTimestamp: { type: 'string', format: 'date-time' },
  },
};
const QUERY_PARAMETERS = ['dryRun', 'fieldManager', 'fieldValidation', 'force'].map((name) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } }));

export function schemaName(type: ResourceType): string {
  const group = type.group === '' ? 'io.k8s.api.core' : type.group.split('.').reverse().join('.');
  return `${group}.${type.version}.${type.kind}`;
}

export function kindSchema(type: ResourceType): JsonSchema {
  const base: JsonSchema = type.schema ?? { type: 'object', description: `${type.kind} of the core API.`, 'x-kubernetes-preserve-unknown-fields': true };
  return {
    ...base,
    properties: {
      ...(base.properties ?? {}),
      apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' },
      kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' },
      metadata: { allOf: [{ $ref: `#/components/schemas/${OBJECT_META_REF}` }], description: "Standard object's metadata." },
    },
    'x-kubernetes-group-version-kind': [{ group: type.group, kind: type.kind, version: type.version }],
  };
}

function paths(type: ResourceType): Record<string, unknown> {
  const prefix = type.group === '' ? `/api/${type.version}` : `/apis/${type.group}/${type.version}`;
  const collection = type.namespaced ? `${prefix}/namespaces/{namespace}/${type.plural}` : `${prefix}/${type.plural}`;
  const gvk = { group: type.group, version: type.version, kind: type.kind };
  const ref = { $ref: `#/components/schemas/${schemaName(type)}` };
  const content = (mediaTypes: string[]): Record<string, unknown> => Object.fromEntries(mediaTypes.map((m) => [m, { schema: ref }]));
  const operation = (action: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    operationId: `${action}${type.kind}`,
    responses: { '200': { description: 'OK', content: content(['application/json']) } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
    ...extra,
  });
  const write = { parameters: QUERY_PARAMETERS, requestBody: { content: content(['application/json']) } };
  return {
    [collection]: { get: operation('list'), post: operation('post', write) },
    [`${collection}/{name}`]: {
      get: operation('get'),
      put: operation('put', write),
      delete: operation('delete'),
      patch: operation('patch', { parameters: QUERY_PARAMETERS, requestBody: { content: content(patchTypesOf(type)) } }),
    },
  };
}

export function groupVersionDocument(registry: ResourceRegistry, group: string, version: string): Record<string, unknown> | undefined {
  const types = registry.inGroupVersion(group, version);
  if (types.length === 0) return undefined;
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths: Object.assign({}, ...types.map(paths)),
    components: { schemas: { [OBJECT_META_REF]: OBJECT_META_SCHEMA, ...Object.fromEntries(types.map((t) => [schemaName(t), kindSchema(t)])) } },
  };
}

export function openApiIndex(registry: ResourceRegistry): Record<string, unknown> {
  const entries: [string, { serverRelativeURL: string }][] = [];
  for (const type of registry.types) {
    const key = type.group === '' ? `api/${type.version}` : `apis/${type.group}/${type.version}`;
    if (entries.some(([k]) => k === key)) continue;
    const hash = createHash('sha256').update(JSON.stringify(groupVersionDocument(registry, type.group, type.version))).digest('hex').slice(0, 32).toUpperCase();
    entries.push([key, { serverRelativeURL: `/openapi/v3/${key}?hash=${hash}` }]);
  }
  return { paths: Object.fromEntries(entries) };
}
