/**
 * [REQ-01] Defaulting and pruning of custom resources against their structural openAPIV3Schema, as the
 * apiextensions-apiserver does before validation: nulls of non-nullable fields are dropped, defaults filled in,
 * unknown fields removed and reported (for fieldValidation Strict/Warn).
 */
import { childPath, indexPath, isPlainObject } from './field-path.js';
import type { JsonSchema } from './types.js';

const OBJECT_META_FIELDS = new Set([
  'name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp',
  'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields',
]);

function childSchema(schema: JsonSchema, key: string): JsonSchema | undefined {
  const declared = schema.properties?.[key];
  if (declared !== undefined) return declared;
  return isPlainObject(schema.additionalProperties) ? (schema.additionalProperties as JsonSchema) : undefined;
}

function keepsUnknown(schema: JsonSchema): boolean {
  return schema['x-kubernetes-preserve-unknown-fields'] === true || schema.additionalProperties === true || isPlainObject(schema.additionalProperties);
}

/** Removes unknown fields in place; returns the paths of what was removed. */
export function pruneUnknownFields(value: unknown, schema: JsonSchema | undefined, path: string, unknown: string[] = []): string[] {
  if (schema === undefined) return unknown;
  if (isPlainObject(value)) {
    const embedded = schema['x-kubernetes-embedded-resource'] === true;
    for (const key of Object.keys(value)) {
      if (embedded && (key === 'apiVersion' || key === 'kind' || key === 'metadata')) continue;
      const sub = childSchema(schema, key);
      if (sub === undefined) {
        if (!keepsUnknown(schema)) {
          delete value[key];
          unknown.push(childPath(path, key));
        }
        continue;
      }
      pruneUnknownFields(value[key], sub, childPath(path, key), unknown);
    }
  } else if (Array.isArray(value) && schema.items !== undefined) {
    value.forEach((item, i) => pruneUnknownFields(item, schema.items, indexPath(path, i), unknown));
  }
  return unknown;
}

/** Drops null values of non-nullable fields, then applies defaults, recursively and in place. */
export function applyDefaults(value: unknown, schema: JsonSchema | undefined): void {
  if (schema === undefined) return;
  if (isPlainObject(value)) {
    for (const [key, sub] of Object.entries(schema.properties ?? {})) {
      if (value[key] === null && sub.nullable !== true) delete value[key];
      if (value[key] === undefined && sub.default !== undefined) value[key] = structuredClone(sub.default);
    }
    for (const key of Object.keys(value)) applyDefaults(value[key], childSchema(schema, key));
  } else if (Array.isArray(value) && schema.items !== undefined) {
    for (const item of value) applyDefaults(item, schema.items);
  }
}

/** Prunes a whole custom resource: metadata keeps only ObjectMeta fields, the rest follows the schema. */
export function pruneObject(object: Record<string, unknown>, schema: JsonSchema | undefined): string[] {
  const unknown: string[] = [];
  for (const key of Object.keys(object)) {
    if (key === 'apiVersion' || key === 'kind') continue;
    if (key === 'metadata') {
      const metadata = object.metadata;
      if (isPlainObject(metadata)) {
        for (const metaKey of Object.keys(metadata)) {
          if (!OBJECT_META_FIELDS.has(metaKey)) {
            delete metadata[metaKey];
            unknown.push(`metadata.${metaKey}`);
          }
        }
      }
      continue;
    }
    if (schema === undefined) continue;
    const sub = childSchema(schema, key);
    if (sub === undefined) {
      if (!keepsUnknown(schema)) {
        delete object[key];
        unknown.push(key);
      }
    } else pruneUnknownFields(object[key], sub, key, unknown);
  }
  return unknown;
}
