/**
 * [REQ-05] The CEL environment of ValidatingAdmissionPolicies (@bufbuild/cel): the strings extension plus
 * Kubernetes' authorizer library — `authorizer.group(g).resource(r)[.subresource(s)][.namespace(n)][.name(x)]
 * .check(verb)`, `authorizer.path(p).check(verb)`, `authorizer.requestResource`, `authorizer.serviceAccount(ns,
 * name)`, and on the decision `allowed()`, `reason()`, `errored()`, `error()`. Checks are answered by the
 * authorization of the request being admitted, bound for the (synchronous) duration of one evaluation.
 */
import { celEnv, celMethod, CelScalar, isCelError, mapType, parse, plan, type CelInput, type CelMap, type CelResult } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import type { UserInfo } from './authentication.js';
import type { RequestAttributes } from './request-attributes.js';

/** Answers one authorizer check made by an expression. */
export type AuthorizerCheck = (user: UserInfo, attributes: RequestAttributes) => boolean;

const MAP = mapType(CelScalar.STRING, CelScalar.DYN);
const KIND = '@kind';
let active: { user: UserInfo; check: AuthorizerCheck } | undefined;

type Fields = Record<string, string>;
const fields = (map: CelMap): Fields => Object.fromEntries([...(map as unknown as ReadonlyMap<string, unknown>)].filter(([, v]) => typeof v === 'string')) as Fields;
const node = (kind: string, values: Fields): CelInput => new Map<string, CelInput>([...Object.entries(values), [KIND, kind]]);
const withField = (name: string) =>
  celMethod(name, MAP, [CelScalar.STRING], MAP, function (value) {
    return node('resource', { ...fields(this), [name]: value });
  });

function decide(map: CelMap, verb: string): CelInput {
  const f = fields(map);
  if (active === undefined) return node('decision', { allowed: 'false', error: 'no authorizer in this evaluation' });
  const user = f.user === undefined ? active.user : { name: f.user, groups: ['system:serviceaccounts', `system:serviceaccounts:${f.user.split(':')[2] ?? ''}`, 'system:authenticated'] };
  const attributes: RequestAttributes =
    f[KIND] === 'path'
      ? { kind: 'nonResource', verb, path: f.path ?? '' }
      : { kind: 'resource', verb, group: f.group ?? '', resource: f.resource ?? '', subresource: f.subresource ?? '', namespace: f.namespace ?? '', name: f.name ?? '' };
  return node('decision', { allowed: String(active.check(user, attributes)), error: '' });
}

const AUTHORIZER_LIBRARY = [
  celMethod('group', MAP, [CelScalar.STRING], MAP, function (group) {
    return node('resource', { ...(fields(this).user === undefined ? {} : { user: fields(this).user! }), group });
  }),
  celMethod('path', MAP, [CelScalar.STRING], MAP, function (path) {
    return node('path', { ...(fields(this).user === undefined ? {} : { user: fields(this).user! }), path });
  }),
  celMethod('serviceAccount', MAP, [CelScalar.STRING, CelScalar.STRING], MAP, (namespace, name) => node('authorizer', { user: `system:serviceaccount:${namespace}:${name}` })),
  withField('resource'),
  withField('subresource'),
  withField('namespace'),
  withField('name'),
  celMethod('check', MAP, [CelScalar.STRING], MAP, function (verb) {
    return decide(this, verb);
  }),
  celMethod('allowed', MAP, [], CelScalar.BOOL, function () {
    return fields(this).allowed === 'true';
  }),
  celMethod('reason', MAP, [], CelScalar.STRING, () => ''),
  celMethod('errored', MAP, [], CelScalar.BOOL, function () {
    return (fields(this).error ?? '') !== '';
  }),
  celMethod('error', MAP, [], CelScalar.STRING, function () {
    return fields(this).error ?? '';
  }),
];

const environment = celEnv({ funcs: [...strings, ...AUTHORIZER_LIBRARY] });
type Program = (bindings: Record<string, CelInput>) => CelResult;
const programs = new Map<string, Program>();

/** The `authorizer` variable: the request's own identity, with `requestResource` prefilled from the request. */
export function authorizerValue(request: { group: string; resource: string; subresource: string; namespace: string; name: string }): CelInput {
  const requestResource = node('resource', request);
  return new Map<string, CelInput>([[KIND, 'authorizer'], ['requestResource', requestResource]]);
}

/** Evaluates `expression`; authorizer checks are answered by `check` as `user`. Errors are returned, not thrown. */
export function evaluateAdmissionExpression(expression: string, bindings: Record<string, CelInput>, user: UserInfo, check: AuthorizerCheck): CelResult {
  let program = programs.get(expression);
  if (program === undefined) {
    const planned = plan(environment, parse(expression)) as (ctx?: Record<string, CelInput>) => CelResult;
    program = (values) => planned(values);
    programs.set(expression, program);
  }
  active = { user, check };
  try {
    return program(bindings);
  } finally {
    active = undefined;
  }
}

export { isCelError };
