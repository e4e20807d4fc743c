import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { loadAll } from 'js-yaml';
import { loadConfig } from '../../../src/config/load-config.js';
import { helmBinary } from '../../support/kubectl.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const CHART = join(REPO, 'helm/virtfleet');
const NAMESPACE = 'virtfleet-system';

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [field: string]: unknown;
}
interface PolicyRule { apiGroups: string[]; resources: string[]; verbs: string[] }

/** Every verb the operator's roles may grant. */
const OPERATOR_VERBS: ReadonlySet<string> = new Set(['get', 'list', 'watch', 'create', 'update', 'patch']);
interface Container {
  args: string[];
  env: Array<{ name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }>;
  ports: Array<{ name: string; containerPort: number }>;
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext: { allowPrivilegeEscalation: boolean; readOnlyRootFilesystem: boolean; runAsNonRoot: boolean; capabilities: { drop: string[]; add?: string[] } };
  volumeMounts: Array<{ name: string; mountPath: string }>;
}

async function helm(args: string[]): Promise<string> {
  const { stdout } = await run(await helmBinary(), args, { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

async function render(...extra: string[]): Promise<K8sObject[]> {
  const text = await helm(['template', 'vf', CHART, '--namespace', NAMESPACE, ...extra]);
  return (loadAll(text) as Array<K8sObject | null>).filter((doc): doc is K8sObject => doc !== null);
}

function only(objects: K8sObject[], kind: string): K8sObject {
  const found = objects.filter((object) => object.kind === kind);
  expect(found, kind).to.have.length(1);
  return found[0] as K8sObject;
}

function controllerContainer(objects: K8sObject[]): Container {
  const deployment = only(objects, 'Deployment') as unknown as { spec: { template: { spec: { containers: Container[] } } } };
  return deployment.spec.template.spec.containers[0] as Container;
}

/** Writes the ConfigMap's four files into a directory and loads them as the operator would. */
async function loadRenderedConfig(objects: K8sObject[]) {
  const configMap = only(objects, 'ConfigMap') as unknown as { data: Record<string, string> };
  const dir = await mkdtemp(join(tmpdir(), 'virtfleet-helm-config-'));
  try {
    expect(Object.keys(configMap.data).sort()).to.deep.equal(['controller_config.yaml', 'libvirt_config.yaml', 'ssh_config.yaml', 'transfer_config.yaml']);
    for (const [file, content] of Object.entries(configMap.data)) await writeFile(join(dir, file), content);
    return loadConfig(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('[REQ-05] Helm chart helm/virtfleet', function () {
  this.timeout(60_000);
  let objects: K8sObject[];

  before(async () => {
    objects = await render();
  });

  it('passes helm lint', async () => {
    const output = await helm(['lint', CHART]);
    expect(output).to.contain('0 chart(s) failed');
  });

  it('ships CRDs identical to the repository crds/', async () => {
    const repoCrds = (await readdir(join(REPO, 'crds'))).sort();
    expect((await readdir(join(CHART, 'crds'))).sort()).to.deep.equal(repoCrds);
    for (const file of repoCrds) {
      expect(await readFile(join(CHART, 'crds', file), 'utf8'), file).to.equal(await readFile(join(REPO, 'crds', file), 'utf8'));
    }
    const withCrds = await render('--include-crds');
    expect(withCrds.filter((object) => object.kind === 'CustomResourceDefinition').map((crd) => crd.metadata.name).sort())
      .to.deep.equal(['hosts.virtfleet.io', 'imagetransfers.virtfleet.io', 'virtualmachines.virtfleet.io']);
  });

  it('grants no wildcard and only the verbs the operator uses; Secrets are read-only, Leases only in its namespace', () => {
    const roles = objects.filter((object) => object.kind === 'ClusterRole' || object.kind === 'Role');
    const rules = roles.flatMap((role) => (role as unknown as { rules: PolicyRule[] }).rules);
    for (const rule of rules) {
      for (const list of [rule.apiGroups, rule.resources, rule.verbs]) expect(list).to.not.include('*');
      // every verb must be one the operator uses: a single `delete` (or escalate, bind, ...) fails
      const unexpected = rule.verbs.filter((verb) => !OPERATOR_VERBS.has(verb));
      expect(unexpected, `verbs on ${rule.resources.join(',')}`).to.deep.equal([]);
    }
    const clusterRules = (only(objects, 'ClusterRole') as unknown as { rules: PolicyRule[] }).rules;
    const verbsOn = (group: string, resource: string, from = clusterRules): string[] =>
      from.filter((rule) => rule.apiGroups.includes(group) && rule.resources.includes(resource)).flatMap((rule) => rule.verbs).sort();
    expect(verbsOn('', 'secrets')).to.deep.equal(['get', 'list', 'watch']);
    expect(verbsOn('', 'events')).to.deep.equal(['create', 'patch']);
    for (const kind of ['hosts', 'virtualmachines', 'imagetransfers']) {
      expect(verbsOn('virtfleet.io', kind), kind).to.deep.equal(['get', 'list', 'patch', 'update', 'watch']);
      expect(verbsOn('virtfleet.io', `${kind}/status`)).to.deep.equal(['patch', 'update']);
      expect(verbsOn('virtfleet.io', `${kind}/finalizers`)).to.deep.equal(['update']);
    }
    expect(verbsOn('coordination.k8s.io', 'leases')).to.deep.equal([]);
    const role = only(objects, 'Role') as unknown as K8sObject & { rules: PolicyRule[] };
    expect(role.metadata.namespace).to.equal(NAMESPACE);
    expect(verbsOn('coordination.k8s.io', 'leases', role.rules)).to.deep.equal(['create', 'get', 'update']);
    const serviceAccount = only(objects, 'ServiceAccount').metadata.name;
    for (const kind of ['ClusterRoleBinding', 'RoleBinding']) {
      const binding = only(objects, kind) as unknown as { subjects: Array<{ name: string; namespace: string }> };
      expect(binding.subjects).to.deep.equal([{ kind: 'ServiceAccount', name: serviceAccount, namespace: NAMESPACE }]);
    }
  });

  it('grants Secret reads cluster-wide by default, and only through Roles in config.controller.credentialsNamespaces when given', async () => {
    const secretRules = (role: K8sObject): PolicyRule[] =>
      (role as unknown as { rules: PolicyRule[] }).rules.filter((rule) => rule.apiGroups.includes('') && rule.resources.includes('secrets'));
    expect(secretRules(only(objects, 'ClusterRole')).flatMap((rule) => rule.verbs).sort()).to.deep.equal(['get', 'list', 'watch']);
    expect((await loadRenderedConfig(objects)).controller.credentialsNamespaces).to.deep.equal([]);

    const scoped = await render('--set', 'config.controller.credentialsNamespaces={host-keys,more-keys}');
    expect(secretRules(only(scoped, 'ClusterRole'))).to.deep.equal([]);
    const credentialRoles = scoped.filter((object) => object.kind === 'Role' && secretRules(object).length > 0);
    expect(credentialRoles.map((role) => role.metadata.namespace).sort()).to.deep.equal(['host-keys', 'more-keys']);
    const serviceAccount = only(scoped, 'ServiceAccount').metadata.name;
    for (const role of credentialRoles) {
      const rules = (role as unknown as { rules: PolicyRule[] }).rules;
      expect(rules).to.deep.equal([{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] }]);
      const bindings = scoped.filter((object) => object.kind === 'RoleBinding' && object.metadata.namespace === role.metadata.namespace) as unknown as Array<{
        roleRef: { kind: string; name: string };
        subjects: Array<{ kind: string; name: string; namespace: string }>;
      }>;
      expect(bindings.map((binding) => binding.roleRef), role.metadata.namespace).to.deep.equal([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata.name }]);
      expect(bindings[0]?.subjects).to.deep.equal([{ kind: 'ServiceAccount', name: serviceAccount, namespace: NAMESPACE }]);
    }
    const config = await loadRenderedConfig(scoped);
    expect(config.controller.credentialsNamespaces).to.deep.equal(['host-keys', 'more-keys']);
  });

  it('runs one non-root, read-only, capability-less replica with RuntimeDefault seccomp, probes and resources', () => {
    const deployment = only(objects, 'Deployment') as unknown as { spec: { replicas: number; template: { spec: { serviceAccountName: string; securityContext: Record<string, unknown> } } } };
    expect(deployment.spec.replicas).to.equal(1);
    expect(deployment.spec.template.spec.securityContext).to.deep.include({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(deployment.spec.template.spec.serviceAccountName).to.equal(only(objects, 'ServiceAccount').metadata.name);
    const container = controllerContainer(objects);
    expect(container.securityContext).to.deep.include({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true });
    expect(container.securityContext.capabilities).to.deep.equal({ drop: ['ALL'] });
    expect(container.args).to.deep.equal(['run', '--config-dir', '/etc/virtfleet']);
    expect(container.env).to.deep.include({ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } });
    expect(container.livenessProbe.httpGet).to.deep.equal({ path: '/healthz', port: 'metrics' });
    expect(container.readinessProbe.httpGet).to.deep.equal({ path: '/readyz', port: 'metrics' });
    expect(container.resources.requests).to.have.keys('cpu', 'memory');
    expect(container.resources.limits).to.have.key('memory');
    expect(container.volumeMounts.map((mount) => mount.mountPath)).to.include('/etc/virtfleet');
  });

  it('renders configuration files the operator accepts, with leader election in the release namespace and metrics on the container port', async () => {
    const config = await loadRenderedConfig(objects);
    expect(config.controller.leaderElection).to.include({ enabled: true, leaseNamespace: NAMESPACE });
    const container = controllerContainer(objects);
    const port = container.ports.find((p) => p.name === 'metrics')?.containerPort;
    expect(config.controller.metricsAddress).to.equal(`0.0.0.0:${port}`);
    const service = only(objects, 'Service') as unknown as { spec: { ports: Array<{ port: number; targetPort: string }> } };
    expect(service.spec.ports).to.deep.equal([{ name: 'metrics', port, targetPort: 'metrics', protocol: 'TCP' }]);
  });

  it('carries value overrides into the configuration files and the Deployment', async () => {
    const overridden = await render('--set', 'config.ssh.connectTimeoutMs=2500', '--set', 'metrics.port=9090', '--set', 'replicaCount=2', '--set', 'config.controller.leaderElection.leaseNamespace=elsewhere');
    const config = await loadRenderedConfig(overridden);
    expect(config.ssh.connectTimeoutMs).to.equal(2500);
    expect(config.controller.metricsAddress).to.equal('0.0.0.0:9090');
    expect(config.controller.leaderElection.leaseNamespace).to.equal('elsewhere');
    expect((only(overridden, 'Deployment') as unknown as { spec: { replicas: number } }).spec.replicas).to.equal(2);
  });

  it('rejects a misspelt configuration key at validation, naming the key', async () => {
    const misspelt = await render('--set', 'config.ssh.conectTimeoutMs=2500');
    let error: unknown;
    try {
      await loadRenderedConfig(misspelt);
    } catch (caught) {
      error = caught;
    }
    expect(String(error)).to.contain('conectTimeoutMs');
  });
});
