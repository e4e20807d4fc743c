/**
 * [REQ-01] Finalizers, added and removed with a JSON merge patch that carries the observed resourceVersion (a
 * concurrent change fails with 409 and the reconcile is retried with backoff instead of overwriting the list).
 *
 * Contract: a finalizer is removed only after its cleanup succeeded. `runFinalizer` enforces it: cleanup that
 * throws leaves the finalizer in place and the error goes to the workqueue (retryable) or becomes a terminal
 * condition. Never remove a finalizer in a `finally` block.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { CustomResourceClient } from './custom-resource-client.js';

export function hasFinalizer(object: KubernetesObject, finalizer: string): boolean {
  return object.metadata?.finalizers?.includes(finalizer) ?? false;
}

/** Adds `finalizer` unless present (then no API call). Returns the object as stored. */
export async function ensureFinalizer<T extends KubernetesObject>(client: CustomResourceClient<T>, object: T, finalizer: string): Promise<T> {
  if (hasFinalizer(object, finalizer)) return object;
  return patchFinalizers(client, object, [...(object.metadata?.finalizers ?? []), finalizer]);
}

/**
 * Runs `cleanup` for an object being deleted, then removes `finalizer`. Does nothing when the finalizer is
 * absent. If cleanup throws, the finalizer stays and the error propagates.
 */
export async function runFinalizer<T extends KubernetesObject>(
  client: CustomResourceClient<T>,
  object: T,
  finalizer: string,
  cleanup: () => Promise<void>,
): Promise<T> {
  if (!hasFinalizer(object, finalizer)) return object;
  await cleanup();
  return patchFinalizers(client, object, (object.metadata?.finalizers ?? []).filter((f) => f !== finalizer));
}

function patchFinalizers<T extends KubernetesObject>(client: CustomResourceClient<T>, object: T, finalizers: string[]): Promise<T> {
  const patch = { metadata: { finalizers, resourceVersion: object.metadata?.resourceVersion } };
  return client.mergePatch(object.metadata?.namespace, object.metadata?.name ?? '', patch);
}
