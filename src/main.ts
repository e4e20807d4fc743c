/**
 * [REQ-01] Wiring of the operator process, and nothing else: root logger, audit log, metrics and health server,
 * shared host connections, controller Manager with leader election, the Host, VirtualMachine and ImageTransfer controllers. `stop()` is
 * the graceful shutdown SIGTERM asks for: readiness drops, controllers drain (running image transfers stop, their
 * staged files kept for a resume) and the lease is released, SSH and libvirt
 * connections close, the health server stops, the audit chain head is published (file sink) and the audit log
 * closes.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Writable } from 'node:stream';
import type { VirtfleetConfig } from './config/types.js';
import { systemClock } from './time/clock.js';
import { EventRecorder } from './controller/event-recorder.js';
import { Manager } from './controller/manager.js';
import { hostAccessOver } from './controllers/host/host-access.js';
import { HostConditionMetric } from './controllers/host/host-condition-metric.js';
import { HOST_CONTROLLER_NAME, registerHostController } from './controllers/host/host-controller.js';
import { IMAGE_TRANSFER_CONTROLLER_NAME, registerImageTransferController } from './controllers/image-transfer/image-transfer-controller.js';
import { transferHostAccessOver } from './controllers/image-transfer/transfer-hosts.js';
import { registerVirtualMachineController, VIRTUAL_MACHINE_CONTROLLER_NAME } from './controllers/virtual-machine/vm-controller.js';
import { vmHostAccessOver } from './controllers/virtual-machine/vm-host.js';
import { HostOperationSlots } from './hosts/host-operation-slots.js';
import { HostConnections } from './hosts/host-connections.js';
import { hostInformer, sshAuthSecretInformer } from './hosts/watch-keys.js';
import { HealthServer } from './observability/health-server.js';
import type { ListenAddress } from './observability/listen-address.js';
import { createRootLogger } from './observability/logger.js';
import { controllerMetricsSink } from './observability/metrics-sink-adapter.js';
import { createMetricsRegistry, createOperatorMetrics } from './observability/metrics.js';
import { auditHeadPublisherFor } from './security/audit-head-publisher.js';
import { openAuditLog } from './security/audit-log.js';

export const EVENT_SOURCE_COMPONENT = 'virtfleet-controller';

export interface OperatorOptions {
  config: VirtfleetConfig;
  /** This replica's name in the Lease, logs and audit records (the pod name). */
  identity: string;
  kubeConfig: KubeConfig;
  /** Where log lines go; standard output by default. */
  logDestination?: Writable;
}

export interface RunningOperator {
  /** Where /metrics, /healthz and /readyz are served (the real port when 0 was configured). */
  healthAddress: ListenAddress;
  stop(): Promise<void>;
}

export async function startOperator(options: OperatorOptions): Promise<RunningOperator> {
  const { config, identity, kubeConfig } = options;
  const logger = createRootLogger({
    level: config.controller.logLevel,
    defaultMeta: { component: 'virtfleet', identity },
    ...(options.logDestination === undefined ? {} : { destination: options.logDestination }),
  });
  const registry = createMetricsRegistry();
  const health = new HealthServer({ address: config.controller.metricsAddress, registry });
  const audit = await openAuditLog(config.controller.audit, { controller: identity });
  let healthAddress: ListenAddress;
  try {
    healthAddress = await health.start();
  } catch (error) {
    audit.close();
    throw error;
  }

  const auditHead = auditHeadPublisherFor(config.controller, { kubeConfig, audit, identity, logger });
  const metrics = createOperatorMetrics(registry);
  const manager = new Manager({
    kubeConfig,
    config: config.controller,
    identity,
    logger,
    metrics: controllerMetricsSink(metrics, [HOST_CONTROLLER_NAME, VIRTUAL_MACHINE_CONTROLLER_NAME, IMAGE_TRANSFER_CONTROLLER_NAME]),
  });
  const credentialsNamespaces = config.controller.credentialsNamespaces;
  const connections = new HostConnections({
    hosts: hostInformer(manager).store,
    secrets: sshAuthSecretInformer(manager, kubeConfig, credentialsNamespaces).store,
    credentialsNamespaces,
    ssh: config.ssh,
    libvirt: config.libvirt,
    audit,
    metrics,
    logger: logger.child({ component: 'ssh' }),
    onAuditError: (error) => logger.error('audit record lost', { error: String(error) }),
  });
  const events = new EventRecorder(kubeConfig, { component: EVENT_SOURCE_COMPONENT, logger });
  const { informers } = registerHostController({
    manager,
    kubeConfig,
    access: hostAccessOver(connections),
    events,
    clock: systemClock,
    workers: config.controller.workers.host,
    heartbeatIntervalMs: config.controller.hosts.heartbeatIntervalSeconds * 1000,
    connectionDrops: connections.drops(),
    conditionMetric: new HostConditionMetric(metrics.hostCondition),
    credentialsNamespaces,
  });
  const operationSlots = new HostOperationSlots(hostInformer(manager).store);
  const vmController = registerVirtualMachineController({
    manager,
    kubeConfig,
    hosts: hostInformer(manager),
    access: vmHostAccessOver(connections, operationSlots),
    events,
    audit,
    clock: systemClock,
    logger: logger.child({ controller: VIRTUAL_MACHINE_CONTROLLER_NAME }),
    libvirt: config.libvirt,
    imageCacheDir: config.transfer.cacheDir,
    workers: config.controller.workers.virtualMachine,
    registry,
  });
  const transferController = registerImageTransferController({
    manager,
    kubeConfig,
    hosts: hostInformer(manager),
    access: transferHostAccessOver(connections),
    events,
    audit,
    clock: systemClock,
    config: config.transfer,
    workers: config.controller.workers.imageTransfer,
    commandTimeoutMs: config.ssh.commandTimeoutMs,
    registry,
  });

  let running = true;
  let synced = false;
  void Promise.all([...informers, ...vmController.informers, ...transferController.informers].map((informer) => informer.synced)).then(() => {
    synced = true;
    logger.info('informer caches synced');
  });
  health.addReadinessCheck('informers-synced', () => synced);
  // Leader or standby alike: a standby with warm caches is ready to take over.
  health.addReadinessCheck('manager-running', () => running);
  manager.start();
  auditHead?.start();
  logger.info('operator started', { healthAddress: formatAddress(healthAddress), leaderElection: config.controller.leaderElection.enabled });

  return {
    healthAddress,
    async stop() {
      if (!running) return;
      running = false;
      logger.info('operator stopping');
      await manager.stop();
      await connections.closeAll();
      await health.stop();
      await auditHead?.stop();
      audit.close();
      logger.info('operator stopped');
    },
  };
}

/** `host:port`, with brackets around an IPv6 host. */
function formatAddress(address: ListenAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
