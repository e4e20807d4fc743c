/**
 * [REQ-01] What a controller watches, as streams of reconcile requests: its own kind (one request per object
 * event) and mapped kinds (a Host change maps to the keys of the VMs on it). Merged by the controller.
 *
 * Own-kind contract: adds, deletes and resyncs always request a reconcile; an update requests one unless it is
 * status-only (status-only-update.ts: same generation, labels, annotations, finalizers, deletionTimestamp and
 * ownerReferences, i.e. typically the reconciler's own status write coming back). A controller that reacts to
 * status written by others opts out with `{ includeStatusOnlyUpdates: true }`. Mapped watches are never
 * filtered: every event of the mapped kind (a Secret's data change included) reaches `mapToRequests`.
 *
 * Sources fail alone: a mapper that throws fails only that event (SourceFailure), and a source whose stream errors
 * is resubscribed by the controller after a delay; both are logged and counted, the other sources go on.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { filter, map, mergeMap, type Observable } from 'rxjs';
import type { Informer, InformerEvent } from './informer.js';
import type { ReconcileRequest } from './reconciler.js';
import { objectKey } from './resource-kind.js';
import { isStatusOnlyUpdate } from './status-only-update.js';

/**
 * One event of a mapped watch that could not be turned into requests (the mapper threw). It travels in the stream
 * instead of ending it, so the controller logs and counts it and the next event is mapped as usual.
 */
export class SourceFailure {
  constructor(
    /** Which watch failed, e.g. `mapped:secrets` (a bounded metric label). */
    readonly source: string,
    /** The key of the object whose event failed. */
    readonly objectKey: string,
    readonly error: unknown,
  ) {}
}

export type RequestSource = Observable<ReconcileRequest | SourceFailure>;

/** What a watch reads from an informer: its event stream, and its name for logs and metrics. */
export type EventSource<T extends KubernetesObject> = Pick<Informer<T>, 'events'> & { readonly name?: string };

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

/**
 * Every event of another kind requests reconciles of the objects `mapToRequests` names. A mapper that throws
 * fails that one event (a SourceFailure in the stream), never the watch.
 */
export function watchMapped<T extends KubernetesObject>(
  informer: EventSource<T>,
  mapToRequests: (object: T) => ReconcileRequest[],
): RequestSource {
  const source = `mapped:${informer.name ?? 'unnamed'}`;
  return informer.events().pipe(
    mergeMap((event): Array<ReconcileRequest | SourceFailure> => {
      try {
        return mapToRequests(event.object);
      } catch (error) {
        return [new SourceFailure(source, objectKey(event.object), error)];
      }
    }),
  );
}
