/**
 * [REQ-01] Validation of a custom resource against its openAPIV3Schema, producing field errors worded like the
 * real apiserver (`spec.runStrategy: Unsupported value: "x": supported values: "Always", ...`).
 */
import { childPath, indexPath, isPlainObject } from './field-path.js';
import type { StatusCause } from './status-errors.js';
import type { JsonSchema } from './types.js';

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value === 'object' ? 'object' : typeof value;
}

function render(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(typeName(value));
}

function invalidCause(path: string, value: unknown, detail: string): StatusCause {
  return { reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${render(value)}: ${detail}` };
}

function hasType(value: unknown, schema: JsonSchema): boolean {
  if (schema['x-kubernetes-int-or-string'] === true) return typeof value === 'string' || Number.isInteger(value);
  switch (schema.type) {
    case undefined:
      return true;
    case 'object':
      return isPlainObject(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    default:
      return typeof value === schema.type;
  }
}

function validateScalar(value: unknown, schema: JsonSchema, path: string, causes: StatusCause[]): void {
  if (schema.enum !== undefined && !schema.enum.some((allowed) => JSON.stringify(allowed) === JSON.stringify(value))) {
    const supported = schema.enum.map((v) => JSON.stringify(v)).join(', ');
    causes.push({ reason: 'FieldValueNotSupported', field: path, message: `Unsupported value: ${render(value)}: supported values: ${supported}` });
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && (schema.exclusiveMinimum ? value <= schema.minimum : value < schema.minimum)) {
      causes.push(invalidCause(path, value, `${path} in body should be greater than ${schema.exclusiveMinimum ? '' : 'or equal to '}${schema.minimum}`));
    }
    if (schema.maximum !== undefined && (schema.exclusiveMaximum ? value >= schema.maximum : value > schema.maximum)) {
      causes.push(invalidCause(path, value, `${path} in body should be less than ${schema.exclusiveMaximum ? '' : 'or equal to '}${schema.maximum}`));
    }
  }
  if (typeof value === 'string') {
    const length = [...value].length;
    if (schema.minLength !== undefined && length < schema.minLength) {
      causes.push(invalidCause(path, value, `${path} in body should be at least ${schema.minLength} chars long`));
    }
    if (schema.maxLength !== undefined && length > schema.maxLength) {
      causes.push({ reason: 'FieldValueTooLong', field: path, message: `Too long: may not be more than ${schema.maxLength} bytes` });
    }
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) {
      causes.push(invalidCause(path, value, `${path} in body should match '${schema.pattern}'`));
    }
  }
}

function validateObject(value: Record<string, unknown>, schema: JsonSchema, path: string, causes: StatusCause[]): void {
  for (const key of schema.required ?? []) {
    if (value[key] === undefined) causes.push({ reason: 'FieldValueRequired', field: childPath(path, key), message: 'Required value' });
  }
  const count = Object.keys(value).length;
  if (schema.minProperties !== undefined && count < schema.minProperties) {
    causes.push(invalidCause(path, value, `${path} in body should have at least ${schema.minProperties} properties`));
  }
  if (schema.maxProperties !== undefined && count > schema.maxProperties) {
    causes.push({ reason: 'FieldValueTooMany', field: path, message: `Too many: ${count}: must have at most ${schema.maxProperties} items` });
  }
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue;
    const declared = schema.properties?.[key];
    if (declared !== undefined) validateValue(item, declared, childPath(path, key), causes);
    else if (isPlainObject(schema.additionalProperties)) validateValue(item, schema.additionalProperties as JsonSchema, indexPath(path, key), causes);
  }
}

function validateArray(value: unknown[], schema: JsonSchema, path: string, causes: StatusCause[]): void {
  if (schema.minItems !== undefined && value.length < schema.minItems) {
    causes.push(invalidCause(path, value.length, `${path} in body should have at least ${schema.minItems} items`));
  }
  if (schema.maxItems !== undefined && value.length > schema.maxItems) {
    causes.push({ reason: 'FieldValueTooMany', field: path, message: `Too many: ${value.length}: must have at most ${schema.maxItems} items` });
  }
  const listType = schema['x-kubernetes-list-type'];
  const keys = schema['x-kubernetes-list-map-keys'] ?? [];
  const seen = new Set<string>();
  value.forEach((item, i) => {
    const identity = listType === 'set' ? JSON.stringify(item) : listType === 'map' && isPlainObject(item) ? JSON.stringify(keys.map((k) => item[k])) : undefined;
    if (identity !== undefined) {
      if (seen.has(identity)) causes.push({ reason: 'FieldValueDuplicate', field: indexPath(path, i), message: `Duplicate value: ${listType === 'set' ? render(item) : `map[string]interface {}${identity}`}` });
      seen.add(identity);
    }
    if (schema.items !== undefined) validateValue(item, schema.items, indexPath(path, i), causes);
  });
}

/** Appends one cause per violation found in `value` (at field path `path`). */
export function validateValue(value: unknown, schema: JsonSchema, path: string, causes: StatusCause[]): void {
  if (value === null && schema.nullable === true) return;
  if (!hasType(value, schema)) {
    const expected = schema['x-kubernetes-int-or-string'] === true ? 'integer,string' : schema.type;
    const actual = JSON.stringify(typeName(value));
    causes.push({ reason: 'FieldValueTypeInvalid', field: path, message: `Invalid value: ${actual}: ${path} in body must be of type ${expected}: ${actual}` });
    return;
  }
  if (isPlainObject(value)) validateObject(value, schema, path, causes);
  else if (Array.isArray(value)) validateArray(value, schema, path, causes);
  else validateScalar(value, schema, path, causes);
}

/** Validates everything but apiVersion, kind and metadata of a custom resource. */
export function validateObjectAgainstSchema(object: Record<string, unknown>, schema: JsonSchema | undefined): StatusCause[] {
  const causes: StatusCause[] = [];
  if (schema === undefined) return causes;
  const body = Object.fromEntries(Object.entries(object).filter(([k]) => k !== 'apiVersion' && k !== 'kind' && k !== 'metadata'));
  const bodySchema: JsonSchema = { ...schema, properties: Object.fromEntries(Object.entries(schema.properties ?? {}).filter(([k]) => k !== 'apiVersion' && k !== 'kind' && k !== 'metadata')) };
  validateObject(body, bodySchema, '', causes);
  return causes;
}
