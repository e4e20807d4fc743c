/**
 * [REQ-01][REQ-06] Tells a status-only update of a watched object from one a reconciler acts on
 * (controller-runtime's GenerationChangedPredicate, widened to the metadata reconcilers read).
 *
 * An update is status-only when both versions carry `metadata.generation`, it did not change, and neither did
 * labels, annotations, finalizers, deletionTimestamp nor ownerReferences: only `status`, `resourceVersion` or
 * `managedFields` moved. The API server bumps `generation` on every spec change of a resource with a status
 * subresource (and on any change of one without). An object without `generation` (Secret, ConfigMap, a kind
 * whose data is not under `spec`) is never status-only: every change of it counts.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { isDeepStrictEqual } from 'node:util';

/** Metadata fields a reconciler may act on; a change of any of them is never status-only. */
const ACTED_ON_METADATA = ['labels', 'annotations', 'finalizers', 'deletionTimestamp', 'ownerReferences'] as const;

export function isStatusOnlyUpdate(oldObject: KubernetesObject, object: KubernetesObject): boolean {
  const before = oldObject.metadata;
  const after = object.metadata;
  if (before?.generation === undefined || after?.generation === undefined) return false;
  if (before.generation !== after.generation) return false;
  return ACTED_ON_METADATA.every((field) => isDeepStrictEqual(before[field], after[field]));
}
