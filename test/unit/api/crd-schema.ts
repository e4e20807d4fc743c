/**
 * [REQ-01] Test support for the CRDs: load them from crds/, walk their OpenAPI schemas, validate objects with ajv
 * (optionally rejecting unknown fields everywhere) and evaluate every x-kubernetes-validations rule at every
 * node of an object, the way the apiserver does.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import yaml from 'js-yaml';
import { run } from '@bufbuild/cel';
import { crdName, type ResourceKind } from '../../../src/api/v1alpha1/index.js';

export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  fieldPath?: string;
  reason?: string;
  optionalOldSelf?: boolean;
}

export interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  anyOf?: SchemaNode[];
  'x-kubernetes-validations'?: ValidationRule[];
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  [keyword: string]: unknown;
}

export interface PrinterColumn { name: string; type: string; jsonPath: string; priority?: number; description?: string }

export interface Crd {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    group: string;
    scope: 'Cluster' | 'Namespaced';
    names: { kind: string; listKind: string; plural: string; singular: string; shortNames?: string[]; categories?: string[] };
    versions: Array<{
      name: string; served: boolean; storage: boolean;
      subresources?: { status?: object };
      additionalPrinterColumns?: PrinterColumn[];
      schema: { openAPIV3Schema: SchemaNode };
    }>;
  };
}

export const KINDS: ResourceKind[] = ['Host', 'VirtualMachine', 'ImageTransfer'];

export function crdPath(kind: ResourceKind): string {
  return fileURLToPath(new URL(`../../../crds/${crdName(kind)}.yaml`, import.meta.url));
}

export function loadCrd(kind: ResourceKind): Crd {
  return yaml.load(readFileSync(crdPath(kind), 'utf8')) as Crd;
}

export function schemaOf(kind: ResourceKind): SchemaNode {
  const version = loadCrd(kind).spec.versions[0];
  if (!version) throw new Error(`${kind} CRD has no version`);
  return version.schema.openAPIV3Schema;
}

/** Visits every schema node depth-first; paths look like `spec.disks[].source` (`` for the root, `{}` for map values). */
export function walkSchema(node: SchemaNode, visit: (node: SchemaNode, path: string) => void, path = ''): void {
  visit(node, path);
  for (const [name, child] of Object.entries(node.properties ?? {})) walkSchema(child, visit, path ? `${path}.${name}` : name);
  if (node.items) walkSchema(node.items, visit, `${path}[]`);
  if (typeof node.additionalProperties === 'object') walkSchema(node.additionalProperties, visit, `${path}{}`);
}

/** A deep copy in which every object node with properties rejects unknown fields. */
export function closeSchema(node: SchemaNode): SchemaNode {
  const copy: SchemaNode = structuredClone(node);
  walkSchema(copy, (n) => {
    if (n.properties && n.additionalProperties === undefined && !n['x-kubernetes-preserve-unknown-fields']) n.additionalProperties = false;
  });
  return copy;
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** An ajv validator for a CRD schema; the Kubernetes extension keywords are known and ignored. */
export function compileSchema(schema: SchemaNode): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strictTypes: false, formats: { 'date-time': DATE_TIME, int64: true } });
  ajv.addVocabulary([
    'x-kubernetes-validations', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-map-type',
    'x-kubernetes-int-or-string', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource',
  ]);
  return ajv.compile(schema);
}

export interface RuleViolation { path: string; message: string; rule: string }

/** Evaluates one CEL rule with @bufbuild/cel; true means the object satisfies it. */
export function evaluateRule(rule: string, self: unknown, oldSelf?: unknown): boolean {
  const result = run(rule, { self, oldSelf } as Parameters<typeof run>[1]);
  if (typeof result !== 'boolean') throw new Error(`rule ${rule} returned ${String(result)}, not a bool`);
  return result;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON as the apiserver hands it to CEL: integers of integer-typed fields are CEL ints, not doubles. */
function toCelValue(value: unknown, node: SchemaNode | undefined): unknown {
  if (Array.isArray(value)) return value.map((item) => toCelValue(item, node?.items));
  if (isRecord(value)) {
    const valueSchema = typeof node?.additionalProperties === 'object' ? node.additionalProperties : undefined;
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, toCelValue(child, node?.properties?.[key] ?? valueSchema)]));
  }
  const integerTyped = node?.type === 'integer' || node?.['x-kubernetes-int-or-string'] === true;
  return typeof value === 'number' && integerTyped && Number.isInteger(value) ? BigInt(value) : value;
}

function isTransitionRule(rule: ValidationRule): boolean {
  return /\boldSelf\b/.test(rule.rule);
}

function correlate(node: SchemaNode, item: unknown, oldList: unknown): unknown {
  const keys = node['x-kubernetes-list-map-keys'];
  if (node['x-kubernetes-list-type'] !== 'map' || !keys || !Array.isArray(oldList) || !isRecord(item)) return undefined;
  return oldList.find((old) => isRecord(old) && keys.every((key) => old[key] === item[key]));
}

/**
 * Every rule broken by `value` (and, for transition rules, by the change from `oldValue`), walking schema and
 * object together. Transition rules run only where an old value exists, as on an apiserver update.
 */
export function celViolations(node: SchemaNode, value: unknown, oldValue?: unknown, path = ''): RuleViolation[] {
  if (value === undefined) return [];
  const violations: RuleViolation[] = [];
  for (const rule of node['x-kubernetes-validations'] ?? []) {
    if (isTransitionRule(rule) && oldValue === undefined) continue;
    if (!evaluateRule(rule.rule, toCelValue(value, node), toCelValue(oldValue, node))) violations.push({ path, message: rule.message ?? rule.rule, rule: rule.rule });
  }
  if (isRecord(value)) {
    for (const [name, child] of Object.entries(node.properties ?? {})) {
      const oldChild = isRecord(oldValue) ? oldValue[name] : undefined;
      violations.push(...celViolations(child, value[name], oldChild, path ? `${path}.${name}` : name));
    }
  }
  if (Array.isArray(value) && node.items) {
    const items = node.items;
    value.forEach((item, index) => violations.push(...celViolations(items, item, correlate(node, item, oldValue), `${path}[${index}]`)));
  }
  return violations;
}
