/**
 * [REQ-01] Field sets for managedFields: the leaf fields (and associative list items) an object sets, keyed by
 * path tokens in the FieldsV1 notation (`f:spec`, `k:{"name":"root"}`, `v:"x"`), and their FieldsV1 encoding.
 */
import { isPlainObject } from './field-path.js';
import type { JsonObject, JsonSchema } from './types.js';

/** Path (tokens joined by NUL) -> the value found there; list items are marked by a trailing `.` token. */
export type FieldSet = Map<string, unknown>;
const SEPARATOR = '\u0000';
const ITEM_MARKER = '.';

const METADATA_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    annotations: { type: 'object', additionalProperties: { type: 'string' } },
    finalizers: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
    ownerReferences: { type: 'array', items: { type: 'object' }, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['uid'] },
  },
};

function childSchema(schema: JsonSchema | undefined, key: string): JsonSchema | undefined {
  return schema?.properties?.[key] ?? (isPlainObject(schema?.additionalProperties) ? (schema?.additionalProperties as JsonSchema) : undefined);
}

function itemToken(item: unknown, schema: JsonSchema): string | undefined {
  const listType = schema['x-kubernetes-list-type'];
  if (listType === 'set') return `v:${JSON.stringify(item)}`;
  if (listType === 'map' && isPlainObject(item)) {
    const keys = Object.fromEntries((schema['x-kubernetes-list-map-keys'] ?? []).map((k) => [k, item[k]]));
    return `k:${JSON.stringify(keys)}`;
  }
  return undefined;
}

function collect(value: unknown, schema: JsonSchema | undefined, prefix: string[], out: FieldSet): void {
  if (isPlainObject(value) && Object.keys(value).length > 0 && schema?.['x-kubernetes-map-type'] !== 'atomic') {
    for (const [key, item] of Object.entries(value)) collect(item, childSchema(schema, key), [...prefix, `f:${key}`], out);
    return;
  }
  if (Array.isArray(value) && schema !== undefined && schema.items !== undefined) {
    const tokens = value.map((item) => itemToken(item, schema));
    if (tokens.every((t) => t !== undefined)) {
      value.forEach((item, i) => {
        const path = [...prefix, tokens[i]!];
        if (schema['x-kubernetes-list-type'] === 'set') out.set(path.join(SEPARATOR), item);
        else {
          out.set([...path, ITEM_MARKER].join(SEPARATOR), undefined);
          collect(item, schema.items, path, out);
        }
      });
      return;
    }
  }
  out.set(prefix.join(SEPARATOR), value);
}

/**
 * Fields of an object within a scope: `main` (everything but status when the type has a status subresource)
 * or `status`. Of metadata only labels, annotations, finalizers and ownerReferences are owned.
 */
export function fieldSetOf(object: Record<string, unknown>, schema: JsonSchema | undefined, scope: 'all' | 'main' | 'status'): FieldSet {
  const out: FieldSet = new Map();
  for (const [key, value] of Object.entries(object)) {
    if (key === 'apiVersion' || key === 'kind') continue;
    if (scope === 'status' && key !== 'status') continue;
    if (scope === 'main' && key === 'status') continue;
    if (key === 'metadata') {
      if (!isPlainObject(value)) continue;
      for (const metaKey of Object.keys(METADATA_SCHEMA.properties ?? {})) {
        if (value[metaKey] !== undefined) collect(value[metaKey], METADATA_SCHEMA.properties?.[metaKey], ['f:metadata', `f:${metaKey}`], out);
      }
      continue;
    }
    collect(value, childSchema(schema, key), [`f:${key}`], out);
  }
  return out;
}

export function toFieldsV1(paths: Iterable<string>): JsonObject {
  const root: JsonObject = {};
  for (const path of paths) {
    let node = root;
    for (const token of path.split(SEPARATOR)) {
      node[token] = (node[token] as JsonObject | undefined) ?? {};
      node = node[token] as JsonObject;
    }
  }
  return root;
}

export function fromFieldsV1(fields: JsonObject, prefix: string[] = [], out = new Set<string>()): Set<string> {
  for (const [token, child] of Object.entries(fields)) {
    const path = [...prefix, token];
    if (isPlainObject(child) && Object.keys(child).length > 0) fromFieldsV1(child as JsonObject, path, out);
    else out.add(path.join(SEPARATOR));
  }
  return out;
}

/** `.spec.disks[name="root"].size` — how conflicts name a field. */
export function renderPath(path: string): string {
  return path
    .split(SEPARATOR)
    .filter((token) => token !== ITEM_MARKER)
    .map((token) => {
      if (token.startsWith('f:')) return `.${token.slice(2)}`;
      if (token.startsWith('v:')) return `[=${token.slice(2)}]`;
      if (token.startsWith('k:')) {
        const keys = JSON.parse(token.slice(2)) as Record<string, unknown>;
        return `[${Object.entries(keys).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
      }
      return token;
    })
    .join('');
}

function isEmptyContainer(value: unknown): boolean {
  return (Array.isArray(value) && value.length === 0) || (isPlainObject(value) && Object.keys(value).length === 0);
}

function removeChild(parent: unknown, token: string): void {
  if (token.startsWith('f:') && isPlainObject(parent)) delete parent[token.slice(2)];
  else if (Array.isArray(parent)) {
    const index = parent.findIndex((item) => matchesItemToken(item, token));
    if (index >= 0) parent.splice(index, 1);
  }
}

function child(parent: unknown, token: string): unknown {
  if (token.startsWith('f:') && isPlainObject(parent)) return parent[token.slice(2)];
  return Array.isArray(parent) ? parent.find((item) => matchesItemToken(item, token)) : undefined;
}

/**
 * Removes the field at `path` from `object` in place (leaf, set element or list item), then removes the
 * containers this left empty, except top-level fields such as `spec`.
 */
export function removeField(object: Record<string, unknown>, path: string): void {
  const tokens = path.split(SEPARATOR).filter((t) => t !== ITEM_MARKER);
  const chain: unknown[] = [object];
  for (const token of tokens.slice(0, -1)) {
    const next = child(chain[chain.length - 1], token);
    if (next === undefined) return;
    chain.push(next);
  }
  for (let depth = tokens.length - 1; depth >= 0; depth -= 1) {
    removeChild(chain[depth], tokens[depth]!);
    if (depth <= 1 || !isEmptyContainer(chain[depth])) return;
  }
}

function matchesItemToken(item: unknown, token: string): boolean {
  if (token.startsWith('v:')) return JSON.stringify(item) === token.slice(2);
  if (token.startsWith('k:') && isPlainObject(item)) {
    return Object.entries(JSON.parse(token.slice(2)) as Record<string, unknown>).every(([k, v]) => JSON.stringify(item[k]) === JSON.stringify(v));
  }
  return false;
}
