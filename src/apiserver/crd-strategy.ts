/**
 * [REQ-01] CustomResourceDefinitions served through apiextensions.k8s.io/v1 itself: the CRD kind, the checks a
 * CRD must pass, and the status the apiserver gives an accepted one (NamesAccepted and Established, so that
 * `kubectl wait --for=condition=Established` returns).
 */
import { resourceTypesOfCrd } from './crd-loader.js';
import { invalid, type StatusCause } from './status-errors.js';
import type { KubeObject, ResourceType } from './types.js';

export const CRD_TYPE: ResourceType = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  kind: 'CustomResourceDefinition',
  listKind: 'CustomResourceDefinitionList',
  plural: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  namespaced: false,
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  hasStatus: true,
  custom: false,
  printerColumns: [{ name: 'Created At', type: 'date', jsonPath: '.metadata.creationTimestamp' }],
};

interface CrdSpec {
  group?: string;
  scope?: string;
  names?: { plural?: string; kind?: string };
  versions?: { name?: string; served?: boolean; storage?: boolean }[];
}

export function isCrdType(type: ResourceType): boolean {
  return type.group === CRD_TYPE.group && type.plural === CRD_TYPE.plural;
}

/** Field errors of a CRD, worded like apiextensions-apiserver's validation. */
export function validateCrd(crd: KubeObject): void {
  const spec = (crd.spec ?? {}) as CrdSpec;
  const causes: StatusCause[] = [];
  const required = (field: string): void => void causes.push({ reason: 'FieldValueRequired', field, message: 'Required value' });
  if (!spec.group) required('spec.group');
  if (!spec.names?.plural) required('spec.names.plural');
  if (!spec.names?.kind) required('spec.names.kind');
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') {
    causes.push({ reason: 'FieldValueNotSupported', field: 'spec.scope', message: `Unsupported value: ${JSON.stringify(spec.scope ?? '')}: supported values: "Cluster", "Namespaced"` });
  }
  const versions = spec.versions ?? [];
  if (versions.length === 0) required('spec.versions');
  if (versions.filter((v) => v.storage === true).length !== 1) {
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.versions', message: 'Invalid value: must have exactly one version marked as storage version' });
  }
  const expectedName = `${spec.names?.plural ?? ''}.${spec.group ?? ''}`;
  if (spec.group && spec.names?.plural && crd.metadata.name !== expectedName) {
    causes.push({ reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: ${JSON.stringify(crd.metadata.name)}: must be spec.names.plural+"."+spec.group` });
  }
  if (causes.length > 0) throw invalid(CRD_TYPE, crd.metadata.name ?? '', causes);
}

/** The status of an accepted CRD: its names accepted, established, its storage version recorded. */
export function establish(crd: KubeObject, now: string): void {
  const spec = crd.spec as CrdSpec & { names: Record<string, unknown> };
  const previous = (crd.status ?? {}) as { storedVersions?: string[]; conditions?: { type: string; lastTransitionTime?: string }[] };
  const storage = (spec.versions ?? []).find((v) => v.storage === true)?.name;
  const stored = [...new Set([...(previous.storedVersions ?? []), ...(storage === undefined ? [] : [storage])])];
  const since = (type: string): string => previous.conditions?.find((c) => c.type === type)?.lastTransitionTime ?? now;
  const condition = (type: string, reason: string, message: string): Record<string, string> => ({ type, status: 'True', lastTransitionTime: since(type), reason, message });
  crd.status = {
    conditions: [condition('NamesAccepted', 'NoConflicts', 'no conflicts found'), condition('Established', 'InitialNamesAccepted', 'the initial names have been accepted')],
    acceptedNames: spec.names,
    storedVersions: stored,
  };
}

/** The custom resource types of all stored CRDs. */
export function customTypesOf(crds: KubeObject[]): ResourceType[] {
  return crds.flatMap(resourceTypesOfCrd);
}
