import { expect } from 'chai';
import { NAMESPACE, loadRenderedConfig, named, ofKind, only, render, renderError, type K8sObject, type PolicyRule, type RoleObject } from './render-chart.js';

const FULLNAME = 'vf-virtfleet';
/** As measured by test/integration/install/least-privilege.test.ts. */
const WORKLOAD_RULES: PolicyRule[] = [
  { apiGroups: ['virtfleet.io'], resources: ['virtualmachines'], verbs: ['get', 'list', 'watch', 'patch'] },
  { apiGroups: ['virtfleet.io'], resources: ['virtualmachines/status'], verbs: ['update'] },
  { apiGroups: ['virtfleet.io'], resources: ['imagetransfers'], verbs: ['get', 'list', 'watch', 'create', 'patch'] },
  { apiGroups: ['virtfleet.io'], resources: ['imagetransfers/status'], verbs: ['update'] },
];
const USER_DATA_RULES: PolicyRule[] = [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }];
const HOST_RULES: PolicyRule[] = [
  { apiGroups: ['virtfleet.io'], resources: ['hosts'], verbs: ['get', 'list', 'watch', 'patch'] },
  { apiGroups: ['virtfleet.io'], resources: ['hosts/status'], verbs: ['update'] },
];
const SECRET_RULES: PolicyRule[] = [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] }];
const EVENT_RULES: PolicyRule[] = [{ apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] }];
/** The Lease, and the ConfigMap the audit chain head is published to (created once, then patched by name only). */
const LEASE_RULES: PolicyRule[] = [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
  { apiGroups: [''], resources: ['configmaps'], verbs: ['create'] },
  { apiGroups: [''], resources: ['configmaps'], resourceNames: ['virtfleet-controller-audit-head'], verbs: ['patch'] },
];

function rulesOf(objects: K8sObject[], kind: 'ClusterRole' | 'Role', name: string, namespace?: string): PolicyRule[] {
  return (named(objects, kind, name, namespace) as RoleObject).rules;
}

/** Every Role the operator's ServiceAccount is bound to, by namespace and name. */
function operatorRoles(objects: K8sObject[]): string[] {
  return ofKind(objects, 'Role').map((role) => `${role.metadata.namespace}/${role.metadata.name}`).sort();
}

function expectBoundToOperator(objects: K8sObject[], kind: 'ClusterRoleBinding' | 'RoleBinding', name: string, namespace?: string): void {
  const binding = named(objects, kind, name, namespace) as unknown as { roleRef: unknown; subjects: unknown };
  expect(binding.roleRef).to.deep.equal({ apiGroup: 'rbac.authorization.k8s.io', kind: kind === 'RoleBinding' ? 'Role' : 'ClusterRole', name });
  expect(binding.subjects).to.deep.equal([{ kind: 'ServiceAccount', name: only(objects, 'ServiceAccount').metadata.name, namespace: NAMESPACE }]);
}

describe('[REQ-05] Helm chart helm/virtfleet: the operator\'s RBAC', function () {
  this.timeout(60_000);

  it('grants by default Hosts, Events, VirtualMachines and ImageTransfers cluster-wide, Secrets and the Lease only in the release namespace', async () => {
    const objects = await render();
    expect(rulesOf(objects, 'ClusterRole', FULLNAME)).to.deep.equal([...HOST_RULES, ...WORKLOAD_RULES, ...EVENT_RULES]);
    expect(operatorRoles(objects)).to.deep.equal([`${NAMESPACE}/${FULLNAME}-credentials`, `${NAMESPACE}/${FULLNAME}-leader-election`]);
    expect(rulesOf(objects, 'Role', `${FULLNAME}-credentials`, NAMESPACE)).to.deep.equal(SECRET_RULES);
    expect(rulesOf(objects, 'Role', `${FULLNAME}-leader-election`, NAMESPACE)).to.deep.equal(LEASE_RULES);
    expectBoundToOperator(objects, 'ClusterRoleBinding', FULLNAME);
    expectBoundToOperator(objects, 'RoleBinding', `${FULLNAME}-credentials`, NAMESPACE);
    expectBoundToOperator(objects, 'RoleBinding', `${FULLNAME}-leader-election`, NAMESPACE);
    expect((await loadRenderedConfig(objects)).controller.credentialsNamespaces).to.deep.equal([NAMESPACE]);
  });

  it('grants Secret reads through a Role in each of config.controller.credentialsNamespaces, and none cluster-wide', async () => {
    const objects = await render('--set', 'config.controller.credentialsNamespaces={host-keys,more-keys}');
    expect(rulesOf(objects, 'ClusterRole', FULLNAME)).to.deep.equal([...HOST_RULES, ...WORKLOAD_RULES, ...EVENT_RULES]);
    expect(operatorRoles(objects)).to.deep.equal([`host-keys/${FULLNAME}-credentials`, `more-keys/${FULLNAME}-credentials`, `${NAMESPACE}/${FULLNAME}-leader-election`]);
    for (const namespace of ['host-keys', 'more-keys']) {
      expect(rulesOf(objects, 'Role', `${FULLNAME}-credentials`, namespace)).to.deep.equal(SECRET_RULES);
      expectBoundToOperator(objects, 'RoleBinding', `${FULLNAME}-credentials`, namespace);
    }
    expect((await loadRenderedConfig(objects)).controller.credentialsNamespaces).to.deep.equal(['host-keys', 'more-keys']);
  });

  it('grants Secret reads cluster-wide only with the opt-in rbac.secrets.clusterWide, which cannot be combined with a list', async () => {
    const objects = await render('--set', 'rbac.secrets.clusterWide=true');
    expect(rulesOf(objects, 'ClusterRole', FULLNAME)).to.deep.equal([...HOST_RULES, ...WORKLOAD_RULES, ...SECRET_RULES, ...EVENT_RULES]);
    expect(operatorRoles(objects)).to.deep.equal([`${NAMESPACE}/${FULLNAME}-leader-election`]);
    expect((await loadRenderedConfig(objects)).controller.credentialsNamespaces).to.deep.equal([]);
    const both = await renderError('--set', 'rbac.secrets.clusterWide=true', '--set', 'config.controller.credentialsNamespaces={keys}');
    expect(both).to.contain('rbac.secrets.clusterWide').and.contain('config.controller.credentialsNamespaces');
  });

  it('grants VirtualMachines, ImageTransfers and reading their cloud-init Secrets through a Role in each of config.controller.namespaces, and none cluster-wide', async () => {
    const objects = await render('--set', 'config.controller.namespaces={team-a,team-b}');
    expect(rulesOf(objects, 'ClusterRole', FULLNAME)).to.deep.equal([...HOST_RULES, ...EVENT_RULES]);
    expect(operatorRoles(objects)).to.deep.equal([
      `team-a/${FULLNAME}-workloads`, `team-b/${FULLNAME}-workloads`, `${NAMESPACE}/${FULLNAME}-credentials`, `${NAMESPACE}/${FULLNAME}-leader-election`,
    ]);
    for (const namespace of ['team-a', 'team-b']) {
      expect(rulesOf(objects, 'Role', `${FULLNAME}-workloads`, namespace)).to.deep.equal([...WORKLOAD_RULES, ...USER_DATA_RULES]);
      expectBoundToOperator(objects, 'RoleBinding', `${FULLNAME}-workloads`, namespace);
    }
  });

  it('renders no RBAC at all with rbac.create=false, and no user roles with rbac.userRoles.create=false', async () => {
    const objects = await render('--set', 'rbac.create=false', '--set', 'rbac.userRoles.create=false');
    expect(objects.filter((object) => object.apiVersion.startsWith('rbac.authorization.k8s.io/'))).to.deep.equal([]);
  });
});

describe('[REQ-05] Helm chart helm/virtfleet: aggregated user roles', function () {
  this.timeout(60_000);
  let objects: K8sObject[];

  before(async () => {
    objects = await render();
  });

  const verbs = (role: string, resource: string): string[] =>
    rulesOf(objects, 'ClusterRole', `${FULLNAME}-${role}`).filter((rule) => rule.apiGroups.includes('virtfleet.io') && rule.resources.includes(resource)).flatMap((rule) => rule.verbs).sort();

  it('aggregates -view, -edit and -admin into Kubernetes\' view, edit and admin', () => {
    for (const role of ['view', 'edit', 'admin']) {
      const labels = named(objects, 'ClusterRole', `${FULLNAME}-${role}`).metadata.labels ?? {};
      expect(Object.keys(labels).filter((label) => label.startsWith('rbac.authorization.k8s.io/')), role).to.deep.equal([`rbac.authorization.k8s.io/aggregate-to-${role}`]);
      expect(labels[`rbac.authorization.k8s.io/aggregate-to-${role}`]).to.equal('true');
    }
  });

  it('lets -view read, -edit change VirtualMachines and ImageTransfers, and only -admin manage Hosts and use the sensitive verbs', () => {
    const read = ['get', 'list', 'watch'];
    const change = ['create', 'delete', 'deletecollection', 'patch', 'update'];
    for (const resource of ['hosts', 'hosts/status', 'virtualmachines/status', 'imagetransfers/status']) expect(verbs('view', resource), resource).to.deep.equal(read);
    for (const resource of ['virtualmachines', 'imagetransfers']) {
      expect(verbs('view', resource), resource).to.deep.equal(read);
      expect(verbs('edit', resource), resource).to.deep.equal([...change, ...read].sort());
      expect(verbs('admin', resource), resource).to.deep.equal([...change, ...read].sort());
    }
    expect(verbs('edit', 'hosts')).to.deep.equal(read);
    expect(verbs('admin', 'hosts')).to.deep.equal([...change, 'force-delete', ...read, 'use-host-paths'].sort());
    for (const role of ['view', 'edit', 'admin']) {
      const rules = rulesOf(objects, 'ClusterRole', `${FULLNAME}-${role}`);
      expect(rules.every((rule) => rule.apiGroups.length === 1 && rule.apiGroups[0] === 'virtfleet.io'), role).to.equal(true);
    }
  });

  it('uses no wildcard in any role, and gives the operator no delete, escalate, bind or impersonate', async () => {
    const all = [...objects, ...(await render('--set', 'config.controller.namespaces={a}', '--set', 'rbac.secrets.clusterWide=true'))];
    const roles = all.filter((object) => object.kind === 'ClusterRole' || object.kind === 'Role') as RoleObject[];
    for (const rule of roles.flatMap((role) => role.rules)) {
      for (const list of [rule.apiGroups, rule.resources, rule.verbs]) expect(list).to.not.include('*');
    }
    const operatorRules = roles.filter((role) => !/-(view|edit|admin)$/.test(role.metadata.name)).flatMap((role) => role.rules);
    const operatorVerbs = new Set(operatorRules.flatMap((rule) => rule.verbs));
    expect([...operatorVerbs].sort()).to.deep.equal(['create', 'get', 'list', 'patch', 'update', 'watch']);
  });
});
