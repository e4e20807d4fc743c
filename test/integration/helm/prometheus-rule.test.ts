import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import yaml from 'js-yaml';
import { CHART, REPO, helm, ofKind, only, render } from './render-chart.js';

describe('[REQ-06] Helm chart: the PrometheusRule of examples/monitoring/, switched by metrics.prometheusRule.enabled', function () {
  this.timeout(60_000);

  it('renders no PrometheusRule by default', async () => {
    expect(ofKind(await render(), 'PrometheusRule')).to.deep.equal([]);
  });

  it('renders the alert groups of examples/monitoring/prometheus-rules.yaml when enabled, with the extra labels', async () => {
    const objects = await render('--set', 'metrics.prometheusRule.enabled=true', '--set', 'metrics.prometheusRule.labels.release=kube-prometheus');
    const rule = only(objects, 'PrometheusRule') as unknown as { apiVersion: string; metadata: { labels: Record<string, string>; namespace: string }; spec: unknown };
    expect(rule.apiVersion).to.equal('monitoring.coreos.com/v1');
    expect(rule.metadata.labels).to.include({ release: 'kube-prometheus', 'app.kubernetes.io/name': 'virtfleet' });
    expect(rule.spec).to.deep.equal(yaml.load(await readFile(join(REPO, 'examples/monitoring/prometheus-rules.yaml'), 'utf8')));
  });

  it('passes helm lint with it enabled, and refuses an unknown key under metrics.prometheusRule', async () => {
    await helm(['lint', CHART, '--set', 'metrics.prometheusRule.enabled=true']);
    let refused = '';
    try {
      await render('--set', 'metrics.prometheusRule.enable=true');
    } catch (error) {
      refused = String((error as { stderr?: string }).stderr ?? error);
    }
    expect(refused).to.contain('enable');
  });
});
