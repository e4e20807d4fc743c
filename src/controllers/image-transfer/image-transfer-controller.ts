/**
 * [REQ-01][REQ-04] Registers the ImageTransfer controller with a Manager: the ImageTransfer informer (own kind), the
 * shared Host informer (a Host change wakes the transfers still waiting to start: a destination Host that appears),
 * the running jobs' progress (transfer-jobs.ts) and the concurrency slots released by finished transfers
 * (src/hosts/host-transfer-slots.ts), and the ImageTransferReconciler. Headers Secrets are read on demand from the
 * transfer's namespace, never cached. When the controller stops (operator shutdown, or leadership lost) the running
 * jobs stop and keep their staged files, so the next leader resumes them instead of two processes writing at once.
 * With a metrics registry, every job's progress also feeds the transfer metrics (transfer-metrics.ts).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import { map } from 'rxjs';
import type { Host } from '../../api/v1alpha1/host.js';
import type { ImageTransfer } from '../../api/v1alpha1/image-transfer.js';
import type { TransferConfig } from '../../config/types.js';
import { apiSecretDataReader } from '../../controller/secret-data.js';
import type { Controller } from '../../controller/controller.js';
import { CustomResourceClient } from '../../controller/custom-resource-client.js';
import type { Informer } from '../../controller/informer.js';
import type { Manager } from '../../controller/manager.js';
import { requestFromKey } from '../../controller/reconciler.js';
import { requestFor, watchMapped, watchOwnKind } from '../../controller/watch-sources.js';
import { HostTransferSlots } from '../../hosts/host-transfer-slots.js';
import { IMAGE_TRANSFER_RESOURCE, imageTransferInformer } from '../../hosts/watch-keys.js';
import type { AuditSink } from '../../security/audit-log.js';
import type { Clock } from '../../time/clock.js';
import { startTransfer } from '../../transfer/transfer-job.js';
import { ImageTransferReconciler } from './image-transfer-reconciler.js';
import type { TransferEventSink } from './transfer-events.js';
import type { TransferHostAccess } from './transfer-hosts.js';
import { PROGRESS_INTERVAL_MS, TransferJobs } from './transfer-jobs.js';
import { TransferMetrics } from './transfer-metrics.js';

export const IMAGE_TRANSFER_CONTROLLER_NAME = 'image-transfer';


export interface ImageTransferControllerOptions {
  manager: Manager;
  kubeConfig: KubeConfig;
  /** The shared Host informer (src/hosts/watch-keys.ts). */
  hosts: Informer<Host>;
  access: TransferHostAccess;
  events: TransferEventSink;
  audit: AuditSink;
  clock: Clock;
  config: TransferConfig;
  workers: number;
  commandTimeoutMs: number;
  recheckIntervalMs?: number;
  /** Where the transfer metrics (transfer-metrics.ts) are registered; none without it. */
  registry?: Registry;
}

export interface RegisteredImageTransferController {
  controller: Controller;
  informers: [Informer<ImageTransfer>];
}

export function registerImageTransferController(options: ImageTransferControllerOptions): RegisteredImageTransferController {
  const { manager, hosts } = options;
  const transfers = imageTransferInformer(manager);
  const metrics = options.registry === undefined ? undefined : new TransferMetrics(options.registry, transfers.store);
  const jobs = new TransferJobs(options.clock, PROGRESS_INTERVAL_MS, metrics && ((previous, progress) => metrics.observe(previous, progress)));
  const slots = new HostTransferSlots(options.config.concurrency);
  const reconciler = new ImageTransferReconciler({
    transfers: new CustomResourceClient<ImageTransfer>(options.kubeConfig, IMAGE_TRANSFER_RESOURCE),
    hosts: hosts.store,
    access: options.access,
    readSecret: apiSecretDataReader(options.kubeConfig),
    jobs,
    slots,
    startTransfer,
    events: options.events,
    audit: options.audit,
    clock: options.clock,
    config: options.config,
    commandTimeoutMs: options.commandTimeoutMs,
    ...(options.recheckIntervalMs === undefined ? {} : { recheckIntervalMs: options.recheckIntervalMs }),
  });
  const waitingToStart = (transfer: ImageTransfer): boolean => (transfer.status?.phase ?? 'Pending') === 'Pending';
  const controller = manager.addController({
    name: IMAGE_TRANSFER_CONTROLLER_NAME,
    reconciler,
    workers: options.workers,
    onStopped: async () => {
      await jobs.stopAll();
      slots.releaseAll();
    },
    sources: [
      watchOwnKind(transfers),
      watchMapped(hosts, () => transfers.store.list().filter(waitingToStart).map(requestFor)),
      jobs.wakes().pipe(map(requestFromKey)),
      slots.released().pipe(map(requestFromKey)),
    ],
  });
  return { controller, informers: [transfers] };
}
