import { expect } from 'chai';
import { Registry } from 'prom-client';
import { createMetricsRegistry, createOperatorMetrics } from '../../../src/observability/metrics.js';

const OPERATOR_METRICS: Array<[string, string]> = [
  ['virtfleet_reconcile_duration_seconds', 'histogram'],
  ['virtfleet_reconcile_errors_total', 'counter'],
  ['virtfleet_workqueue_depth', 'gauge'],
  ['virtfleet_ssh_sessions', 'gauge'],
  ['virtfleet_ssh_channels_in_use', 'gauge'],
  ['virtfleet_ssh_channel_limit', 'gauge'],
  ['virtfleet_ssh_channel_refusals_total', 'counter'],
  ['virtfleet_ssh_commands_total', 'counter'],
  ['virtfleet_transfer_bytes_total', 'counter'],
  ['virtfleet_transfer_rate_bytes_per_second', 'gauge'],
  ['virtfleet_informer_restarts_total', 'counter'],
  ['virtfleet_controller_source_errors_total', 'counter'],
  ['virtfleet_host_condition', 'gauge'],
];

describe('[REQ-06] operator metrics', () => {
  it('declares every operator metric with its type on the given registry', async () => {
    const registry = new Registry();
    createOperatorMetrics(registry);
    const declared = (await registry.getMetricsAsJSON()).map((metric) => [metric.name, metric.type]);
    expect(declared).to.deep.equal(OPERATOR_METRICS);
  });

  it('gives each registry its own metrics, so two instances do not share values', async () => {
    const first = new Registry();
    const second = new Registry();
    createOperatorMetrics(first).sshCommands.inc({ host: 'h1', outcome: 'success' });
    createOperatorMetrics(second);
    expect(await first.metrics()).to.contain('virtfleet_ssh_commands_total{host="h1",outcome="success"} 1');
    expect(await second.metrics()).not.to.contain('host="h1"');
  });

  it('records reconcile durations in the labelled histogram', async () => {
    const registry = new Registry();
    createOperatorMetrics(registry).reconcileDuration.observe({ controller: 'virtualmachine', result: 'success' }, 0.02);
    const text = await registry.metrics();
    expect(text).to.contain('virtfleet_reconcile_duration_seconds_bucket{le="0.025",controller="virtualmachine",result="success"} 1');
    expect(text).to.contain('virtfleet_reconcile_duration_seconds_count{controller="virtualmachine",result="success"} 1');
  });

  it('adds the default process metrics to a registry made by createMetricsRegistry', async () => {
    const registry = createMetricsRegistry();
    createOperatorMetrics(registry);
    const text = await registry.metrics();
    expect(text).to.contain('process_cpu_user_seconds_total');
    expect(text).to.contain('nodejs_heap_size_used_bytes');
    expect(text).to.contain('virtfleet_workqueue_depth');
  });
});
