/**
 * [REQ-01] Turns ajv validation errors into problems stated in plain words: the key path and what was expected,
 * e.g. `unknown key 'keepAlive' (did you mean 'keepalive'?)` or `expected integer >= 1, got string "eight"`.
 * Needs an ajv instance with `verbose: true` (errors then carry the offending value and its schema).
 */
import type { ErrorObject } from 'ajv';
import { formatKeyPath, segmentsOfJsonPointer, type KeyPathSegment } from './key-path.js';
import { nearestName } from './nearest-name.js';

/** A problem inside one file, before it is given the file name and a position. */
export interface FieldProblem {
  path: KeyPathSegment[];
  message: string;
}

interface LeafSchema {
  type?: string;
  enum?: readonly unknown[];
  description?: string;
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  minLength?: number;
  minItems?: number;
  properties?: Record<string, unknown>;
}

/** One problem per key path (the first ajv reports), in the order ajv found them. */
export function problemsFromSchemaErrors(errors: readonly ErrorObject[], document: unknown): FieldProblem[] {
  const byPath = new Map<string, FieldProblem>();
  for (const error of errors) {
    const problem = problemFromSchemaError(error, segmentsOfJsonPointer(error.instancePath, document));
    const key = formatKeyPath(problem.path);
    if (!byPath.has(key)) byPath.set(key, problem);
  }
  return [...byPath.values()];
}

function problemFromSchemaError(error: ErrorObject, path: KeyPathSegment[]): FieldProblem {
  const schema = (error.parentSchema ?? {}) as LeafSchema;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(error.params.additionalProperty);
      const suggestion = nearestName(key, Object.keys(schema.properties ?? {}));
      return { path: [...path, key], message: `unknown key '${key}'${suggestion === undefined ? '' : ` (did you mean '${suggestion}'?)`}` };
    }
    case 'uniqueItems': {
      const [first, repeated] = [Number(error.params.i), Number(error.params.j)].sort((a, b) => a - b) as [number, number];
      return { path: [...path, repeated], message: `duplicate of ${formatKeyPath([...path, first])}` };
    }
    case 'type':
    case 'enum':
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'minLength':
    case 'pattern':
    case 'minItems':
      return { path, message: `expected ${describeExpected(schema)}, got ${describeValue(error.data)}` };
    default:
      return { path, message: error.message ?? `invalid (${error.keyword})` };
  }
}

/** What a schema accepts, in words: `integer >= 1`, `one of a, b`, `an absolute path`, `list of at least 1 item`. */
export function describeExpected(schema: LeafSchema): string {
  if (schema.enum !== undefined) return `one of ${schema.enum.join(', ')}`;
  if (schema.description !== undefined) return schema.description;
  switch (schema.type) {
    case 'integer':
    case 'number': {
      const bounds = [
        schema.minimum === undefined ? undefined : `>= ${schema.minimum}`,
        schema.exclusiveMinimum === undefined ? undefined : `> ${schema.exclusiveMinimum}`,
        schema.maximum === undefined ? undefined : `<= ${schema.maximum}`,
      ].filter((bound) => bound !== undefined);
      return [schema.type, bounds.join(' and ')].filter((part) => part !== '').join(' ');
    }
    case 'string':
      return (schema.minLength ?? 0) > 0 ? 'non-empty string' : 'string';
    case 'array': {
      const minItems = schema.minItems ?? 0;
      return minItems > 0 ? `list of at least ${minItems} item${minItems === 1 ? '' : 's'}` : 'list';
    }
    case 'object':
      return 'mapping';
    default:
      return schema.type ?? 'a valid value';
  }
}

const MAX_QUOTED_LENGTH = 60;

/** The value found, in words: `string "eight"`, `0`, `true`, `null`, `a list`, `an empty list`, `a mapping`. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') {
    const shown = value.length > MAX_QUOTED_LENGTH ? `${value.slice(0, MAX_QUOTED_LENGTH)}...` : value;
    return `string ${JSON.stringify(shown)}`;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (value instanceof Date) return 'a date';
  return 'a mapping';
}
