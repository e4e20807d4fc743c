import { expect } from 'chai';
import { Registry } from 'prom-client';
import type { Condition } from '../../../../src/api/v1alpha1/condition.js';
import { HostConditionMetric } from '../../../../src/controllers/host/host-condition-metric.js';
import { createOperatorMetrics } from '../../../../src/observability/metrics.js';

const condition = (type: string, status: Condition['status'], reason: string): Condition => ({ type, status, reason, message: '', lastTransitionTime: '2025-01-01T00:00:00Z' });

describe('[REQ-06] virtfleet_host_condition: one series per Host and condition, with its status and reason', () => {
  it('replaces the series of a condition whose status or reason changed, and drops a forgotten Host', async () => {
    const registry = new Registry();
    const metric = new HostConditionMetric(createOperatorMetrics(registry).hostCondition);
    metric.record('hv1', [condition('Ready', 'True', 'HostReady'), condition('Reachable', 'True', 'Connected')]);
    metric.record('hv1', [condition('Ready', 'False', 'HostKeyMismatch'), condition('Reachable', 'True', 'Connected')]);
    const text = await registry.metrics();
    expect(text).to.contain('virtfleet_host_condition{host="hv1",condition="Ready",status="False",reason="HostKeyMismatch"} 1');
    expect(text).to.contain('virtfleet_host_condition{host="hv1",condition="Reachable",status="True",reason="Connected"} 1');
    expect(text).to.not.contain('reason="HostReady"');
    metric.forget('hv1');
    expect(await registry.metrics()).to.not.contain('host="hv1"');
  });
});
