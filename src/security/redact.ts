/**
 * [REQ-05] Redaction of secrets, shared by the logger and the audit log. Nothing that passes through
 * `redact` can carry key material, passphrases or tokens out:
 * - a value under a sensitive key name is replaced by `[REDACTED]`, whatever its type. Key names are compared
 *   case-insensitively with `-` and `_` ignored, and match when they end with one of SENSITIVE_KEY_SUFFIXES
 *   (`privateKey`, `ssh-privatekey`, `clientSecret`, `accessToken`, `Authorization`, ...). A name that merely
 *   refers to a secret, such as `credentialsSecretRef`, is kept.
 * - in every string, anywhere in the tree, PEM private-key blocks (even cut off before their END line),
 *   `Bearer`/`Basic` credentials, passwords in URLs and assignments such as `password=...` or
 *   `"token": "..."` are masked.
 * - Errors become plain objects {name, message, stack, cause, own fields}, redacted the same way; binary
 *   buffers are never dumped; cycles become `[Circular]`. The input is never modified.
 */

export const REDACTED = '[REDACTED]';

export const SENSITIVE_KEY_SUFFIXES: readonly string[] = [
  'privatekey',
  'passphrase',
  'password',
  'passwd',
  'token',
  'secret',
  'authorization',
  'bearer',
  'apikey',
  'cookie',
  'credential',
  'credentials',
];

const PEM_PRIVATE_KEY = /-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----(?:[\s\S]*?-----END ([A-Z0-9]+ )*PRIVATE KEY-----|[\s\S]*$)/g;
const HTTP_CREDENTIALS = /\b(Bearer\s+[A-Za-z0-9._~+/=-]+|Basic\s+[A-Za-z0-9+/=]{8,})/gi;
const ASSIGNED_SECRET = /\b([\w-]*(?:password|passphrase|passwd|secret|token|apikey|api-key)[\w-]*["']?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s&,;"'}]+)/gi;
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s/@]*@/gi;

/** True when a value stored under `key` must never be shown. */
export function isSensitiveKey(key: string): boolean {
  const normalized = key.toLowerCase().replace(/[-_]/g, '');
  return SENSITIVE_KEY_SUFFIXES.some((suffix) => normalized.endsWith(suffix));
}

/** Masks key material and credentials found anywhere inside a free-form string. */
export function redactString(text: string): string {
  return text
    .replace(PEM_PRIVATE_KEY, `-----BEGIN PRIVATE KEY----- ${REDACTED}`)
    .replace(HTTP_CREDENTIALS, (match: string) => `${match.split(/\s/, 1)[0] ?? ''} ${REDACTED}`)
    .replace(ASSIGNED_SECRET, (_match, assignment: string, assigned: string) => `${assignment}${quoted(assigned, REDACTED)}`)
    .replace(URL_PASSWORD, (_match, userPart: string) => `${userPart}:${REDACTED}@`);
}

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
    if (Array.isArray(value)) return value.map((item) => redactWithin(item, ancestors) ?? null);
    if (value instanceof Map) return redactObject(Object.fromEntries(value), ancestors);
    if (value instanceof Set) return [...value].map((item) => redactWithin(item, ancestors) ?? null);
    if (value instanceof Error) return redactObject(errorFields(value), ancestors);
    if (hasToJson(value)) return redactWithin(value.toJSON(), ancestors);
    return redactObject(value as Record<string, unknown>, ancestors);
  } finally {
    ancestors.delete(value);
  }
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

function quoted(original: string, replacement: string): string {
  const quote = original[0] === '"' || original[0] === "'" ? original[0] : '';
  return `${quote}${replacement}${quote}`;
}

function hasToJson(value: object): value is { toJSON(): unknown } {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}
