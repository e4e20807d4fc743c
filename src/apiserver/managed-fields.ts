/**
 * [REQ-01] managedFields bookkeeping: server-side apply (merge of the applied configuration, ownership,
 * conflicts naming the other manager and field, removal of fields a manager stopped applying) and ownership
 * changes caused by ordinary updates.
 */
import { isDeepStrictEqual } from 'node:util';
import { isPlainObject } from './field-path.js';
import { fieldSetOf, fromFieldsV1, removeField, renderPath, toFieldsV1, type FieldSet } from './field-set.js';
import { ApiError } from './status-errors.js';
import type { JsonSchema, KubeObject, ManagedFieldsEntry } from './types.js';

export interface ManagerIdentity {
  manager: string;
  apiVersion: string;
  /** 'status' for the status subresource, '' for the main resource. */
  subresource: string;
  now: string;
}

function sameEntry(entry: ManagedFieldsEntry, who: ManagerIdentity, operation: ManagedFieldsEntry['operation']): boolean {
  return entry.manager === who.manager && entry.operation === operation && (entry.subresource ?? '') === who.subresource;
}

function makeEntry(who: ManagerIdentity, operation: ManagedFieldsEntry['operation'], paths: Iterable<string>): ManagedFieldsEntry {
  return {
    manager: who.manager,
    operation,
    apiVersion: who.apiVersion,
    time: who.now,
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(paths),
    ...(who.subresource === '' ? {} : { subresource: who.subresource }),
  };
}

function describeManager(entry: ManagedFieldsEntry): string {
  const name = JSON.stringify(entry.manager);
  const withSubresource = entry.subresource ? `${name} with subresource ${JSON.stringify(entry.subresource)}` : name;
  return entry.operation === 'Update' ? `${withSubresource} using ${entry.apiVersion}` : withSubresource;
}

function mergeList(live: unknown[], applied: unknown[], schema: JsonSchema | undefined): unknown[] {
  const listType = schema?.['x-kubernetes-list-type'];
  if (listType === 'set') return [...live, ...applied.filter((item) => !live.some((l) => JSON.stringify(l) === JSON.stringify(item)))];
  if (listType !== 'map') return structuredClone(applied);
  const keys = schema?.['x-kubernetes-list-map-keys'] ?? [];
  const identity = (item: unknown): string => JSON.stringify(keys.map((k) => (isPlainObject(item) ? item[k] : undefined)));
  const result = [...live];
  for (const item of applied) {
    const index = result.findIndex((l) => identity(l) === identity(item));
    if (index < 0) result.push(structuredClone(item));
    else result[index] = mergeApplied(result[index], item, schema?.items);
  }
  return result;
}

/** Deep merge of an applied configuration into the live object, honouring list types. */
export function mergeApplied(live: unknown, applied: unknown, schema: JsonSchema | undefined): unknown {
  if (isPlainObject(applied) && isPlainObject(live) && schema?.['x-kubernetes-map-type'] !== 'atomic') {
    const result: Record<string, unknown> = { ...live };
    for (const [key, value] of Object.entries(applied)) {
      const sub = schema?.properties?.[key] ?? (isPlainObject(schema?.additionalProperties) ? (schema?.additionalProperties as JsonSchema) : undefined);
      result[key] = mergeApplied(live[key], value, sub);
    }
    return result;
  }
  if (Array.isArray(applied) && Array.isArray(live)) return mergeList(live, applied, schema);
  return structuredClone(applied);
}

function conflictError(conflicts: { entry: ManagedFieldsEntry; path: string }[]): ApiError {
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) byManager.set(describeManager(c.entry), [...(byManager.get(describeManager(c.entry)) ?? []), renderPath(c.path)]);
  const parts = [...byManager].map(([manager, paths]) => (paths.length === 1 ? `conflict with ${manager}: ${paths[0]}` : `conflicts with ${manager}:\n${paths.map((p) => `- ${p}`).join('\n')}`));
  const count = conflicts.length;
  const message = `Apply failed with ${count} conflict${count === 1 ? '' : 's'}: ${parts.join('\n')}`;
  return new ApiError(409, 'Conflict', message, {
    causes: conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${describeManager(c.entry)}`, field: renderPath(c.path) })),
  });
}

/**
 * Server-side apply of `applied` (already restricted to the request's scope) onto `live`. Returns the merged
 * object with updated managedFields, or throws a 409 naming the conflicting managers unless `force`.
 */
export function serverSideApply(live: KubeObject, applied: KubeObject, schema: JsonSchema | undefined, who: ManagerIdentity, force: boolean): KubeObject {
  const scope = who.subresource === 'status' ? 'status' : 'all';
  const appliedFields = fieldSetOf(applied, schema, scope);
  const liveFields = fieldSetOf(live, schema, 'all');
  let entries = structuredClone(live.metadata.managedFields ?? []);
  const conflicts: { entry: ManagedFieldsEntry; path: string }[] = [];
  for (const entry of entries) {
    if (sameEntry(entry, who, 'Apply')) continue;
    for (const path of fromFieldsV1(entry.fieldsV1)) {
      if (appliedFields.has(path) && liveFields.has(path) && !isDeepStrictEqual(appliedFields.get(path), liveFields.get(path))) conflicts.push({ entry, path });
    }
  }
  if (conflicts.length > 0 && !force) throw conflictError(conflicts);
  if (force) {
    entries = entries.map((entry) => {
      const lost = conflicts.filter((c) => c.entry === entry).map((c) => c.path);
      return lost.length === 0 ? entry : { ...entry, fieldsV1: toFieldsV1([...fromFieldsV1(entry.fieldsV1)].filter((p) => !lost.includes(p))) };
    });
  }
  const merged = mergeApplied(live, applied, schema) as KubeObject;
  const previous = entries.find((e) => sameEntry(e, who, 'Apply'));
  const ownedByOthers = new Set(entries.filter((e) => e !== previous).flatMap((e) => [...fromFieldsV1(e.fieldsV1)]));
  for (const path of previous === undefined ? [] : fromFieldsV1(previous.fieldsV1)) {
    if (!appliedFields.has(path) && !ownedByOthers.has(path)) removeField(merged, path);
  }
  const others = entries.filter((e) => e !== previous);
  merged.metadata.managedFields = [...others, makeEntry(who, 'Apply', appliedFields.keys())].filter((e) => Object.keys(e.fieldsV1).length > 0);
  return merged;
}

function changedPaths(before: FieldSet, after: FieldSet): string[] {
  return [...after].filter(([path, value]) => !before.has(path) || JSON.stringify(before.get(path)) !== JSON.stringify(value)).map(([path]) => path);
}

/** managedFields after an ordinary write (create, update, patch) by `who`: changed fields move to its Update entry. */
export function recordUpdate(old: KubeObject | undefined, updated: KubeObject, schema: JsonSchema | undefined, who: ManagerIdentity): ManagedFieldsEntry[] {
  const before = old === undefined ? new Map<string, unknown>() : fieldSetOf(old, schema, 'all');
  const after = fieldSetOf(updated, schema, 'all');
  const changed = changedPaths(before, after);
  const removed = [...before.keys()].filter((path) => !after.has(path));
  const entries = structuredClone(old?.metadata.managedFields ?? []);
  if (changed.length === 0 && removed.length === 0) return entries;
  const drop = new Set([...changed, ...removed]);
  let mine = entries.find((e) => sameEntry(e, who, 'Update'));
  const result = entries.map((entry) => {
    const keep = [...fromFieldsV1(entry.fieldsV1)].filter((p) => !drop.has(p) || (entry === mine && !removed.includes(p)));
    return { ...entry, fieldsV1: toFieldsV1(keep) };
  });
  mine = result.find((e) => sameEntry(e, who, 'Update'));
  const owned = new Set([...(mine === undefined ? [] : fromFieldsV1(mine.fieldsV1)), ...changed]);
  const updatedEntry = makeEntry(who, 'Update', owned);
  return [...result.filter((e) => e !== mine), updatedEntry].filter((e) => Object.keys(e.fieldsV1).length > 0);
}
