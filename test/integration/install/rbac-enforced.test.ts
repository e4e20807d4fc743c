import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { startApiServer } from '../../../src/apiserver/api-server.js';
import { writeKubeconfig } from '../../../src/apiserver/kubeconfig.js';
import { createServerCertificates } from '../../../src/apiserver/tls.js';
import { kubectl } from '../../support/kubectl.js';
import { clusterRoleBinding, roleBinding, startAccessFixture, TEAM, virtualMachine, type AccessFixture } from './access-fixtures.js';

const ROLE_KINDS = ['ClusterRole'];

describe('[REQ-05] RBAC evaluated by the test API server, through kubectl, with the chart\'s user roles', function () {
  this.timeout(120_000);
  let fixture: AccessFixture;

  before(async () => {
    fixture = await startAccessFixture({ viewer: [], editor: [], 'vm-admin': [], 'via-group': ['team-a-editors'], nobody: [] }, 'RBAC', ROLE_KINDS);
    const bindings = [
      roleBinding('viewer', 'vf-virtfleet-view'),
      roleBinding('editor', 'vf-virtfleet-edit'),
      clusterRoleBinding('vm-admin', 'vf-virtfleet-admin'),
      // Kubernetes' bootstrap `edit` is an aggregated ClusterRole; the chart's -edit carries aggregate-to-edit.
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'edit' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' } }] }, rules: [] },
      { ...roleBinding('team-a-editors', 'edit'), subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'team-a-editors' }] },
    ];
    const applied = await fixture.as('admin', ['apply', '-f', '-'], bindings);
    expect(applied.code, applied.stderr).to.equal(0);
  });

  after(async () => {
    await fixture?.stop();
  });

  it('serves the rbac.authorization.k8s.io/v1 kinds to kubectl', async () => {
    const resources = await fixture.as('admin', ['api-resources', '--api-group', 'rbac.authorization.k8s.io', '-o', 'name']);
    expect(resources.code, resources.stderr).to.equal(0);
    expect(resources.stdout.trim().split('\n').sort()).to.deep.equal(['clusterrolebindings.rbac.authorization.k8s.io', 'clusterroles.rbac.authorization.k8s.io', 'rolebindings.rbac.authorization.k8s.io', 'roles.rbac.authorization.k8s.io']);
  });

  it('refuses a user with only virtfleet-view to create a VM, with Kubernetes\' message, and lets it read VMs in its namespace only', async () => {
    const created = await fixture.as('viewer', ['create', '-f', '-'], virtualMachine('seen'));
    expect(created.code).to.not.equal(0);
    expect(created.stderr.trim()).to.equal(
      'Error from server (Forbidden): error when creating "STDIN": virtualmachines.virtfleet.io is forbidden: User "viewer" cannot create resource "virtualmachines" in API group "virtfleet.io" in the namespace "team-a"',
    );
    const listed = await fixture.as('viewer', ['get', 'virtualmachines', '-n', TEAM]);
    expect(listed.code, listed.stderr).to.equal(0);
    const everywhere = await fixture.as('viewer', ['get', 'virtualmachines', '-A']);
    expect(everywhere.stderr).to.contain('User "viewer" cannot list resource "virtualmachines" in API group "virtfleet.io" at the cluster scope');
    const secrets = await fixture.as('viewer', ['get', 'secret', 'x', '-n', TEAM]);
    expect(secrets.stderr.trim()).to.equal('Error from server (Forbidden): secrets "x" is forbidden: User "viewer" cannot get resource "secrets" in API group "" in the namespace "team-a"');
  });

  it('lets virtfleet-edit create, patch and delete a VM in its namespace but not elsewhere, nor Hosts', async () => {
    const created = await fixture.as('editor', ['create', '-f', '-'], virtualMachine('made-by-editor'));
    expect(created.code, created.stderr).to.equal(0);
    const patched = await fixture.as('editor', ['patch', 'vm', 'made-by-editor', '-n', TEAM, '--type', 'merge', '-p', '{"spec":{"memory":"128Mi"}}']);
    expect(patched.code, patched.stderr).to.equal(0);
    const elsewhere = await fixture.as('editor', ['create', '-f', '-'], { ...virtualMachine('x'), metadata: { name: 'x', namespace: 'default' } });
    expect(elsewhere.stderr).to.contain('User "editor" cannot create resource "virtualmachines" in API group "virtfleet.io" in the namespace "default"');
    const status = await fixture.as('editor', ['patch', 'vm', 'made-by-editor', '-n', TEAM, '--subresource', 'status', '--type', 'merge', '-p', '{"status":{"printableStatus":"Running"}}']);
    expect(status.stderr).to.contain('User "editor" cannot patch resource "virtualmachines/status" in API group "virtfleet.io" in the namespace "team-a"');
    const host = await fixture.as('editor', ['delete', 'host', 'hv1']);
    expect(host.stderr).to.contain('hosts.virtfleet.io "hv1" is forbidden: User "editor" cannot delete resource "hosts" in API group "virtfleet.io" at the cluster scope');
    const deleted = await fixture.as('editor', ['delete', 'vm', 'made-by-editor', '-n', TEAM]);
    expect(deleted.code, deleted.stderr).to.equal(0);
  });

  it('grants through an aggregated ClusterRole (aggregationRule label selectors) bound to a group', async () => {
    const created = await fixture.as('via-group', ['create', '-f', '-'], virtualMachine('made-by-group'));
    expect(created.code, created.stderr).to.equal(0);
    const host = await fixture.as('via-group', ['auth', 'can-i', 'create', 'hosts.virtfleet.io']);
    expect(host.stdout.trim()).to.equal('no');
  });

  it('answers kubectl auth can-i (SelfSubjectAccessReview) from the same rules', async () => {
    const cases: Array<[string, string[], string]> = [
      ['viewer', ['list', 'virtualmachines.virtfleet.io', '-n', TEAM], 'yes'],
      ['viewer', ['create', 'virtualmachines.virtfleet.io', '-n', TEAM], 'no'],
      ['editor', ['create', 'virtualmachines.virtfleet.io', '-n', TEAM], 'yes'],
      ['editor', ['use-host-paths', 'hosts.virtfleet.io'], 'no'],
      ['vm-admin', ['use-host-paths', 'hosts.virtfleet.io'], 'yes'],
      ['vm-admin', ['force-delete', 'hosts.virtfleet.io'], 'yes'],
      ['nobody', ['get', 'virtualmachines.virtfleet.io', '-n', TEAM], 'no'],
      ['admin', ['delete', 'secrets', '-A'], 'yes'],
    ];
    const answers = await Promise.all(cases.map(async ([user, args]) => (await fixture.as(user, ['auth', 'can-i', ...args])).stdout.trim()));
    expect(answers).to.deep.equal(cases.map(([, , answer]) => answer));
  });

  it('answers 401 to an unknown token and lets every authenticated user read discovery', async () => {
    const discovery = await fixture.as('nobody', ['api-resources', '--api-group', 'virtfleet.io', '-o', 'name']);
    expect(discovery.code, discovery.stderr).to.equal(0);
    const directory = await mkdtemp(join(tmpdir(), 'virtfleet-wrong-token-'));
    try {
      await writeKubeconfig(join(directory, 'kubeconfig'), fixture.server.url, fixture.server.caPem, 'not-a-known-token');
      const refused = await kubectl(['get', 'namespaces'], { kubeconfig: join(directory, 'kubeconfig'), cacheDir: join(directory, 'cache') });
      expect(refused.stderr.trim().split('\n').at(-1)).to.equal('error: You must be logged in to the server (the server has asked for the client to provide credentials)');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('authenticates the users of a static token file (kube-apiserver\'s format) given to the server', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'virtfleet-token-file-'));
    const certificates = await createServerCertificates();
    await writeFile(join(directory, 'tokens.csv'), '# token,user,uid,"groups"\ncarol-token,carol,1001,"auditors,team-a"\n');
    const server = await startApiServer({ certificates, token: 'admin-token', tokenFile: join(directory, 'tokens.csv'), authorization: 'RBAC' });
    try {
      await writeKubeconfig(join(directory, 'kubeconfig'), server.url, certificates.caPem, 'carol-token');
      const refused = await kubectl(['get', 'namespaces'], { kubeconfig: join(directory, 'kubeconfig'), cacheDir: join(directory, 'cache') });
      expect(refused.stderr.trim()).to.equal('Error from server (Forbidden): namespaces is forbidden: User "carol" cannot list resource "namespaces" in API group "" at the cluster scope');
    } finally {
      await server.stop();
      await rm(directory, { recursive: true, force: true });
    }
  });
});
