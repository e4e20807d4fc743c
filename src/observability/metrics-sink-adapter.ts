/**
 * [REQ-06] Feeds what the controller runtime reports (ControllerMetricsSink) into the operator's Prometheus
 * metrics: workqueue depth gauge, reconcile duration histogram (result success | requeue | error), error counter
 * by the error's reason and whether it is retried (`retryable="true"`: requeued with backoff; `"false"`: terminal,
 * thrown or returned in Result.failure), informer restarts and source errors counters. The runtime reports
 * queue depth only while keys wait, so the depth of each controller named up front starts at 0 (a scrape then
 * always finds the series).
 */
import type { ControllerMetricsSink, ReconcileOutcome } from '../controller/metrics-sink.js';
import type { OperatorMetrics, ReconcileResult } from './metrics.js';

const RESULT_OF: Record<ReconcileOutcome, ReconcileResult> = {
  success: 'success',
  requeue_after: 'requeue',
  error: 'error',
  terminal_error: 'error',
};

const RETRYABLE_OF: Partial<Record<ReconcileOutcome, 'true' | 'false'>> = {
  error: 'true',
  terminal_error: 'false',
};

export function controllerMetricsSink(metrics: OperatorMetrics, controllers: readonly string[] = []): ControllerMetricsSink {
  for (const controller of controllers) metrics.workqueueDepth.set({ controller }, 0);
  return {
    setWorkqueueDepth: (controller, depth) => metrics.workqueueDepth.set({ controller }, depth),
    observeReconcile: (controller, outcome, durationSeconds, errorReason) => {
      metrics.reconcileDuration.observe({ controller, result: RESULT_OF[outcome] }, durationSeconds);
      const retryable = RETRYABLE_OF[outcome];
      if (retryable !== undefined) metrics.reconcileErrors.inc({ controller, reason: errorReason ?? 'Unexpected', retryable });
    },
    incInformerRestarts: (resource) => metrics.informerRestarts.inc({ resource }),
    incSourceErrors: (controller, source) => metrics.sourceErrors.inc({ controller, source }),
  };
}
