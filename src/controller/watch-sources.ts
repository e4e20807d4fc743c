/**
 * [REQ-01] What a controller watches, as streams of reconcile requests: its own kind (one request per object
 * event) and mapped kinds (a Host change maps to the keys of the VMs on it). Merged by the controller.
 *
 * Own-kind contract: adds, deletes and resyncs always request a reconcile; an update requests one unless it is
 * status-only (status-only-update.ts: same generation, labels, annotations, finalizers, deletionTimestamp and
 * ownerReferences, i.e. typically the reconciler's own status write coming back). A controller that reacts to
 * status written by others opts out with `{ includeStatusOnlyUpdates: true }`. Mapped watches are never
 * filtered: every event of the mapped kind (a Secret's data change included) reaches `mapToRequests`.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { filter, map, mergeMap, type Observable } from 'rxjs';
import type { Informer, InformerEvent } from './informer.js';
import type { ReconcileRequest } from './reconciler.js';
import { isStatusOnlyUpdate } from './status-only-update.js';

export type RequestSource = Observable<ReconcileRequest>;

/** What a watch reads from an informer: its event stream. */
export type EventSource<T extends KubernetesObject> = Pick<Informer<T>, 'events'>;

export interface OwnKindWatchOptions {
  /** Also reconcile on updates that changed only status (default false: they are skipped). */
  includeStatusOnlyUpdates?: boolean;
}

export function requestFor(object: KubernetesObject): ReconcileRequest {
  const namespace = object.metadata?.namespace;
  const name = object.metadata?.name ?? '';
  return namespace ? { namespace, name } : { name };
}

/** Whether an own-kind event requests a reconcile: all but status-only updates, or all when opted in. */
export function requestsReconcile<T extends KubernetesObject>(event: InformerEvent<T>, options: OwnKindWatchOptions = {}): boolean {
  if (event.type !== 'updated' || options.includeStatusOnlyUpdates === true) return true;
  return !isStatusOnlyUpdate(event.oldObject, event.object);
}

/** Every event of the informer's kind, except status-only updates unless opted in, requests a reconcile of that object. */
export function watchOwnKind<T extends KubernetesObject>(informer: EventSource<T>, options: OwnKindWatchOptions = {}): RequestSource {
  return informer.events().pipe(
    filter((event) => requestsReconcile(event, options)),
    map((event) => requestFor(event.object)),
  );
}

/** Every event of another kind requests reconciles of the objects `mapToRequests` names. */
export function watchMapped<T extends KubernetesObject>(
  informer: EventSource<T>,
  mapToRequests: (object: T) => ReconcileRequest[],
): RequestSource {
  return informer.events().pipe(mergeMap((event) => mapToRequests(event.object)));
}
