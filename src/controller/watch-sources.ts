/**
 * [REQ-01] What a controller watches, as streams of reconcile requests: its own kind (one request per object
 * event) and mapped kinds (a Host change maps to the keys of the VMs on it). Merged by the controller.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { map, mergeMap, type Observable } from 'rxjs';
import type { Informer } from './informer.js';
import type { ReconcileRequest } from './reconciler.js';

export type RequestSource = Observable<ReconcileRequest>;

export function requestFor(object: KubernetesObject): ReconcileRequest {
  const namespace = object.metadata?.namespace;
  const name = object.metadata?.name ?? '';
  return namespace ? { namespace, name } : { name };
}

/** Every event of the informer's kind requests a reconcile of that object. */
export function watchOwnKind<T extends KubernetesObject>(informer: Informer<T>): RequestSource {
  return informer.events().pipe(map((event) => requestFor(event.object)));
}

/** Every event of another kind requests reconciles of the objects `mapToRequests` names. */
export function watchMapped<T extends KubernetesObject>(
  informer: Informer<T>,
  mapToRequests: (object: T) => ReconcileRequest[],
): RequestSource {
  return informer.events().pipe(mergeMap((event) => mapToRequests(event.object)));
}
