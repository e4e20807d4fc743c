/**
 * [REQ-01] PATCH requests: merge patch, JSON patch, strategic merge patch (core kinds only; custom resources get
 * 415 like the real apiserver) and server-side apply, which may also create the object.
 */
import yaml from 'js-yaml';
import { serverSideApply } from './managed-fields.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from './patches.js';
import type { ResourceService, WriteOptions, WriteResult } from './resource-service.js';
import { ApiError, badRequest, unsupportedMediaType } from './status-errors.js';
import { apiVersionOf, typeKeyOf, type KubeObject, type ResourceType } from './types.js';

export const MERGE_PATCH = 'application/merge-patch+json';
export const JSON_PATCH = 'application/json-patch+json';
export const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';
export const APPLY_PATCH = 'application/apply-patch+yaml';

export function patchTypesOf(type: ResourceType): string[] {
  return type.custom ? [JSON_PATCH, MERGE_PATCH, APPLY_PATCH] : [JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, APPLY_PATCH];
}

export interface PatchRequest {
  type: ResourceType;
  namespace: string | undefined;
  name: string;
  contentType: string;
  body: string;
  subresource: string;
  force: boolean;
  options: WriteOptions;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (error) {
    throw badRequest(`error decoding patch: ${(error as Error).message}`);
  }
}

function appliedConfiguration(request: PatchRequest): KubeObject {
  let parsed: unknown;
  try {
    parsed = yaml.load(request.body);
  } catch (error) {
    throw badRequest(`error decoding YAML: ${(error as Error).message}`);
  }
  const applied = parsed as KubeObject;
  if (typeof applied !== 'object' || applied === null) throw badRequest('apply patch must be an object');
  if (applied.apiVersion !== apiVersionOf(request.type) || applied.kind !== request.type.kind) {
    throw badRequest(`error decoding YAML: the API version or kind in the data (${applied.apiVersion}, ${applied.kind}) does not match the expected ${apiVersionOf(request.type)}, ${request.type.kind}`);
  }
  applied.metadata = applied.metadata ?? {};
  if (applied.metadata.name !== undefined && applied.metadata.name !== request.name) {
    throw badRequest(`the name of the object (${applied.metadata.name}) does not match the name on the URL (${request.name})`);
  }
  applied.metadata.name = request.name;
  if (request.type.namespaced) applied.metadata.namespace = request.namespace;
  if (request.subresource === 'status') return { apiVersion: applied.apiVersion, kind: applied.kind, metadata: applied.metadata, status: applied.status };
  if (request.type.hasStatus) delete applied.status;
  return applied;
}

function serverSide(service: ResourceService, request: PatchRequest, current: KubeObject | undefined): WriteResult {
  if (request.options.fieldManager === '') throw badRequest('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
  const applied = appliedConfiguration(request);
  const who = service.manager(request.options.fieldManager, request.subresource, request.type);
  if (current === undefined) {
    if (request.subresource === 'status') throw new ApiError(404, 'NotFound', `${request.type.plural} "${request.name}" not found`);
    const skeleton: KubeObject = { apiVersion: applied.apiVersion, kind: applied.kind, metadata: { name: request.name, ...(request.type.namespaced ? { namespace: request.namespace } : {}) } };
    const merged = serverSideApply(skeleton, applied, request.type.schema, who, request.force);
    return service.create(request.type, request.namespace, merged, request.options, merged.metadata.managedFields);
  }
  const merged = serverSideApply(current, applied, request.type.schema, who, request.force);
  delete merged.metadata.resourceVersion;
  if (applied.metadata.resourceVersion !== undefined) merged.metadata.resourceVersion = applied.metadata.resourceVersion;
  return service.update(request.type, current, merged, request.subresource, request.options, merged.metadata.managedFields);
}

export function patchObject(service: ResourceService, request: PatchRequest): WriteResult {
  const mediaType = request.contentType.split(';')[0]!.trim();
  if (!patchTypesOf(request.type).includes(mediaType)) throw unsupportedMediaType(mediaType, patchTypesOf(request.type));
  const current = service.store.get(typeKeyOf(request.type), request.namespace, request.name);
  if (mediaType === APPLY_PATCH) return serverSide(service, request, current);
  if (current === undefined) service.get(request.type, request.namespace, request.name);
  const base = current!;
  const patch = parseJson(request.body);
  const patched =
    mediaType === JSON_PATCH ? applyJsonPatch(base, patch) : mediaType === MERGE_PATCH ? applyMergePatch(base, patch) : applyStrategicMergePatch(base, patch);
  const incoming = patched as KubeObject;
  if (typeof incoming !== 'object' || incoming === null || Array.isArray(incoming)) throw badRequest('patch result is not an object');
  incoming.metadata = incoming.metadata ?? {};
  return service.update(request.type, base, incoming, request.subresource, request.options);
}
