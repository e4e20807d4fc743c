/**
 * [REQ-01][REQ-05] The watch keys that several controllers share: the Host, VirtualMachine, ImageTransfer and Secret
 * resource definitions, the ssh-auth Secret selector, and the functions that return the Manager's shared informers. The
 * Manager keeps one informer per (resource, field selector, namespaces); every controller that asks through these
 * functions gets that same informer, so Hosts and credential Secrets are listed and watched once per process.
 *
 *   const hosts = hostInformer(manager);                                      // Informer<Host>, all Hosts
 *   const vms = virtualMachineInformer(manager);                              // Informer<VirtualMachine>
 *   const transfers = imageTransferInformer(manager);                         // Informer<ImageTransfer>
 *   const secrets = sshAuthSecretInformer(manager, kubeConfig, namespaces);   // Informer<V1Secret>, ssh-auth only
 *
 * The Secret informer caches only SSH credentials: Secrets of type kubernetes.io/ssh-auth (server-side field
 * selector), in the `credentialsNamespaces` of controller_config when given (else in all namespaces), so no other
 * Secret is ever read.
 */
import { CoreV1Api, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { GROUP, RESOURCES, VERSION } from '../api/v1alpha1/group.js';
import type { Host } from '../api/v1alpha1/host.js';
import type { ImageTransfer } from '../api/v1alpha1/image-transfer.js';
import type { VirtualMachine } from '../api/v1alpha1/virtual-machine.js';
import type { Informer } from '../controller/informer.js';
import type { Manager } from '../controller/manager.js';
import type { ResourceKind } from '../controller/resource-kind.js';

export const HOST_RESOURCE: ResourceKind = { group: GROUP, version: VERSION, plural: RESOURCES.Host.plural, kind: RESOURCES.Host.kind, namespaced: false };
export const VIRTUAL_MACHINE_RESOURCE: ResourceKind = {
  group: GROUP,
  version: VERSION,
  plural: RESOURCES.VirtualMachine.plural,
  kind: RESOURCES.VirtualMachine.kind,
  namespaced: true,
};
export const IMAGE_TRANSFER_RESOURCE: ResourceKind = {
  group: GROUP,
  version: VERSION,
  plural: RESOURCES.ImageTransfer.plural,
  kind: RESOURCES.ImageTransfer.kind,
  namespaced: true,
};
export const SECRET_RESOURCE: ResourceKind = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true };

export const SSH_AUTH_SECRET_TYPE = 'kubernetes.io/ssh-auth';
/** The Secret informer's field selector: SSH credentials only. */
export const SSH_AUTH_SECRET_SELECTOR = `type=${SSH_AUTH_SECRET_TYPE}`;

/** The shared informer of every Host (cluster-scoped). */
export function hostInformer(manager: Manager): Informer<Host> {
  return manager.informerFor<Host>(HOST_RESOURCE);
}

/** The shared informer of VirtualMachines, in the configured `namespaces` of controller_config. */
export function virtualMachineInformer(manager: Manager): Informer<VirtualMachine> {
  return manager.informerFor<VirtualMachine>(VIRTUAL_MACHINE_RESOURCE);
}

/** The shared informer of ImageTransfers, in the configured `namespaces` of controller_config. */
export function imageTransferInformer(manager: Manager): Informer<ImageTransfer> {
  return manager.informerFor<ImageTransfer>(IMAGE_TRANSFER_RESOURCE);
}

/** The shared informer of ssh-auth Secrets in `credentialsNamespaces` (empty or absent = all namespaces). */
export function sshAuthSecretInformer(manager: Manager, kubeConfig: KubeConfig, credentialsNamespaces: readonly string[] = []): Informer<V1Secret> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  return manager.informerFor<V1Secret>(SECRET_RESOURCE, {
    fieldSelector: SSH_AUTH_SECRET_SELECTOR,
    namespaces: credentialsNamespaces,
    list: ({ namespace, fieldSelector }) =>
      namespace === undefined ? core.listSecretForAllNamespaces({ fieldSelector }) : core.listNamespacedSecret({ namespace, fieldSelector }),
  });
}
