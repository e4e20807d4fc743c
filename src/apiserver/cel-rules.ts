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

/** CEL values already made in one evaluation, by the JSON node they stand for (each node has one schema). */
type CelMemo = WeakMap<object, CelInput>;

/**
 * JSON to CEL values: objects become maps, integers of integer-typed fields become CEL ints (bigint). With a
 * memo, a node converted once (e.g. inside its parent's value) is not converted again for its own rules.
 */
export function toCel(value: unknown, schema: JsonSchema | undefined, memo?: CelMemo): CelInput {
  if (Array.isArray(value) || isPlainObject(value)) {
    const known = memo?.get(value);
    if (known !== undefined) return known;
    const extra = isPlainObject(schema?.additionalProperties) ? (schema?.additionalProperties as JsonSchema) : undefined;
    const converted: CelInput = Array.isArray(value)
      ? value.map((item) => toCel(item, schema?.items, memo))
      : new Map(Object.entries(value).map(([k, v]) => [k, toCel(v, schema?.properties?.[k] ?? extra, memo)]));
    memo?.set(value, converted);
    return converted;
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

const transitionRules = new WeakMap<CelRule, boolean>();

/** Whether the rule uses oldSelf (looked at once per rule object). */
function isTransition(rule: CelRule): boolean {
  let transition = transitionRules.get(rule);
  if (transition === undefined) {
    transition = /\boldSelf\b/.test(rule.rule);
    transitionRules.set(rule, transition);
  }
  return transition;
}

function rulesAt(value: unknown, old: unknown, schema: JsonSchema, path: string, causes: StatusCause[], memo: CelMemo): void {
  const rules = schema['x-kubernetes-validations'];
  if (rules === undefined || rules.length === 0) return;
  let self: CelInput | undefined;
  for (const rule of rules) {
    const transition = isTransition(rule);
    if (transition && old === undefined && rule.optionalOldSelf !== true) continue;
    self ??= toCel(value, schema, memo);
    const bindings: Record<string, CelInput> = { self };
    if (transition) bindings.oldSelf = old === undefined ? null : toCel(old, schema, memo);
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
export function evaluateCelRules(value: unknown, old: unknown, schema: JsonSchema | undefined, path: string, causes: StatusCause[], memo: CelMemo = new WeakMap()): void {
  if (schema === undefined || value === undefined || value === null) return;
  rulesAt(value, old, schema, path, causes, memo);
  if (isPlainObject(value)) {
    const oldObject = isPlainObject(old) ? old : undefined;
    for (const [key, item] of Object.entries(value)) {
      const declared = schema.properties?.[key];
      const extra = isPlainObject(schema.additionalProperties) ? (schema.additionalProperties as JsonSchema) : undefined;
      if (declared !== undefined) evaluateCelRules(item, oldObject?.[key], declared, childPath(path, key), causes, memo);
      else if (extra !== undefined) evaluateCelRules(item, oldObject?.[key], extra, indexPath(path, key), causes, memo);
    }
  } else if (Array.isArray(value) && schema.items !== undefined) {
    const oldItems = new Map<string, unknown>();
    if (Array.isArray(old)) for (const item of old) oldItems.set(listItemKey(item, schema) ?? '', item);
    value.forEach((item, i) => {
      const key = listItemKey(item, schema);
      evaluateCelRules(item, key === undefined ? undefined : oldItems.get(key), schema.items, indexPath(path, i), causes, memo);
    });
  }
}
