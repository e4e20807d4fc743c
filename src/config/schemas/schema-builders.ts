/**
 * [REQ-01] Small builders for the configuration schemas, so each schema file reads as a list of keys with their
 * constraint and default. `description` on a leaf is the plain-words expectation used in error messages.
 */

/** An integer no smaller than `minimum` (and no larger than `maximum` when given). */
export function integerSchema(defaultValue: number, minimum: number, maximum?: number) {
  return maximum === undefined
    ? ({ type: 'integer', minimum, default: defaultValue } as const)
    : ({ type: 'integer', minimum, maximum, default: defaultValue } as const);
}

/** A number strictly greater than zero. */
export function positiveNumberSchema(defaultValue: number) {
  return { type: 'number', exclusiveMinimum: 0, default: defaultValue } as const;
}

export function booleanSchema(defaultValue: boolean) {
  return { type: 'boolean', default: defaultValue } as const;
}

/** A non-empty string; with `pattern`, `description` says in words what the pattern accepts. */
export function stringSchema(defaultValue: string, pattern?: { pattern: string; description: string }) {
  return { type: 'string', minLength: 1, default: defaultValue, ...pattern } as const;
}

export const ABSOLUTE_PATH = { pattern: '^/', description: 'an absolute path' } as const;

/** Kubernetes object and namespace names (RFC 1123 label). */
export const DNS_LABEL = {
  pattern: '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$',
  description: 'a name of at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit',
} as const;

export function enumSchema<T extends string>(values: readonly T[], defaultValue: T) {
  return { ...enumItemSchema(values), default: defaultValue } as const;
}

/** One of `values`, as the item of a list (no default of its own). */
export function enumItemSchema<T extends string>(values: readonly T[]) {
  return { type: 'string', enum: values } as const;
}

/** A list without duplicates whose items follow `items`. */
export function listSchema<I extends object, T>(items: I, defaultValue: T[], minItems = 0) {
  return { type: 'array', items, uniqueItems: true, minItems, default: defaultValue } as const;
}

/**
 * A whole configuration file: a mapping that rejects unknown keys. `required` lists every key only to tie the schema
 * to the TypeScript type; each key has a default, which ajv assigns before it checks `required`.
 */
export function fileSchema<P extends Record<string, object>>(properties: P) {
  return {
    type: 'object',
    additionalProperties: false,
    properties,
    required: Object.keys(properties) as Array<keyof P & string>,
  } as const;
}

/**
 * A mapping inside a file. It defaults to `{}`, which ajv then fills with the defaults of its own keys; `{}` is typed
 * `never` because JSONSchemaType wants a complete object as the default of a mapping.
 */
export function mappingSchema<P extends Record<string, object>>(properties: P) {
  return { ...fileSchema(properties), default: {} as never } as const;
}
