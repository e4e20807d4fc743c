/**
 * [REQ-01] Patch formats of PATCH requests: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and, for core
 * kinds only, a strategic merge patch good enough for kubectl's client-side apply of ConfigMaps, Secrets, ...
 */
import { isPlainObject } from './field-path.js';
import { ApiError, badRequest } from './status-errors.js';

export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const result: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

/** Strategic merge patch without list merge keys: directives are honoured, lists are replaced. */
export function applyStrategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  if (patch.$patch === 'delete') return undefined;
  const replace = patch.$patch === 'replace';
  const result: Record<string, unknown> = isPlainObject(target) && !replace ? { ...target } : {};
  const retainKeys = Array.isArray(patch.$retainKeys) ? (patch.$retainKeys as string[]) : undefined;
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) continue;
    if (value === null) delete result[key];
    else {
      const merged = applyStrategicMergePatch(result[key], value);
      if (merged === undefined) delete result[key];
      else result[key] = merged;
    }
  }
  for (const [key, value] of Object.entries(patch)) {
    const match = /^\$deleteFromPrimitiveList\/(.+)$/.exec(key);
    const list = match ? result[match[1]!] : undefined;
    if (match && Array.isArray(list) && Array.isArray(value)) result[match[1]!] = list.filter((item) => !value.includes(item));
  }
  if (retainKeys !== undefined) for (const key of Object.keys(result)) if (!retainKeys.includes(key)) delete result[key];
  return result;
}

interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: unknown;
}

function pointerTokens(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw badRequest(`the server rejected our request due to an error in our request: invalid JSON pointer ${pointer}`);
  return pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(document: unknown, tokens: string[], pointer: string): { parent: Record<string, unknown> | unknown[]; last: string } {
  let current = document;
  for (const token of tokens.slice(0, -1)) {
    current = Array.isArray(current) ? current[Number(token)] : isPlainObject(current) ? current[token] : undefined;
    if (current === undefined) throw new ApiError(422, 'Invalid', `the server rejected our request due to an error in our request: doc is missing path: "${pointer}"`);
  }
  if (!Array.isArray(current) && !isPlainObject(current)) throw new ApiError(422, 'Invalid', `doc is missing path: "${pointer}"`);
  return { parent: current, last: tokens[tokens.length - 1]! };
}

function getAt(document: unknown, pointer: string): unknown {
  let current = document;
  for (const token of pointerTokens(pointer)) current = Array.isArray(current) ? current[Number(token)] : isPlainObject(current) ? current[token] : undefined;
  if (current === undefined) throw new ApiError(422, 'Invalid', `doc is missing path: "${pointer}"`);
  return current;
}

function removeAt(document: unknown, pointer: string): unknown {
  const { parent, last } = parentOf(document, pointerTokens(pointer), pointer);
  if (Array.isArray(parent)) return parent.splice(Number(last), 1)[0];
  if (!(last in parent)) throw new ApiError(422, 'Invalid', `the server rejected our request due to an error in our request: Unable to remove nonexistent key: ${last}: missing value`);
  const removed = parent[last];
  delete parent[last];
  return removed;
}

function addAt(document: unknown, pointer: string, value: unknown, replace: boolean): unknown {
  const tokens = pointerTokens(pointer);
  if (tokens.length === 0) return structuredClone(value);
  const { parent, last } = parentOf(document, tokens, pointer);
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : Number(last);
    if (!Number.isInteger(index) || index < 0 || index > parent.length) throw new ApiError(422, 'Invalid', `Unable to access invalid index: ${last}`);
    parent.splice(index, replace ? 1 : 0, structuredClone(value));
  } else {
    if (replace && !(last in parent)) throw new ApiError(422, 'Invalid', `the server rejected our request due to an error in our request: replace operation does not apply: doc is missing key: ${pointer}: missing value`);
    parent[last] = structuredClone(value);
  }
  return document;
}

export function applyJsonPatch(target: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let document = structuredClone(target);
  for (const operation of patch as JsonPatchOperation[]) {
    switch (operation.op) {
      case 'add':
        document = addAt(document, operation.path, operation.value, false);
        break;
      case 'replace':
        document = addAt(document, operation.path, operation.value, true);
        break;
      case 'remove':
        removeAt(document, operation.path);
        break;
      case 'move':
        document = addAt(document, operation.path, removeAt(document, operation.from ?? ''), false);
        break;
      case 'copy':
        document = addAt(document, operation.path, getAt(document, operation.from ?? ''), false);
        break;
      case 'test':
        if (JSON.stringify(getAt(document, operation.path)) !== JSON.stringify(operation.value)) {
          throw new ApiError(422, 'Invalid', `the server rejected our request due to an error in our request: testing value ${operation.path} failed: test failed`);
        }
        break;
      default:
        throw badRequest(`the server rejected our request due to an error in our request: Unexpected kind: ${String((operation as { op: unknown }).op)}`);
    }
  }
  return document;
}
