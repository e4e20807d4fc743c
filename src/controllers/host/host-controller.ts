/**
 * [REQ-01][REQ-05] Registers the Host controller with a Manager: a Host informer (own kind), a Secret informer whose
 * changes map to the Hosts that reference the Secret, and the HostReconciler reading Secrets from that cache.
 * The Secret informer caches only SSH credentials: Secrets of type kubernetes.io/ssh-auth (server-side field
 * selector), in the `credentialsNamespaces` when given (else in all namespaces), so no other Secret is ever read.
 */
import { CoreV1Api, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { GROUP, RESOURCES, VERSION } from '../../api/v1alpha1/group.js';
import type { Host } from '../../api/v1alpha1/host.js';
import type { Clock } from '../../controller/clock.js';
import type { Controller } from '../../controller/controller.js';
import { CustomResourceClient } from '../../controller/custom-resource-client.js';
import type { Informer } from '../../controller/informer.js';
import type { Manager } from '../../controller/manager.js';
import type { ResourceKind } from '../../controller/resource-kind.js';
import { watchMapped, watchOwnKind } from '../../controller/watch-sources.js';
import type { HostAccess } from './connect-host.js';
import { HostReconciler, type HostEventSink } from './host-reconciler.js';
import { hostsUsingSecret } from './host-requests.js';
import { SSH_AUTH_SECRET_TYPE } from './read-credentials.js';

export const HOST_CONTROLLER_NAME = 'host';

export const HOST_RESOURCE: ResourceKind = { group: GROUP, version: VERSION, plural: RESOURCES.Host.plural, kind: RESOURCES.Host.kind, namespaced: false };
export const SECRET_RESOURCE: ResourceKind = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true };

/** The Secret informer's field selector: SSH credentials only. */
export const SSH_AUTH_SECRET_SELECTOR = `type=${SSH_AUTH_SECRET_TYPE}`;

export interface HostControllerOptions {
  manager: Manager;
  kubeConfig: KubeConfig;
  /** Namespaces whose Secrets are watched for Host credentials (controller config); empty or absent = all. */
  credentialsNamespaces?: readonly string[];
  access: HostAccess;
  events: HostEventSink;
  clock: Clock;
  workers: number;
  heartbeatIntervalMs?: number;
  recheckIntervalMs?: number;
}

export interface RegisteredHostController {
  controller: Controller;
  informers: [Informer<Host>, Informer<V1Secret>];
}

export function registerHostController(options: HostControllerOptions): RegisteredHostController {
  const { manager, kubeConfig } = options;
  const hostInformer = manager.informerFor<Host>(HOST_RESOURCE);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const credentialsNamespaces = options.credentialsNamespaces ?? [];
  const secretInformer = manager.informerFor<V1Secret>(SECRET_RESOURCE, {
    fieldSelector: SSH_AUTH_SECRET_SELECTOR,
    namespaces: credentialsNamespaces,
    list: ({ namespace, fieldSelector }) =>
      namespace === undefined ? core.listSecretForAllNamespaces({ fieldSelector }) : core.listNamespacedSecret({ namespace, fieldSelector }),
  });
  const reconciler = new HostReconciler({
    hosts: new CustomResourceClient<Host>(kubeConfig, HOST_RESOURCE),
    secrets: secretInformer.store,
    credentialsNamespaces,
    access: options.access,
    events: options.events,
    clock: options.clock,
    ...(options.heartbeatIntervalMs === undefined ? {} : { heartbeatIntervalMs: options.heartbeatIntervalMs }),
    ...(options.recheckIntervalMs === undefined ? {} : { recheckIntervalMs: options.recheckIntervalMs }),
  });
  const controller = manager.addController({
    name: HOST_CONTROLLER_NAME,
    reconciler,
    workers: options.workers,
    sources: [
      watchOwnKind(hostInformer),
      watchMapped(secretInformer, (secret) => hostsUsingSecret(hostInformer.store.list(), secret)),
    ],
  });
  return { controller, informers: [hostInformer, secretInformer] };
}
