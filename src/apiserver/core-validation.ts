/**
 * [REQ-01] Checks of kube-apiserver that apply to the kinds served here: object names (RFC 1123 subdomain, or
 * label for Namespaces), label and annotation keys and label values (422 Invalid with one cause per field), and
 * for built-in kinds what the real decoder refuses with 400 BadRequest: field values of the wrong type, Secret
 * and binary ConfigMap data that is not base64, times that do not parse; plus their data keys.
 */
import { validateObjectAgainstSchema } from './schema-validation.js';
import { badRequest, type StatusCause } from './status-errors.js';
import type { JsonSchema, KubeObject, ResourceType } from './types.js';

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

const SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MESSAGE =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const NAME_PART_MESSAGE =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MESSAGE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const CONFIG_KEY_MESSAGE = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

function invalidValue(field: string, value: string, message: string): StatusCause {
  return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: ${message}` };
}

function keyProblems(key: string): string[] {
  const parts = key.split('/');
  if (parts.length > 2) return [NAME_PART_MESSAGE];
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]!];
  const problems: string[] = [];
  if (prefix !== undefined && (prefix.length > 253 || !SUBDOMAIN.test(prefix))) problems.push(`prefix part ${SUBDOMAIN_MESSAGE}`);
  if (name.length === 0) problems.push('name part must be non-empty');
  else if (name.length > 63) problems.push('name part must be no more than 63 characters');
  else if (!QUALIFIED_NAME.test(name)) problems.push(NAME_PART_MESSAGE);
  return problems;
}

/** Field errors of metadata: name, label keys and values, annotation keys. */
export function validateMetadata(type: ResourceType, object: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const name = object.metadata.name ?? '';
  const namespaceKind = type.group === '' && type.plural === 'namespaces';
  if (namespaceKind ? name.length > 63 || !DNS_LABEL.test(name) : name.length > 253 || !SUBDOMAIN.test(name)) {
    causes.push(invalidValue('metadata.name', name, namespaceKind ? LABEL_MESSAGE : SUBDOMAIN_MESSAGE));
  }
  for (const [key, value] of Object.entries(object.metadata.labels ?? {})) {
    for (const problem of keyProblems(key)) causes.push(invalidValue('metadata.labels', key, problem));
    if (typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value)) causes.push(invalidValue('metadata.labels', String(value), LABEL_VALUE_MESSAGE));
  }
  for (const key of Object.keys(object.metadata.annotations ?? {})) {
    for (const problem of keyProblems(key.toLowerCase())) causes.push(invalidValue('metadata.annotations', key, problem));
  }
  return causes;
}

/** Data keys of Secrets and ConfigMaps. */
export function validateDataKeys(type: ResourceType, object: KubeObject): StatusCause[] {
  if (type.group !== '' || (type.plural !== 'secrets' && type.plural !== 'configmaps')) return [];
  const keys = ['data', 'binaryData'].flatMap((field) => Object.keys((object[field] as Record<string, unknown> | undefined) ?? {}).map((key) => [field, key] as const));
  return keys.filter(([, key]) => !CONFIG_KEY.test(key)).map(([field, key]) => invalidValue(`${field}[${key}]`, key, CONFIG_KEY_MESSAGE));
}

function timeFields(schema: JsonSchema, value: unknown, path: string, found: [string, unknown][]): void {
  if (schema.format === 'date-time' && value !== null && value !== undefined) found.push([path, value]);
  if (schema.properties === undefined || typeof value !== 'object' || value === null) return;
  for (const [key, child] of Object.entries(schema.properties)) timeFields(child, (value as Record<string, unknown>)[key], path === '' ? key : `${path}.${key}`, found);
}

/** What the real decoder refuses in a built-in kind: wrong value types, bad base64, unparsable times (400). */
export function decodeBuiltin(type: ResourceType, object: KubeObject, schema: JsonSchema): void {
  const cannot = (detail: string): Error => badRequest(`${type.kind} in version "${type.version}" cannot be handled as a ${type.kind}: ${detail}`);
  const typeErrors = validateObjectAgainstSchema(object, schema);
  if (typeErrors.length > 0) throw cannot(typeErrors.map((c) => `${c.field}: ${c.message}`).join(', '));
  const encoded = type.plural === 'secrets' ? ['data'] : type.plural === 'configmaps' ? ['binaryData'] : [];
  for (const field of type.group === '' ? encoded : []) {
    for (const [key, value] of Object.entries((object[field] as Record<string, string> | undefined) ?? {})) {
      if (!BASE64.test(value)) throw cannot(`illegal base64 data in ${field}[${key}]`);
    }
  }
  const times: [string, unknown][] = [];
  timeFields(schema, object, '', times);
  for (const [path, value] of times) {
    if (typeof value !== 'string' || !TIME.test(value) || Number.isNaN(Date.parse(value))) throw cannot(`${path}: parsing time ${JSON.stringify(value)} as RFC 3339: cannot parse`);
  }
}
