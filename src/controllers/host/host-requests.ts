/**
 * [REQ-01] Mapped watch of the Host controller: a Secret that is created, changed or deleted requests a reconcile
 * of every Host whose spec.credentialsSecretRef names it (so a fixed or rotated key is picked up at once).
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Host } from '../../api/v1alpha1/host.js';
import type { ReconcileRequest } from '../../controller/reconciler.js';

export function hostsUsingSecret(hosts: readonly Host[], secret: KubernetesObject): ReconcileRequest[] {
  const namespace = secret.metadata?.namespace;
  const name = secret.metadata?.name;
  return hosts
    .filter((host) => host.spec?.credentialsSecretRef?.namespace === namespace && host.spec.credentialsSecretRef.name === name)
    .map((host) => ({ name: host.metadata?.name ?? '' }));
}
