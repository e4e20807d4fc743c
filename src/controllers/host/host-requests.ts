/**
 * [REQ-01] Mapped watches of the Host controller: a Secret that is created, changed or deleted requests a reconcile
 * of every Host whose spec.credentialsSecretRef names it (so a fixed or rotated key is picked up at once); a
 * VirtualMachine event requests its Host (status.host) only while that Host is being deleted, so a deletion that
 * waits for its VMs goes on as soon as the last one leaves, and VM churn costs healthy Hosts nothing.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Host } from '../../api/v1alpha1/host.js';
import type { VirtualMachine } from '../../api/v1alpha1/virtual-machine.js';
import type { ReconcileRequest } from '../../controller/reconciler.js';
import type { HostLookup } from '../../hosts/host-target.js';

export function hostsUsingSecret(hosts: readonly Host[], secret: KubernetesObject): ReconcileRequest[] {
  const namespace = secret.metadata?.namespace;
  const name = secret.metadata?.name;
  return hosts
    .filter((host) => host.spec?.credentialsSecretRef?.namespace === namespace && host.spec.credentialsSecretRef.name === name)
    .map((host) => ({ name: host.metadata?.name ?? '' }));
}

export function deletingHostOf(hosts: HostLookup, vm: VirtualMachine): ReconcileRequest[] {
  const name = vm.status?.host;
  if (name === undefined) return [];
  return hosts.get(undefined, name)?.metadata?.deletionTimestamp === undefined ? [] : [{ name }];
}
