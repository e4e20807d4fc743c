/** [REQ-01] Label and field selectors of list and watch requests, parsed and matched like the real apiserver. */
import { badRequest } from './status-errors.js';
import type { KubeObject, ResourceType } from './types.js';

type Operator = 'exists' | 'notexists' | 'in' | 'notin';
interface LabelRequirement {
  key: string;
  operator: Operator;
  values: string[];
}
export type ObjectMatcher = (object: KubeObject) => boolean;

function splitTopLevel(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth += 1;
    if (ch === ')') depth -= 1;
    if (ch === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim() !== '') parts.push(current.trim());
  return parts;
}

function parseRequirement(text: string): LabelRequirement {
  const setMatch = /^([^\s!=()]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(text);
  if (setMatch) {
    const values = setMatch[3]!.split(',').map((v) => v.trim()).filter((v) => v !== '');
    return { key: setMatch[1]!, operator: setMatch[2] as Operator, values };
  }
  const compare = /^([^\s!=]+)\s*(==|=|!=)\s*([^\s,]*)$/.exec(text);
  if (compare) return { key: compare[1]!, operator: compare[2] === '!=' ? 'notin' : 'in', values: [compare[3]!] };
  const exists = /^(!?)([^\s!=()]+)$/.exec(text);
  if (exists) return { key: exists[2]!, operator: exists[1] === '!' ? 'notexists' : 'exists', values: [] };
  throw badRequest(`unable to parse requirement: found '${text}', expected: in, notin, =, ==, !=, gt, lt`);
}

function matchesRequirement(labels: Record<string, string>, requirement: LabelRequirement): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, requirement.key);
  const value = labels[requirement.key];
  switch (requirement.operator) {
    case 'exists':
      return has;
    case 'notexists':
      return !has;
    case 'in':
      return has && requirement.values.includes(value!);
    case 'notin':
      return !has || !requirement.values.includes(value!);
  }
}

export function parseLabelSelector(selector: string | null): ObjectMatcher {
  if (selector === null || selector.trim() === '') return () => true;
  const requirements = splitTopLevel(selector).map(parseRequirement);
  return (object) => requirements.every((r) => matchesRequirement(object.metadata.labels ?? {}, r));
}

const EVENT_FIELDS = ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type'];
const EXTRA_FIELDS: Record<string, string[]> = { events: EVENT_FIELDS, secrets: ['type'], namespaces: ['status.phase'] };

function fieldValue(object: KubeObject, path: string): string {
  if (path === 'source') return String((object as { source?: { component?: string } }).source?.component ?? '');
  let current: unknown = object;
  for (const part of path.split('.')) current = (current as Record<string, unknown> | undefined)?.[part];
  return current === undefined || current === null ? '' : String(current);
}

export function parseFieldSelector(selector: string | null, type: ResourceType): ObjectMatcher {
  if (selector === null || selector.trim() === '') return () => true;
  const supported = ['metadata.name', 'metadata.namespace', ...(type.group === '' ? (EXTRA_FIELDS[type.plural] ?? []) : [])];
  const terms = selector.split(',').map((term) => {
    const match = /^([^!=]+)(==|=|!=)(.*)$/.exec(term.trim());
    if (!match) throw badRequest(`invalid selector: '${selector}'; can't understand '${term}'`);
    const field = match[1]!.trim();
    if (!supported.includes(field)) throw badRequest(`field label not supported: ${field}`);
    return { field, negate: match[2] === '!=', value: match[3]!.trim() };
  });
  return (object) => terms.every((t) => (fieldValue(object, t.field) === t.value) !== t.negate);
}
