/**
 * [REQ-05] Redaction of secrets, shared by the logger and the audit log (what counts as a secret is in
 * redact-rules.ts). Nothing that passes through `redact` can carry key material, passphrases or tokens out:
 * - a value under a sensitive key name is replaced by `[REDACTED]`, whatever its type;
 * - every string, anywhere in the tree, goes through `redactString`;
 * - in an array of strings, the elements after one that opens a private key (its header line) up to the one
 *   that closes it are replaced whole, so a key split into one line per element leaks no line;
 * - Errors become plain objects {name, message, stack, cause, own fields}, redacted the same way; binary
 *   buffers are never dumped; cycles become `[Circular]`. The input is never modified.
 */
import { endsKeyBlock, startsKeyBlock } from './redact-key-material.js';
import { REDACTED, isSensitiveKey, redactString } from './redact-rules.js';

/** Returns a JSON-safe, redacted deep copy of `value`. */
export function redact(value: unknown): unknown {
  return redactWithin(value, new WeakSet<object>());
}

/** Redacts every field of a record; keys are kept, values under sensitive keys are replaced. */
export function redactFields(fields: Record<string, unknown>): Record<string, unknown> {
  return redactObject(fields, new WeakSet<object>());
}

function redactWithin(value: unknown, ancestors: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactString(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (value === null || typeof value !== 'object') return value;
  if (ancestors.has(value)) return '[Circular]';
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `[binary ${value.byteLength} bytes]`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  ancestors.add(value);
  try {
    if (Array.isArray(value)) return redactArray(value, ancestors);
    if (value instanceof Map) return redactObject(Object.fromEntries(value), ancestors);
    if (value instanceof Set) return [...value].map((item) => redactWithin(item, ancestors) ?? null);
    if (value instanceof Error) return redactObject(errorFields(value), ancestors);
    if (hasToJson(value)) return redactWithin(value.toJSON(), ancestors);
    return redactObject(value as Record<string, unknown>, ancestors);
  } finally {
    ancestors.delete(value);
  }
}

function redactArray(items: readonly unknown[], ancestors: WeakSet<object>): unknown[] {
  let insideKey = false;
  return items.map((item) => {
    if (typeof item !== 'string') return redactWithin(item, ancestors) ?? null;
    if (insideKey) {
      insideKey = !endsKeyBlock(item);
      return REDACTED;
    }
    insideKey = startsKeyBlock(item);
    return redactString(item);
  });
}

function redactObject(fields: Record<string, unknown>, ancestors: WeakSet<object>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [key, fieldValue] of Object.entries(fields)) {
    const redacted = isSensitiveKey(key) ? REDACTED : redactWithin(fieldValue, ancestors);
    if (redacted !== undefined) copy[key] = redacted;
  }
  return copy;
}

function errorFields(error: Error): Record<string, unknown> {
  const fields: Record<string, unknown> = { name: error.name, message: error.message, stack: error.stack };
  if (error.cause !== undefined) fields.cause = error.cause;
  for (const [key, fieldValue] of Object.entries(error)) fields[key] = fieldValue;
  return fields;
}

function hasToJson(value: object): value is { toJSON(): unknown } {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}
