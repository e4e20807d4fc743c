/**
 * [REQ-05] What counts as a secret, for src/security/redact.ts (logs and audit):
 * - key names: compared case-insensitively with `-` and `_` ignored, sensitive when they end with one of
 *   SENSITIVE_KEY_SUFFIXES (`privateKey`, `ssh-privatekey`, `clientSecret`, `accessToken`, `Authorization`, ...),
 *   in the singular or the plural (`privateKeys`, `passphrases`, `tokens`, `secrets`).
 *   A name that merely refers to a secret, such as `credentialsSecretRef`, is not.
 * - inside free text: private keys in any of the forms of redact-key-material.ts, `Bearer`/`Basic`
 *   credentials, passwords in URLs, and values assigned with `=` or `:` to a name that mentions a secret
 *   (`--password=...`, `token: ...`, `"apiToken": "..."`). A secret in plain prose (`--token x`) is not found.
 * Every pattern runs in time linear in the text: names are anchored at the start of a word by a lookbehind and
 * checked in code, and assigned values are scanned by hand, so a hostile string cannot stall the logger.
 */
import { REDACTED, redactKeyMaterial } from './redact-key-material.js';

export { REDACTED };

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

const HTTP_CREDENTIALS = /\b(Bearer|Basic)\s+([A-Za-z0-9._~+/=-]+)/gi;
const URL_PASSWORD = /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s/@]*@/gi;
const ASSIGNMENT = /(?<![\w-])([\w-]+)(["']?\s*[:=]\s*)/g;
const UNQUOTED_VALUE = /[^\s&,;"'}]*/y;
const ALREADY_MASKED = /(?:(?:Bearer|Basic) )?\[REDACTED\]/iy;
const MIN_BASIC_CREDENTIAL_LENGTH = 8;

function normalizedName(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, '');
}

/** True when a value stored under `key` must never be shown. */
export function isSensitiveKey(key: string): boolean {
  const normalized = normalizedName(key);
  const singular = normalized.endsWith('s') ? normalized.slice(0, -1) : normalized;
  return SENSITIVE_KEY_SUFFIXES.some((suffix) => normalized.endsWith(suffix) || singular.endsWith(suffix));
}

/** Masks key material and credentials found anywhere inside a free-form string. */
export function redactString(text: string): string {
  const withoutKeysAndHeaders = redactKeyMaterial(text)
    .replace(HTTP_CREDENTIALS, (match: string, scheme: string, credential: string) =>
      scheme.toLowerCase() === 'basic' && credential.length < MIN_BASIC_CREDENTIAL_LENGTH ? match : `${scheme} ${REDACTED}`)
    .replace(URL_PASSWORD, (_match, userPart: string) => `${userPart}:${REDACTED}@`);
  return redactAssignedSecrets(withoutKeysAndHeaders);
}

/** Replaces the value after `name=`, `name: ` or `"name": ` when the name mentions a secret. */
function redactAssignedSecrets(text: string): string {
  let result = '';
  let copiedUpTo = 0;
  for (const match of text.matchAll(ASSIGNMENT)) {
    const name = match[1] ?? '';
    if (match.index < copiedUpTo || !SENSITIVE_KEY_SUFFIXES.some((word) => normalizedName(name).includes(word))) continue;
    const valueStart = match.index + match[0].length;
    ALREADY_MASKED.lastIndex = valueStart;
    if (ALREADY_MASKED.test(text)) continue;
    const valueEnd = endOfValue(text, valueStart);
    if (valueEnd === valueStart) continue;
    const quote = text[valueStart] === '"' || text[valueStart] === "'" ? text[valueStart] : '';
    result += `${text.slice(copiedUpTo, valueStart)}${quote}${REDACTED}${quote}`;
    copiedUpTo = valueEnd;
  }
  return result + text.slice(copiedUpTo);
}

/** End of a quoted value (after its closing quote, or the end of the text) or of an unquoted word. */
function endOfValue(text: string, start: number): number {
  const quote = text[start];
  if (quote === '"' || quote === "'") {
    const close = text.indexOf(quote, start + 1);
    return close < 0 ? text.length : close + 1;
  }
  UNQUOTED_VALUE.lastIndex = start;
  return start + (UNQUOTED_VALUE.exec(text)?.[0].length ?? 0);
}
