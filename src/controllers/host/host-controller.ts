/**
 * [REQ-01][REQ-05] Registers the Host controller with a Manager: the shared Host informer (own kind), the shared
 * ssh-auth Secret informer (src/hosts/watch-keys.ts), whose changes map to the Hosts that reference the Secret,
 * the shared VirtualMachine informer, whose changes map to a Host being deleted that they run on, and the lost SSH
 * and libvirt connections of HostConnections, each of which re-checks its Host at once (a dead host, or a restarted
 * libvirtd, is seen in seconds; a lost SSH connection is reported at once: connection-drops.ts).
 * The HostReconciler reads Hosts from the Host informer's cache; HostConnections reads the credentials from the
 * Secret informer's cache, which holds only Secrets of type kubernetes.io/ssh-auth in the credentials namespaces.
 */
import type { KubeConfig, V1Secret } from '@kubernetes/client-node';
import { map, tap, type Observable } from 'rxjs';
import type { Host } from '../../api/v1alpha1/host.js';
import type { Clock } from '../../time/clock.js';
import type { Controller } from '../../controller/controller.js';
import { CustomResourceClient } from '../../controller/custom-resource-client.js';
import type { Informer } from '../../controller/informer.js';
import type { Manager } from '../../controller/manager.js';
import { watchMapped, watchOwnKind } from '../../controller/watch-sources.js';
import type { VirtualMachine } from '../../api/v1alpha1/virtual-machine.js';
import { HOST_RESOURCE, hostInformer as sharedHostInformer, sshAuthSecretInformer, virtualMachineInformer } from '../../hosts/watch-keys.js';
import { UnreportedDrops, type ConnectionDrop } from './connection-drops.js';
import type { HostAccess } from './host-access.js';
import type { HostConditionMetric } from './host-condition-metric.js';
import { HostReconciler, type HostEventSink } from './host-reconciler.js';
import { deletingHostOf, hostsUsingSecret } from './host-requests.js';

export const HOST_CONTROLLER_NAME = 'host';

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
  /** Lost SSH or libvirt connections (HostConnections.drops()): each requests a reconcile of its Host at once. */
  connectionDrops?: Observable<ConnectionDrop>;
  conditionMetric?: HostConditionMetric;
}

export interface RegisteredHostController {
  controller: Controller;
  informers: [Informer<Host>, Informer<V1Secret>, Informer<VirtualMachine>];
}

export function registerHostController(options: HostControllerOptions): RegisteredHostController {
  const { manager, kubeConfig } = options;
  const hostInformer = sharedHostInformer(manager);
  const secretInformer = sshAuthSecretInformer(manager, kubeConfig, options.credentialsNamespaces);
  const vmInformer = virtualMachineInformer(manager);
  const drops = new UnreportedDrops();
  const reconciler = new HostReconciler({
    hosts: new CustomResourceClient<Host>(kubeConfig, HOST_RESOURCE),
    cache: hostInformer.store,
    virtualMachines: vmInformer.store,
    access: options.access,
    events: options.events,
    clock: options.clock,
    drops,
    ...(options.heartbeatIntervalMs === undefined ? {} : { heartbeatIntervalMs: options.heartbeatIntervalMs }),
    ...(options.recheckIntervalMs === undefined ? {} : { recheckIntervalMs: options.recheckIntervalMs }),
    ...(options.conditionMetric === undefined ? {} : { conditionMetric: options.conditionMetric }),
  });
  const controller = manager.addController({
    name: HOST_CONTROLLER_NAME,
    reconciler,
    workers: options.workers,
    sources: [
      watchOwnKind(hostInformer),
      watchMapped(secretInformer, (secret) => hostsUsingSecret(hostInformer.store.list(), secret)),
      watchMapped(vmInformer, (vm) => deletingHostOf(hostInformer.store, vm)),
      ...(options.connectionDrops === undefined ? [] : [options.connectionDrops.pipe(tap((drop) => drops.record(drop)), map((drop) => ({ name: drop.host })))]),
    ],
  });
  return { controller, informers: [hostInformer, secretInformer, vmInformer] };
}
