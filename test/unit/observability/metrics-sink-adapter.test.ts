import { expect } from 'chai';
import { controllerMetricsSink } from '../../../src/observability/metrics-sink-adapter.js';
import { createOperatorMetrics } from '../../../src/observability/metrics.js';
import { Registry } from 'prom-client';

describe('[REQ-06] controller runtime metrics into Prometheus', () => {
  it('exports queue depth, reconcile durations by result, errors by reason and retryability, informer restarts and source errors', async () => {
    const registry = new Registry();
    const sink = controllerMetricsSink(createOperatorMetrics(registry), ['host', 'idle']);
    sink.setWorkqueueDepth('host', 3);
    sink.observeReconcile('host', 'success', 0.02);
    sink.observeReconcile('host', 'requeue_after', 0.03);
    sink.observeReconcile('host', 'error', 0.5, 'SshConnectFailed');
    sink.observeReconcile('host', 'terminal_error', 0.5, 'HostKeyMismatch');
    sink.incInformerRestarts('hosts');
    sink.incSourceErrors('host', 'mapped:secrets');
    const text = await registry.metrics();
    expect(text).to.contain('virtfleet_workqueue_depth{controller="idle"} 0');
    expect(text).to.contain('virtfleet_workqueue_depth{controller="host"} 3');
    expect(text).to.contain('virtfleet_reconcile_duration_seconds_count{controller="host",result="success"} 1');
    expect(text).to.contain('virtfleet_reconcile_duration_seconds_count{controller="host",result="requeue"} 1');
    expect(text).to.contain('virtfleet_reconcile_duration_seconds_count{controller="host",result="error"} 2');
    expect(text).to.contain('virtfleet_reconcile_errors_total{controller="host",reason="SshConnectFailed",retryable="true"} 1');
    expect(text).to.contain('virtfleet_reconcile_errors_total{controller="host",reason="HostKeyMismatch",retryable="false"} 1');
    expect(text).to.contain('virtfleet_controller_source_errors_total{controller="host",source="mapped:secrets"} 1');
    expect(text).to.contain('virtfleet_informer_restarts_total{resource="hosts"} 1');
  });
});
