import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import { VALUES_SCHEMA_PATH, valuesSchemaWithDerivedConfig } from './config-values-schema.js';
import { NAMESPACE, named, ofKind, only, render, renderError, type K8sObject } from './render-chart.js';

const FULLNAME = 'vf-virtfleet';
const NETWORK_POLICY = ['--set', 'networkPolicy.enabled=true', '--set', 'networkPolicy.apiServer[0].cidr=10.0.0.1/32', '--set', 'networkPolicy.apiServer[0].ports={6443,443}', '--set', 'networkPolicy.hosts.cidrs={192.0.2.0/24}', '--set', 'networkPolicy.hosts.sshPorts={22,2222}'];

describe('[REQ-05] Helm chart helm/virtfleet: values.schema.json and value checks', function () {
  this.timeout(60_000);

  it('holds the operator\'s own configuration schemas for config: (regenerate with the command in config-values-schema.ts)', async () => {
    expect(await readFile(VALUES_SCHEMA_PATH, 'utf8')).to.equal(valuesSchemaWithDerivedConfig());
  });

  const rejected: Array<[string, string[], string]> = [
    ['a misspelt configuration key', ['config.ssh.conectTimeoutMs=2500'], '- config.ssh: Additional property conectTimeoutMs is not allowed'],
    ['a configuration value out of range', ['config.controller.workers.host=0'], '- config.controller.workers.host: Must be greater than or equal to 1'],
    ['a non-AEAD cipher', ['config.ssh.algorithms.ciphers={aes128-ctr}'], '- config.ssh.algorithms.ciphers.0: config.ssh.algorithms.ciphers.0 must be one of the following'],
    ['an unknown top-level key', ['replicas=2'], '- (root): Additional property replicas is not allowed'],
    ['a wrong type', ['replicaCount=two'], '- replicaCount: Invalid type. Expected: integer, given: string'],
    ['a misspelt chart switch', ['rbac.secrets.clusterwide=true'], '- rbac.secrets: Additional property clusterwide is not allowed'],
    ['a port out of range', ['metrics.port=70000'], '- metrics.port: Must be less than or equal to 65535'],
    ['an unknown pull policy', ['image.pullPolicy=Sometimes'], '- image.pullPolicy: image.pullPolicy must be one of the following'],
    ['two audit volume sources', ['auditVolume.hostPath.path=/var/log'], '- auditVolume: Must have at most 1 properties'],
  ];
  for (const [what, sets, message] of rejected) {
    it(`rejects ${what}, naming the key`, async () => {
      expect(await renderError(...sets.flatMap((set) => ['--set', set]))).to.contain(message);
    });
  }

  const refused: Array<[string, string[], string[]]> = [
    ['standby replicas without leader election', ['replicaCount=2', 'config.controller.leaderElection.enabled=false'], ['replicaCount', 'config.controller.leaderElection.enabled']],
    ['a ServiceMonitor without the Service', ['metrics.serviceMonitor.enabled=true', 'metrics.service.enabled=false'], ['metrics.serviceMonitor.enabled', 'metrics.service.enabled']],
    ['a PodDisruptionBudget that blocks every drain', ['podDisruptionBudget.enabled=true', 'podDisruptionBudget.maxUnavailable=0'], ['podDisruptionBudget.maxUnavailable', 'replicaCount']],
    ['a NetworkPolicy without the API server', ['networkPolicy.enabled=true', 'networkPolicy.hosts.cidrs={192.0.2.0/24}'], ['networkPolicy.apiServer']],
    ['a NetworkPolicy without hosts', ['networkPolicy.enabled=true', 'networkPolicy.apiServer[0].cidr=10.0.0.1/32', 'networkPolicy.apiServer[0].ports={443}'], ['networkPolicy.hosts.cidrs']],
  ];
  for (const [what, sets, keys] of refused) {
    it(`refuses ${what}, naming the keys`, async () => {
      const message = await renderError(...sets.flatMap((set) => ['--set', set]));
      for (const key of keys) expect(message).to.contain(key);
    });
  }
});

describe('[REQ-05][REQ-06] Helm chart helm/virtfleet: optional objects switched by values', function () {
  this.timeout(60_000);

  it('renders by default the metrics Service and no ServiceMonitor, NetworkPolicy or PodDisruptionBudget', async () => {
    const objects = await render();
    expect(only(objects, 'Service').metadata.name).to.equal(`${FULLNAME}-metrics`);
    for (const kind of ['ServiceMonitor', 'NetworkPolicy', 'PodDisruptionBudget']) expect(ofKind(objects, kind), kind).to.deep.equal([]);
    expect(ofKind(await render('--set', 'metrics.service.enabled=false'), 'Service')).to.deep.equal([]);
  });

  it('renders a ServiceMonitor scraping the metrics Service\'s port', async () => {
    const objects = await render('--set', 'metrics.serviceMonitor.enabled=true', '--set', 'metrics.serviceMonitor.labels.release=prom');
    const monitor = named(objects, 'ServiceMonitor', FULLNAME, NAMESPACE) as K8sObject & { spec: { selector: { matchLabels: Record<string, string> }; endpoints: Array<{ port: string; path: string }> } };
    expect(monitor.metadata.labels).to.include({ release: 'prom' });
    const service = only(objects, 'Service') as K8sObject & { spec: { selector: Record<string, string>; ports: Array<{ name: string }> } };
    expect(service.metadata.labels).to.include(monitor.spec.selector.matchLabels);
    expect(monitor.spec.endpoints.map((endpoint) => [endpoint.port, endpoint.path])).to.deep.equal([[service.spec.ports[0]?.name, '/metrics']]);
  });

  it('renders a NetworkPolicy whose egress goes only to the API server, the hosts\' SSH ports and the cluster DNS', async () => {
    const policy = only(await render(...NETWORK_POLICY), 'NetworkPolicy') as K8sObject & { spec: { policyTypes: string[]; ingress: unknown[]; egress: Array<{ to: unknown[]; ports: unknown[] }> } };
    expect(policy.spec.policyTypes).to.deep.equal(['Ingress', 'Egress']);
    expect(policy.spec.ingress).to.deep.equal([{ ports: [{ port: 'metrics', protocol: 'TCP' }] }]);
    const tcp = (port: number) => ({ port, protocol: 'TCP' });
    expect(policy.spec.egress).to.deep.equal([
      { to: [{ ipBlock: { cidr: '10.0.0.1/32' } }], ports: [tcp(6443), tcp(443)] },
      { to: [{ ipBlock: { cidr: '192.0.2.0/24' } }], ports: [tcp(22), tcp(2222)] },
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [{ port: 53, protocol: 'UDP' }, tcp(53)],
      },
    ]);
    const noDns = only(await render(...NETWORK_POLICY, '--set', 'networkPolicy.dns=false'), 'NetworkPolicy') as unknown as { spec: { egress: unknown[] } };
    expect(noDns.spec.egress).to.have.length(2);
  });

  it('renders a PodDisruptionBudget selecting the operator\'s pods', async () => {
    const objects = await render('--set', 'podDisruptionBudget.enabled=true', '--set', 'replicaCount=2');
    const budget = only(objects, 'PodDisruptionBudget') as K8sObject & { spec: { maxUnavailable: number; selector: { matchLabels: Record<string, string> } } };
    expect(budget.spec.maxUnavailable).to.equal(1);
    const deployment = only(objects, 'Deployment') as unknown as { spec: { selector: { matchLabels: Record<string, string> } } };
    expect(budget.spec.selector.matchLabels).to.deep.equal(deployment.spec.selector.matchLabels);
  });
});
