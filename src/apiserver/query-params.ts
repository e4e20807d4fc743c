/**
 * [REQ-01] Query parameters parsed as kube-apiserver parses them: booleans like Go's strconv.ParseBool (`1`,
 * `t`, `T`, `TRUE`, `true`, `True` and their false counterparts; anything else is a 400), integers strictly.
 */
import { badRequest } from './status-errors.js';

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

export function parseBoolean(value: string | null, name: string): boolean {
  if (value === null || value === '') return false;
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw badRequest(`${name}: strconv.ParseBool: parsing ${JSON.stringify(value)}: invalid syntax`);
}

export function booleanParam(query: URLSearchParams, name: string): boolean {
  return parseBoolean(query.get(name), name);
}

export function integerParam(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null || value === '') return undefined;
  if (!/^-?\d+$/.test(value)) throw badRequest(`${name}: strconv.ParseInt: parsing ${JSON.stringify(value)}: invalid syntax`);
  return Number(value);
}
