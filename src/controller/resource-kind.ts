/** [REQ-01] Which API resource an informer or client addresses, and the keys and paths derived from it. */
import type { KubernetesObject } from '@kubernetes/client-node';

export interface ResourceKind {
  /** '' for the core group. */
  group: string;
  version: string;
  /** Lower-case plural as in the URL, e.g. `virtualmachines`. */
  plural: string;
  kind: string;
  namespaced: boolean;
}

export function apiVersionOf(resource: ResourceKind): string {
  return resource.group === '' ? resource.version : `${resource.group}/${resource.version}`;
}

/**
 * The collection URL: `/api/v1/secrets` or `/apis/virtfleet.io/v1alpha1/virtualmachines` for all namespaces (and
 * for cluster-scoped kinds), `/api/v1/namespaces/<namespace>/secrets` for one namespace of a namespaced kind.
 */
export function collectionPath(resource: ResourceKind, namespace?: string): string {
  const prefix = resource.group === '' ? `/api/${resource.version}` : `/apis/${resource.group}/${resource.version}`;
  const scope = resource.namespaced && namespace !== undefined ? `/namespaces/${namespace}` : '';
  return `${prefix}${scope}/${resource.plural}`;
}

/** Informer cache and workqueue key of an object: `namespace/name` or `name`. */
export function objectKey(object: KubernetesObject): string {
  const namespace = object.metadata?.namespace;
  const name = object.metadata?.name ?? '';
  return namespace ? `${namespace}/${name}` : name;
}
