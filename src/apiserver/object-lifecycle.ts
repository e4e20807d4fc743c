/**
 * [REQ-01] Pure metadata rules of the apiserver's create/update strategies: uid, creationTimestamp,
 * generateName, generation bumps on spec changes only, status kept on main writes, only status on /status.
 */
import { randomUUID } from 'node:crypto';
import { badRequest, invalid } from './status-errors.js';
import { apiVersionOf, type KubeObject, type ResourceType } from './types.js';

const NAME_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const SYSTEM_FIELDS = ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation'] as const;

export function timestamp(now: Date): string {
  return `${now.toISOString().slice(0, 19)}Z`;
}

function generatedName(prefix: string): string {
  let suffix = '';
  for (let i = 0; i < 5; i += 1) suffix += NAME_SUFFIX_ALPHABET[Math.floor(Math.random() * NAME_SUFFIX_ALPHABET.length)];
  return `${prefix}${suffix}`;
}

/** Checks apiVersion/kind/namespace of a request body against the URL and fills what the URL implies. */
export function checkIdentity(type: ResourceType, namespace: string | undefined, body: KubeObject): void {
  if (body.kind !== undefined && body.kind !== type.kind) throw badRequest(`the API version in the data (${body.apiVersion}) does not match the expected API version (${apiVersionOf(type)})`);
  if (body.apiVersion !== undefined && body.apiVersion !== apiVersionOf(type)) throw badRequest(`the API version in the data (${body.apiVersion}) does not match the expected API version (${apiVersionOf(type)})`);
  body.apiVersion = apiVersionOf(type);
  body.kind = type.kind;
  body.metadata = body.metadata ?? {};
  if (!type.namespaced) {
    delete body.metadata.namespace;
    return;
  }
  if (body.metadata.namespace !== undefined && body.metadata.namespace !== '' && body.metadata.namespace !== namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  body.metadata.namespace = namespace;
}

export function initializeForCreate(type: ResourceType, body: KubeObject, now: Date): KubeObject {
  const object = structuredClone(body);
  const meta = object.metadata;
  if (!meta.name) {
    if (!meta.generateName) throw invalid(type, '', [{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
    meta.name = generatedName(meta.generateName);
  }
  for (const field of SYSTEM_FIELDS) delete meta[field];
  delete meta.resourceVersion;
  delete meta.managedFields;
  meta.uid = randomUUID();
  meta.creationTimestamp = timestamp(now);
  if (type.custom) meta.generation = 1;
  if (type.hasStatus && type.custom) delete object.status;
  if (type.plural === 'namespaces') object.status = { phase: 'Active' };
  return object;
}

/** JSON with object keys sorted at every level: equal for semantically equal objects whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

function withoutMetadataAndStatus(object: KubeObject): string {
  const rest: Record<string, unknown> = { ...object };
  delete rest.metadata;
  delete rest.status;
  return canonicalJson(rest);
}

/**
 * The object an update would store: main writes keep stored status and system metadata; `/status` writes
 * change only status.
 */
export function mergeForUpdate(type: ResourceType, old: KubeObject, incoming: KubeObject, subresource: string): KubeObject {
  let next: KubeObject;
  if (subresource === 'status') {
    next = structuredClone(old);
    if (incoming.status === undefined) delete next.status;
    else next.status = structuredClone(incoming.status);
  } else {
    next = structuredClone(incoming);
    for (const field of SYSTEM_FIELDS) {
      if (old.metadata[field] === undefined) delete next.metadata[field];
      else (next.metadata as Record<string, unknown>)[field] = structuredClone(old.metadata[field]);
    }
    if (type.hasStatus) {
      if (old.status === undefined) delete next.status;
      else next.status = structuredClone(old.status);
    }
  }
  next.metadata.resourceVersion = old.metadata.resourceVersion;
  return next;
}

/** Custom resources: generation grows when anything but metadata and status changed (after defaulting). */
export function bumpGeneration(type: ResourceType, old: KubeObject, next: KubeObject): void {
  if (type.custom && withoutMetadataAndStatus(next) !== withoutMetadataAndStatus(old)) next.metadata.generation = (old.metadata.generation ?? 1) + 1;
}

/** True when the write changes nothing but managedFields timestamps: the apiserver then skips it. */
export function isNoop(old: KubeObject, next: KubeObject): boolean {
  const strip = (o: KubeObject): string => canonicalJson({ ...o, metadata: { ...o.metadata, managedFields: (o.metadata.managedFields ?? []).map((e) => ({ ...e, time: '' })) } });
  return strip(old) === strip(next);
}

/** Secrets: `stringData` is write-only and merged into base64 `data`; `type` defaults to Opaque. */
export function normalizeSecret(object: KubeObject): void {
  const stringData = object.stringData as Record<string, string> | undefined;
  if (stringData !== undefined) {
    const data = (object.data as Record<string, string> | undefined) ?? {};
    for (const [key, value] of Object.entries(stringData)) data[key] = Buffer.from(value, 'utf8').toString('base64');
    object.data = data;
    delete object.stringData;
  }
  object.type = object.type || 'Opaque';
}
