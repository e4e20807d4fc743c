/**
 * [REQ-01] Evaluates a CRD's `x-kubernetes-validations` (CEL, with @bufbuild/cel) over a custom resource: `self`
 * is the value at the rule's node, `oldSelf` the correlated old value; transition rules (those using oldSelf)
 * run only on updates where an old value exists, unless `optionalOldSelf` is set.
 */
import { celEnv, isCelError, parse, plan, type CelInput, type CelResult } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { childPath, indexPath, isPlainObject } from './field-path.js';
import type { StatusCause } from './status-errors.js';
import type { CelRule, JsonSchema } from './types.js';

type Program = (bindings: Record<string, CelInput>) => CelResult;
const environment = celEnv({ funcs: strings });
const programs = new Map<string, Program>();

function compile(expression: string): Program {
  let program = programs.get(expression);
  if (program === undefined) {
    const planned = plan(environment, parse(expression)) as (ctx?: Record<string, CelInput>) => CelResult;
    program = (bindings) => planned(bindings);
    programs.set(expression, program);
  }
  return program;
}

/** JSON to CEL values: objects become maps, integers of integer-typed fields become CEL ints (bigint). */
export function toCel(value: unknown, schema: JsonSchema | undefined): CelInput {
  if (Array.isArray(value)) return value.map((item) => toCel(item, schema?.items));
  if (isPlainObject(value)) {
    const extra = isPlainObject(schema?.additionalProperties) ? (schema?.additionalProperties as JsonSchema) : undefined;
    return new Map(Object.entries(value).map(([k, v]) => [k, toCel(v, schema?.properties?.[k] ?? extra)]));
  }
  const integerTyped = schema?.type === 'integer' || schema?.['x-kubernetes-int-or-string'] === true;
  if (typeof value === 'number' && integerTyped && Number.isInteger(value)) return BigInt(value);
  return value as CelInput;
}

function causeFor(rule: CelRule, path: string, schema: JsonSchema, message: string): StatusCause {
  const field = rule.fieldPath ? `${path}${rule.fieldPath.startsWith('[') ? '' : '.'}${rule.fieldPath.replace(/^\./, '')}` : path;
  switch (rule.reason) {
    case 'FieldValueForbidden':
      return { reason: rule.reason, field, message: `Forbidden: ${message}` };
    case 'FieldValueRequired':
      return { reason: rule.reason, field, message: `Required value: ${message}` };
    case 'FieldValueDuplicate':
      return { reason: rule.reason, field, message: `Duplicate value: ${message}` };
    default:
      return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(schema.type ?? 'object')}: ${message}` };
  }
}

function evaluateRule(rule: CelRule, bindings: Record<string, CelInput>): { ok: true } | { ok: false; message: string } {
  const result = compile(rule.rule)(bindings);
  if (isCelError(result)) return { ok: false, message: result.message };
  if (result === true) return { ok: true };
  if (rule.messageExpression !== undefined) {
    const custom = compile(rule.messageExpression)(bindings);
    if (typeof custom === 'string' && custom.trim() !== '') return { ok: false, message: custom };
  }
  return { ok: false, message: rule.message ?? `failed rule: ${rule.rule}` };
}

function rulesAt(value: unknown, old: unknown, schema: JsonSchema, path: string, causes: StatusCause[]): void {
  for (const rule of schema['x-kubernetes-validations'] ?? []) {
    const transition = /\boldSelf\b/.test(rule.rule);
    if (transition && old === undefined && rule.optionalOldSelf !== true) continue;
    const bindings: Record<string, CelInput> = { self: toCel(value, schema) };
    if (transition) bindings.oldSelf = old === undefined ? null : toCel(old, schema);
    const outcome = evaluateRule(rule, bindings);
    if (!outcome.ok) causes.push(causeFor(rule, path, schema, outcome.message));
  }
}

function listItemKey(item: unknown, schema: JsonSchema): string | undefined {
  const listType = schema['x-kubernetes-list-type'];
  if (listType === 'set') return JSON.stringify(item);
  if (listType === 'map' && isPlainObject(item)) return JSON.stringify((schema['x-kubernetes-list-map-keys'] ?? []).map((k) => item[k]));
  return undefined;
}

/** Walks value and schema together, evaluating every rule on present values; appends failures to `causes`. */
export function evaluateCelRules(value: unknown, old: unknown, schema: JsonSchema | undefined, path: string, causes: StatusCause[]): void {
  if (schema === undefined || value === undefined || value === null) return;
  rulesAt(value, old, schema, path, causes);
  if (isPlainObject(value)) {
    const oldObject = isPlainObject(old) ? old : undefined;
    for (const [key, item] of Object.entries(value)) {
      const declared = schema.properties?.[key];
      const extra = isPlainObject(schema.additionalProperties) ? (schema.additionalProperties as JsonSchema) : undefined;
      if (declared !== undefined) evaluateCelRules(item, oldObject?.[key], declared, childPath(path, key), causes);
      else if (extra !== undefined) evaluateCelRules(item, oldObject?.[key], extra, indexPath(path, key), causes);
    }
  } else if (Array.isArray(value) && schema.items !== undefined) {
    const oldItems = new Map<string, unknown>();
    if (Array.isArray(old)) for (const item of old) oldItems.set(listItemKey(item, schema) ?? '', item);
    value.forEach((item, i) => {
      const key = listItemKey(item, schema);
      evaluateCelRules(item, key === undefined ? undefined : oldItems.get(key), schema.items, indexPath(path, i), causes);
    });
  }
}
