/**
 * [REQ-01][REQ-06] What the controller runtime reports; src/observability/metrics.ts adapts it to Prometheus
 * (workqueue depth gauge, reconcile histogram, informer restarts counter). Optional: the default drops all.
 */
export type ReconcileOutcome = 'success' | 'requeue_after' | 'error' | 'terminal_error';

export interface ControllerMetricsSink {
  setWorkqueueDepth(controller: string, depth: number): void;
  observeReconcile(controller: string, outcome: ReconcileOutcome, durationSeconds: number): void;
  incInformerRestarts(resource: string): void;
}

export const noopMetrics: ControllerMetricsSink = {
  setWorkqueueDepth: () => undefined,
  observeReconcile: () => undefined,
  incInformerRestarts: () => undefined,
};
