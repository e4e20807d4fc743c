/**
 * [REQ-01] Registers the VirtualMachine controller with a Manager: the VM informer (own kind), the shared Host
 * informer (a Host change maps to the VMs placed on it and to the VMs still waiting for a Host), the shared
 * ImageTransfer informer (a transfer's change maps to the VMs waiting on it), the per-host
 * libvirt domain events and relists (host-domain-events.ts), and the VirtualMachineReconciler. Secrets holding
 * cloud-init user data are read on demand from the VM's namespace, never cached.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { GROUP, RESOURCES, VERSION } from '../../api/v1alpha1/group.js';
import type { Host } from '../../api/v1alpha1/host.js';
import type { VirtualMachine } from '../../api/v1alpha1/virtual-machine.js';
import { apiSecretDataReader } from '../../controller/secret-data.js';
import type { Controller } from '../../controller/controller.js';
import { CustomResourceClient } from '../../controller/custom-resource-client.js';
import type { Informer } from '../../controller/informer.js';
import type { Manager } from '../../controller/manager.js';
import type { ResourceKind } from '../../controller/resource-kind.js';
import type { RuntimeLogger } from '../../controller/runtime-logger.js';
import { requestFor, watchMapped, watchOwnKind } from '../../controller/watch-sources.js';
import type { LibvirtConfig } from '../../config/types.js';
import type { AuditSink } from '../../security/audit-log.js';
import type { Clock } from '../../time/clock.js';
import type { SecretValueReader } from './cloud-init-seed.js';
import { hostDomainEvents } from './host-domain-events.js';
import { ApiImageTransferRequests, vmsWaitingOn } from './image-transfer-request.js';
import { IMAGE_TRANSFER_RESOURCE, imageTransferInformer } from '../../hosts/watch-keys.js';
import type { ImageTransfer } from '../../api/v1alpha1/image-transfer.js';
import type { VmEventSink } from './vm-events.js';
import type { VmHostAccess } from './vm-host.js';
import { VmMetrics } from './vm-metrics.js';
import { VirtualMachineReconciler } from './vm-reconciler.js';
import type { Registry } from 'prom-client';

export const VIRTUAL_MACHINE_CONTROLLER_NAME = 'virtual-machine';

export const VIRTUAL_MACHINE_RESOURCE: ResourceKind = {
  group: GROUP, version: VERSION, plural: RESOURCES.VirtualMachine.plural, kind: RESOURCES.VirtualMachine.kind, namespaced: true,
};

export interface VmControllerOptions {
  manager: Manager;
  kubeConfig: KubeConfig;
  /** The shared Host informer (src/hosts/watch-keys.ts). */
  hosts: Informer<Host>;
  access: VmHostAccess;
  events: VmEventSink;
  audit: AuditSink;
  clock: Clock;
  logger: RuntimeLogger;
  libvirt: LibvirtConfig;
  imageCacheDir: string;
  workers: number;
  registry?: Registry;
  relistIntervalMs?: number;
  recheckIntervalMs?: number;
}

/** One key of a Secret (the VM's namespace): what a cloud-init userDataSecretRef names. */
function secretKeyOf(read: ReturnType<typeof apiSecretDataReader>): SecretValueReader {
  return async (namespace, name, key) => (await read(namespace, name))?.[key];
}

export function registerVirtualMachineController(options: VmControllerOptions): { controller: Controller; informers: [Informer<VirtualMachine>] } {
  const { manager, hosts } = options;
  const vms = manager.informerFor<VirtualMachine>(VIRTUAL_MACHINE_RESOURCE);
  const metrics = options.registry === undefined ? undefined : new VmMetrics(options.registry, vms.store);
  const reconciler = new VirtualMachineReconciler({
    vms: new CustomResourceClient<VirtualMachine>(options.kubeConfig, VIRTUAL_MACHINE_RESOURCE),
    vmCache: vms.store,
    hostCache: hosts.store,
    access: options.access,
    readSecret: secretKeyOf(apiSecretDataReader(options.kubeConfig)),
    events: options.events,
    audit: options.audit,
    clock: options.clock,
    libvirt: options.libvirt,
    imageCacheDir: options.imageCacheDir,
    images: new ApiImageTransferRequests(new CustomResourceClient<ImageTransfer>(options.kubeConfig, IMAGE_TRANSFER_RESOURCE)),
    ...(metrics === undefined ? {} : { metrics }),
    ...(options.recheckIntervalMs === undefined ? {} : { recheckIntervalMs: options.recheckIntervalMs }),
  });
  const controller = manager.addController({
    name: VIRTUAL_MACHINE_CONTROLLER_NAME,
    reconciler,
    workers: options.workers,
    sources: [
      watchOwnKind(vms),
      watchMapped(imageTransferInformer(manager), (transfer) => vmsWaitingOn(transfer, vms.store.list())),
      watchMapped(hosts, (host) => vms.store.list().filter((vm) => vm.status?.host === undefined || vm.status.host === host.metadata?.name).map(requestFor)),
      hostDomainEvents({
        hosts, vms: vms.store, access: options.access, clock: options.clock, logger: options.logger,
        ...(options.relistIntervalMs === undefined ? {} : { relistIntervalMs: options.relistIntervalMs }),
      }),
    ],
  });
  return { controller, informers: [vms] };
}
