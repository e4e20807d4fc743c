/**
 * [REQ-01] The reconciler contract (controller-runtime's `Reconcile(ctx, request) -> (Result, error)`).
 *
 * - `reconcile` is level-based and idempotent: it reads the current object (gone -> return `{}`), compares with
 *   the spec, acts, and writes status once. A second reconcile of an unchanged object makes no mutating call.
 * - Resolving with `{}` means done: the key's backoff is forgotten.
 * - Resolving with `{ requeueAfterMs }` means "look again later" (polling a host, a transfer in progress); the
 *   backoff is forgotten and the key comes back after that delay.
 * - Throwing a retryable error (any error that is not an `OperatorError` with `retryable: false`) requeues the key
 *   with per-key exponential backoff combined with the global token bucket.
 * - Throwing a terminal error (`OperatorError` with `retryable: false`) does not requeue: before throwing, the
 *   reconciler records the condition and a Warning Event with the error's `reason`. The key runs again only when
 *   the object (or a mapped watch) changes — no hot loop.
 * - Resolving with `{ failure, requeueAfterMs }` is a failure already recorded in status (condition and Warning
 *   Event) that the reconciler re-checks on its own schedule instead of the workqueue's backoff: a Host whose key
 *   was refused (terminal, slow re-check) or that is unreachable (retryable, re-checked within seconds). It is
 *   counted as an error with its reason and retryability, and the key comes back after `requeueAfterMs`.
 * - What triggers a reconcile (watch-sources.ts): an add, delete or resync of the object, and an update that
 *   changed its generation (spec), labels, annotations, finalizers, deletionTimestamp or ownerReferences. An
 *   update that changed only status (the reconciler's own status write coming back) does not, so never count on
 *   your status write to bring the key back: return `{ requeueAfterMs }` for a follow-up. A controller that must
 *   react to status written by others watches with `watchOwnKind(informer, { includeStatusOnlyUpdates: true })`.
 *   Mapped kinds (and objects without `metadata.generation`) are not filtered: every change of them counts.
 * - `ctx.signal` aborts when the controller stops (leadership lost, shutdown); pass it to every SSH/libvirt/API
 *   call so in-flight work ends promptly.
 * - Finalizers: remove a finalizer only after cleanup succeeded — use `runFinalizer` (finalizers.ts), which keeps
 *   the finalizer whenever cleanup throws.
 */
import type { OperatorError } from '../errors/operator-error.js';
import type { RuntimeLogger } from './runtime-logger.js';

export interface ReconcileRequest {
  /** Absent for cluster-scoped kinds such as Host. */
  namespace?: string;
  name: string;
}

export interface ReconcileContext {
  signal: AbortSignal;
  /** Child logger carrying {controller, namespace, name, reconcileId}. */
  logger: RuntimeLogger;
}

export interface Result {
  requeueAfterMs?: number;
  /** A failure already recorded in status; the controller counts it with its reason and retryability. */
  failure?: OperatorError;
}

export interface Reconciler {
  reconcile(request: ReconcileRequest, ctx: ReconcileContext): Promise<Result>;
}

/** Queue key of a request: `namespace/name`, or `name` when cluster-scoped (client-go's MetaNamespaceKeyFunc). */
export function requestKey(request: ReconcileRequest): string {
  return request.namespace ? `${request.namespace}/${request.name}` : request.name;
}

export function requestFromKey(key: string): ReconcileRequest {
  const slash = key.indexOf('/');
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
