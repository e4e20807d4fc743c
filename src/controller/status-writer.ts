/**
 * [REQ-01] Writes a reconciler's status through the `/status` subresource, once per reconcile:
 * - `status.observedGeneration` is the generation the reconciler observed;
 * - a status equal to the stored one is not written (a second reconcile of an unchanged object is read-only);
 * - a 409 Conflict re-reads the object and writes the same status onto the fresh version, at most
 *   `maxConflictRetries` times; then the conflict is thrown (retryable: the workqueue backs off).
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { isDeepStrictEqual } from 'node:util';
import { isConflict } from './api-errors.js';
import type { CustomResourceClient } from './custom-resource-client.js';

export interface ObjectWithStatus<S> extends KubernetesObject {
  status?: S;
}

export class StatusWriter<S extends object, T extends ObjectWithStatus<S>> {
  constructor(private readonly client: CustomResourceClient<T>, private readonly maxConflictRetries = 5) {}

  /**
   * Stores `status` (plus observedGeneration) on `observed`. Returns the object as stored, or `undefined` when the
   * object was deleted meanwhile.
   */
  async update(observed: T, status: S): Promise<T | undefined> {
    const desired = { ...status, observedGeneration: observed.metadata?.generation };
    let current: T | undefined = observed;
    for (let attempt = 0; ; attempt++) {
      if (isDeepStrictEqual(current.status, desired)) return current;
      try {
        return await this.client.replaceStatus({ ...current, status: desired });
      } catch (error) {
        if (!isConflict(error) || attempt >= this.maxConflictRetries) throw error;
      }
      current = await this.client.get(observed.metadata?.namespace, observed.metadata?.name ?? '');
      if (current === undefined) return undefined;
    }
  }
}
