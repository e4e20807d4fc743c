/**
 * [REQ-01] The built-in kinds the API server serves besides CRDs: Namespaces, Secrets, ConfigMaps, ServiceAccounts,
 * core and events.k8s.io Events, Leases, and SelfSubjectAccessReviews (answered, never stored).
 */
import { CORE_SCHEMAS } from './core-schemas.js';
import type { PrinterColumn, ResourceType } from './types.js';

export const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

/** A built-in kind's ResourceType: v1, no short names or categories, no status, its schema from core-schemas.ts unless `extra` gives one. */
export function core(kind: string, plural: string, namespaced: boolean, printerColumns: PrinterColumn[], extra: Partial<ResourceType> = {}): ResourceType {
  const group = extra.group ?? '';
  return {
    group,
    version: 'v1',
    kind,
    listKind: `${kind}List`,
    plural,
    singular: kind.toLowerCase(),
    namespaced,
    shortNames: [],
    categories: [],
    hasStatus: false,
    custom: false,
    printerColumns,
    schema: CORE_SCHEMAS[`${group}/${plural}`],
    ...extra,
  };
}

export const BUILTIN_TYPES: ResourceType[] = [
  core('Namespace', 'namespaces', false, [{ name: 'Status', type: 'string', jsonPath: '.status.phase' }, AGE], { shortNames: ['ns'], hasStatus: true }),
  core('Secret', 'secrets', true, [{ name: 'Type', type: 'string', jsonPath: '.type' }, { name: 'Data', type: 'integer', jsonPath: '.data' }, AGE]),
  core('ConfigMap', 'configmaps', true, [{ name: 'Data', type: 'integer', jsonPath: '.data' }, AGE], { shortNames: ['cm'] }),
  core(
    'Event',
    'events',
    true,
    [
      { name: 'Last Seen', type: 'date', jsonPath: '.lastTimestamp' },
      { name: 'Type', type: 'string', jsonPath: '.type' },
      { name: 'Reason', type: 'string', jsonPath: '.reason' },
      { name: 'Object', type: 'string', jsonPath: '.involvedObject.name' },
      { name: 'Message', type: 'string', jsonPath: '.message' },
    ],
    { shortNames: ['ev'] },
  ),
  core('ServiceAccount', 'serviceaccounts', true, [{ name: 'Secrets', type: 'integer', jsonPath: '.secrets' }, AGE], { shortNames: ['sa'] }),
  core('Lease', 'leases', true, [{ name: 'Holder', type: 'string', jsonPath: '.spec.holderIdentity' }, AGE], { group: 'coordination.k8s.io' }),
  core(
    'Event',
    'events',
    true,
    [
      { name: 'Last Seen', type: 'date', jsonPath: '.deprecatedLastTimestamp' },
      { name: 'Type', type: 'string', jsonPath: '.type' },
      { name: 'Reason', type: 'string', jsonPath: '.reason' },
      { name: 'Object', type: 'string', jsonPath: '.regarding.name' },
      { name: 'Note', type: 'string', jsonPath: '.note' },
    ],
    { group: 'events.k8s.io', shortNames: [] },
  ),
  core('SelfSubjectAccessReview', 'selfsubjectaccessreviews', false, [], { group: 'authorization.k8s.io', verbs: ['create'] }),
];

/** Namespaces that exist from the start, as in a fresh cluster. */
export const INITIAL_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
