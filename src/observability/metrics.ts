/**
 * [REQ-06] Every Prometheus metric the operator exports, declared in this one place. `createOperatorMetrics`
 * registers them on the Registry it is given (never prom-client's global one), so the operator and each test
 * get their own; `createMetricsRegistry` makes such a Registry with the default process and Node.js metrics.
 * Label values must stay bounded: controller names, host names, resource kinds, outcomes, error reasons.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type ReconcileResult = 'success' | 'requeue' | 'error';
export type SshCommandOutcome = 'success' | 'failure' | 'timeout';

export interface OperatorMetrics {
  /** Seconds one reconcile took; result success, requeue (RequeueAfter) or error. */
  reconcileDuration: Histogram<'controller' | 'result'>;
  /** Reconciles that failed, by the error's reason and whether it is retried with backoff. */
  reconcileErrors: Counter<'controller' | 'reason' | 'retryable'>;
  /** Keys waiting in a controller's workqueue. */
  workqueueDepth: Gauge<'controller'>;
  /** Open SSH connections per host (0 or 1 with one connection per host). */
  sshSessions: Gauge<'host'>;
  /** SSH channels open on a host's connection. */
  sshChannelsInUse: Gauge<'host'>;
  /** Current cap on concurrent channels to a host: maxSessionsPerHost, or lower after the server refused channels. */
  sshChannelLimit: Gauge<'host'>;
  /** Channel opens the server refused (sshd's MaxSessions below our cap); each is retried after a backoff. */
  sshChannelRefusals: Counter<'host'>;
  /** SSH exec commands run, by outcome. */
  sshCommands: Counter<'host' | 'outcome'>;
  /** Image bytes written to a destination host. */
  transferBytes: Counter<'host'>;
  /** Current combined rate of the transfers to a host. */
  transferRate: Gauge<'host'>;
  /** Informer watches restarted after an error or expiry, by resource. */
  informerRestarts: Counter<'resource'>;
  /** Events a controller's request source failed to map, or source streams that errored and were resubscribed. */
  sourceErrors: Counter<'controller' | 'source'>;
  /** 1 for each condition of each Host with its current status and reason (one series per host and condition). */
  hostCondition: Gauge<'host' | 'condition' | 'status' | 'reason'>;
}

const RECONCILE_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** A fresh Registry carrying the default process_* and nodejs_* metrics. */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

export function createOperatorMetrics(registry: Registry): OperatorMetrics {
  const registers = [registry];
  return {
    reconcileDuration: new Histogram({
      name: 'virtfleet_reconcile_duration_seconds',
      help: 'Time one reconcile took, by controller and result.',
      labelNames: ['controller', 'result'],
      buckets: RECONCILE_BUCKETS_SECONDS,
      registers,
    }),
    reconcileErrors: new Counter({
      name: 'virtfleet_reconcile_errors_total',
      help: 'Reconciles that ended in an error, by controller, error reason and whether it is retried (false: terminal).',
      labelNames: ['controller', 'reason', 'retryable'],
      registers,
    }),
    workqueueDepth: new Gauge({
      name: 'virtfleet_workqueue_depth',
      help: 'Keys waiting in the workqueue of a controller.',
      labelNames: ['controller'],
      registers,
    }),
    sshSessions: new Gauge({
      name: 'virtfleet_ssh_sessions',
      help: 'Open SSH connections to a host.',
      labelNames: ['host'],
      registers,
    }),
    sshChannelsInUse: new Gauge({
      name: 'virtfleet_ssh_channels_in_use',
      help: 'SSH channels currently open on the connection to a host.',
      labelNames: ['host'],
      registers,
    }),
    sshChannelLimit: new Gauge({
      name: 'virtfleet_ssh_channel_limit',
      help: 'Cap on concurrent SSH channels to a host: maxSessionsPerHost, lowered while the server refuses channels.',
      labelNames: ['host'],
      registers,
    }),
    sshChannelRefusals: new Counter({
      name: 'virtfleet_ssh_channel_refusals_total',
      help: 'Channel opens refused by the SSH server of a host (its MaxSessions is below our cap); each is retried.',
      labelNames: ['host'],
      registers,
    }),
    sshCommands: new Counter({
      name: 'virtfleet_ssh_commands_total',
      help: 'Commands run over SSH, by host and outcome.',
      labelNames: ['host', 'outcome'],
      registers,
    }),
    transferBytes: new Counter({
      name: 'virtfleet_transfer_bytes_total',
      help: 'Image bytes written to a destination host.',
      labelNames: ['host'],
      registers,
    }),
    transferRate: new Gauge({
      name: 'virtfleet_transfer_rate_bytes_per_second',
      help: 'Current combined rate of the image transfers to a host.',
      labelNames: ['host'],
      registers,
    }),
    informerRestarts: new Counter({
      name: 'virtfleet_informer_restarts_total',
      help: 'Informer watches restarted after an error or expiry, by resource.',
      labelNames: ['resource'],
      registers,
    }),
    sourceErrors: new Counter({
      name: 'virtfleet_controller_source_errors_total',
      help: 'Events a controller request source failed to map, or source streams that errored and were resubscribed.',
      labelNames: ['controller', 'source'],
      registers,
    }),
    hostCondition: new Gauge({
      name: 'virtfleet_host_condition',
      help: 'A Host condition with its current status and reason (value 1): alert on condition Ready with status False.',
      labelNames: ['host', 'condition', 'status', 'reason'],
      registers,
    }),
  };
}
