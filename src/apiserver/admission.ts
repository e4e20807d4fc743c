/**
 * [REQ-01] Admission of a written object: unknown-field handling per `fieldValidation` (Strict rejects, Warn
 * warns, Ignore prunes silently) for custom and built-in kinds, the built-in decoder's checks, metadata
 * validation, defaulting, schema validation and CEL rules, finalizer rules while deleting.
 */
import { evaluateCelRules } from './cel-rules.js';
import { decodeBuiltin, validateDataKeys, validateMetadata } from './core-validation.js';
import { validateObjectAgainstSchema } from './schema-validation.js';
import { badRequest, invalid, type StatusCause } from './status-errors.js';
import { applyDefaults, pruneObject } from './structural-schema.js';
import type { KubeObject, ResourceType } from './types.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function parseFieldValidation(value: string | null): FieldValidation {
  if (value === null || value === '') return 'Warn';
  if (value === 'Strict' || value === 'Warn' || value === 'Ignore') return value;
  throw badRequest(`fieldValidation parameter unsupported: ${value}`);
}

/** Prunes and defaults `object` in place, validates it, and returns the warnings to send back. */
export function admit(type: ResourceType, object: KubeObject, old: KubeObject | undefined, fieldValidation: FieldValidation): string[] {
  const unknown = pruneObject(object, type.schema);
  const unknownMessages = unknown.map((path) => `unknown field "${path}"`);
  if (unknown.length > 0 && fieldValidation === 'Strict') throw badRequest(`strict decoding error: ${unknownMessages.join(', ')}`);
  if (!type.custom && type.schema !== undefined) decodeBuiltin(type, object, type.schema);
  const name = object.metadata.name ?? object.metadata.generateName ?? '';
  const causes: StatusCause[] = [...validateMetadata(type, object), ...validateDataKeys(type, object)];
  if (old !== undefined && old.metadata.deletionTimestamp !== undefined) {
    const added = (object.metadata.finalizers ?? []).filter((f) => !(old.metadata.finalizers ?? []).includes(f));
    if (added.length > 0) {
      causes.push({
        reason: 'FieldValueForbidden',
        field: 'metadata.finalizers',
        message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`,
      });
    }
  }
  if (type.custom && type.schema !== undefined) {
    applyDefaults(object, type.schema);
    causes.push(...validateObjectAgainstSchema(object, type.schema));
    if (causes.length === 0) evaluateCelRules(object, old, type.schema, '', causes);
  }
  if (causes.length > 0) throw invalid(type, name, causes);
  return fieldValidation === 'Warn' ? unknownMessages : [];
}
