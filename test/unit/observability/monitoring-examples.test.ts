import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import yaml from 'js-yaml';
import { Histogram, Registry } from 'prom-client';
import { createOperatorMetrics } from '../../../src/observability/metrics.js';

const REPO = new URL('../../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, REPO), 'utf8');

interface RuleFile { groups: Array<{ name: string; rules: Array<{ alert: string; expr: string; labels: Record<string, string>; annotations: Record<string, string> }> }> }
interface Dashboard { panels: Array<{ title: string; targets: Array<{ expr: string }> }> }

/** Metric name -> label names, of every metric the operator registers (histograms with their series suffixes). */
function exportedMetrics(): Map<string, readonly string[]> {
  const registry = new Registry();
  createOperatorMetrics(registry);
  const exported = new Map<string, readonly string[]>();
  for (const metric of registry.getMetricsAsArray() as unknown as Array<{ name: string; labelNames?: readonly string[] }>) {
    const labels = metric.labelNames ?? [];
    exported.set(metric.name, labels);
    if (metric instanceof Histogram) {
      exported.set(`${metric.name}_count`, labels);
      exported.set(`${metric.name}_sum`, labels);
      exported.set(`${metric.name}_bucket`, [...labels, 'le']);
    }
  }
  return exported;
}

/** Each `virtfleet_*` selector of a PromQL expression: the metric name and the label names it matches on. */
function selectors(expr: string): Array<{ metric: string; labels: string[] }> {
  return [...expr.matchAll(/\b(virtfleet_[a-z_]+)(\{([^}]*)\})?/g)].map((match) => ({
    metric: match[1] ?? '',
    labels: [...(match[3] ?? '').matchAll(/([a-zA-Z_]+)\s*(=~|!~|!=|=)/g)].map((label) => label[1] ?? ''),
  }));
}

/** Problems of the selectors of `expr` against what the operator exports; empty when all exist. */
function unknownSelectors(where: string, expr: string, exported: Map<string, readonly string[]>): string[] {
  const found = selectors(expr);
  if (found.length === 0) return [`${where}: no virtfleet metric in ${expr}`];
  return found.flatMap(({ metric, labels }) => {
    const known = exported.get(metric);
    if (known === undefined) return [`${where}: ${metric} is not exported`];
    return labels.filter((label) => !known.includes(label)).map((label) => `${where}: ${metric} has no label ${label}`);
  });
}

describe('[REQ-06] monitoring examples: alert rules and dashboard name only what the operator exports', () => {
  const exported = exportedMetrics();
  const rules = yaml.load(read('examples/monitoring/prometheus-rules.yaml')) as RuleFile;

  it('ships the chart the same rule file as examples/monitoring/', () => {
    expect(read('helm/virtfleet/files/prometheus-rules.yaml')).to.equal(read('examples/monitoring/prometheus-rules.yaml'));
  });

  it('alerts on hosts not Ready, authentication and key failures by reason, and reconcile errors', () => {
    const alerts = rules.groups.flatMap((group) => group.rules.map((rule) => rule.alert));
    expect(alerts).to.include.members(['VirtfleetHostNotReady', 'VirtfleetHostAuthenticationFailed', 'VirtfleetTerminalReconcileErrors', 'VirtfleetReconcileErrorRateHigh']);
    for (const group of rules.groups) {
      for (const rule of group.rules) {
        expect(rule.labels.severity, rule.alert).to.be.oneOf(['warning', 'critical']);
        expect(rule.annotations.summary, rule.alert).to.be.a('string');
      }
    }
  });

  it('uses in every alert expression only exported metrics and their labels', () => {
    const problems = rules.groups.flatMap((group) => group.rules.flatMap((rule) => unknownSelectors(rule.alert, rule.expr, exported)));
    expect(problems).to.deep.equal([]);
  });

  it('uses in every dashboard query only exported metrics and their labels', () => {
    const dashboard = JSON.parse(read('examples/monitoring/grafana-dashboard.json')) as Dashboard;
    expect(dashboard.panels.length).to.be.greaterThan(5);
    const problems = dashboard.panels.flatMap((panel) => panel.targets.flatMap((target) => unknownSelectors(panel.title, target.expr, exported)));
    expect(problems).to.deep.equal([]);
  });

  it('catches a misspelt metric or label (the check itself can fail)', () => {
    expect(unknownSelectors('probe', 'virtfleet_host_ready{host="a"}', exported)).to.deep.equal(['probe: virtfleet_host_ready is not exported']);
    expect(unknownSelectors('probe', 'virtfleet_host_condition{node="a"}', exported)).to.deep.equal(['probe: virtfleet_host_condition has no label node']);
  });
});
