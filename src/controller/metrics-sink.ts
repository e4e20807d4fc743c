/**
 * [REQ-01][REQ-06] What the controller runtime reports; src/observability/metrics.ts adapts it to Prometheus
 * (workqueue depth gauge, reconcile histogram, errors by reason, informer restarts and source errors counters).
 * Optional: the default drops all.
 */
export type ReconcileOutcome = 'success' | 'requeue_after' | 'error' | 'terminal_error';

export interface ControllerMetricsSink {
  setWorkqueueDepth(controller: string, depth: number): void;
  /** `errorReason`: the error's reason (OperatorError.reason, or `Unexpected`) for the error outcomes. */
  observeReconcile(controller: string, outcome: ReconcileOutcome, durationSeconds: number, errorReason?: string): void;
  incInformerRestarts(resource: string): void;
  /** A request source failed (a mapper threw, or the stream errored and was resubscribed). */
  incSourceErrors(controller: string, source: string): void;
}

export const noopMetrics: ControllerMetricsSink = {
  setWorkqueueDepth: () => undefined,
  observeReconcile: () => undefined,
  incInformerRestarts: () => undefined,
  incSourceErrors: () => undefined,
};
