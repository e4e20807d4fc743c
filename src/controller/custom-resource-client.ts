/**
 * [REQ-01] Reads and writes one custom resource kind through client-node's CustomObjectsApi: get, list, status
 * replace through the `/status` subresource, and JSON merge patches. 404 on get is `undefined`; every other
 * failure is thrown as client-node's ApiException (see api-errors.ts).
 */
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { KubeConfig, KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import { isNotFound } from './api-errors.js';
import type { ListScope } from './list-watch-loop.js';
import type { ResourceKind } from './resource-kind.js';

const mergePatchOptions = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export class CustomResourceClient<T extends KubernetesObject> {
  private readonly api: CustomObjectsApi;

  constructor(kubeConfig: KubeConfig, readonly resource: ResourceKind) {
    this.api = kubeConfig.makeApiClient(CustomObjectsApi);
  }

  async get(namespace: string | undefined, name: string): Promise<T | undefined> {
    const { group, version, plural } = this.resource;
    try {
      return (await (this.resource.namespaced
        ? this.api.getNamespacedCustomObject({ group, version, plural, namespace: namespaceOf(namespace), name })
        : this.api.getClusterCustomObject({ group, version, plural, name }))) as T;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Objects of the kind in `scope.namespace` (all namespaces when absent, or for a cluster-scoped kind). */
  async list(scope: ListScope & { labelSelector?: string } = {}): Promise<KubernetesListObject<T>> {
    const { group, version, plural } = this.resource;
    const { namespace, fieldSelector, labelSelector } = scope;
    return (await (this.resource.namespaced && namespace !== undefined
      ? this.api.listNamespacedCustomObject({ group, version, plural, namespace, fieldSelector, labelSelector })
      : this.api.listClusterCustomObject({ group, version, plural, fieldSelector, labelSelector }))) as KubernetesListObject<T>;
  }

  async create(object: T): Promise<T> {
    const { group, version, plural } = this.resource;
    const namespace = object.metadata?.namespace;
    return (await (this.resource.namespaced
      ? this.api.createNamespacedCustomObject({ group, version, plural, namespace: namespaceOf(namespace), body: object })
      : this.api.createClusterCustomObject({ group, version, plural, body: object }))) as T;
  }

  /** PUT to `/status`: fails with 409 Conflict when `object.metadata.resourceVersion` is stale. */
  async replaceStatus(object: T): Promise<T> {
    const { group, version, plural } = this.resource;
    const name = object.metadata?.name ?? '';
    return (await (this.resource.namespaced
      ? this.api.replaceNamespacedCustomObjectStatus({ group, version, plural, namespace: namespaceOf(object.metadata?.namespace), name, body: object })
      : this.api.replaceClusterCustomObjectStatus({ group, version, plural, name, body: object }))) as T;
  }

  /** JSON merge patch of the main resource; include `metadata.resourceVersion` in it for optimistic locking. */
  async mergePatch(namespace: string | undefined, name: string, patch: object): Promise<T> {
    const { group, version, plural } = this.resource;
    return (await (this.resource.namespaced
      ? this.api.patchNamespacedCustomObject({ group, version, plural, namespace: namespaceOf(namespace), name, body: patch }, mergePatchOptions)
      : this.api.patchClusterCustomObject({ group, version, plural, name, body: patch }, mergePatchOptions))) as T;
  }
}

function namespaceOf(namespace: string | undefined): string {
  if (!namespace) throw new TypeError('a namespaced resource needs metadata.namespace');
  return namespace;
}
