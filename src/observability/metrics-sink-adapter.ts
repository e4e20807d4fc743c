/**
 * [REQ-06] Feeds what the controller runtime reports (ControllerMetricsSink) into the operator's Prometheus
 * metrics: workqueue depth gauge, reconcile duration histogram (result success | requeue | error) and error
 * counter, informer restarts counter. The runtime reports no error reason, so errors are counted by kind:
 * `Retryable` (requeued with backoff) or `Terminal`. The runtime reports queue depth only while keys wait, so
 * the depth of each controller named up front starts at 0 (a scrape then always finds the series).
 */
import type { ControllerMetricsSink, ReconcileOutcome } from '../controller/metrics-sink.js';
import type { OperatorMetrics, ReconcileResult } from './metrics.js';

const RESULT_OF: Record<ReconcileOutcome, ReconcileResult> = {
  success: 'success',
  requeue_after: 'requeue',
  error: 'error',
  terminal_error: 'error',
};

const ERROR_KIND_OF: Partial<Record<ReconcileOutcome, string>> = {
  error: 'Retryable',
  terminal_error: 'Terminal',
};

export function controllerMetricsSink(metrics: OperatorMetrics, controllers: readonly string[] = []): ControllerMetricsSink {
  for (const controller of controllers) metrics.workqueueDepth.set({ controller }, 0);
  return {
    setWorkqueueDepth: (controller, depth) => metrics.workqueueDepth.set({ controller }, depth),
    observeReconcile: (controller, outcome, durationSeconds) => {
      metrics.reconcileDuration.observe({ controller, result: RESULT_OF[outcome] }, durationSeconds);
      const errorKind = ERROR_KIND_OF[outcome];
      if (errorKind !== undefined) metrics.reconcileErrors.inc({ controller, reason: errorKind });
    },
    incInformerRestarts: (resource) => metrics.informerRestarts.inc({ resource }),
  };
}
