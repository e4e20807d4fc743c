import { expect } from 'chai';
import { clusterRoleBinding, imageTransfer, roleBinding, startAccessFixture, TEAM, virtualMachine, type AccessFixture } from './access-fixtures.js';

const POLICY = "ValidatingAdmissionPolicy 'vf-virtfleet-sensitive-operations' with binding 'vf-virtfleet-sensitive-operations' denied request";
const HOST_PATHS = 'raw host paths (/srv/images/debian.qcow2, /var/lib/images/debian.qcow2) need the verb use-host-paths on hosts.virtfleet.io (granted by vf-virtfleet-admin)';
const FORCE = 'the annotation virtfleet.io/force-delete needs the verb force-delete on hosts.virtfleet.io (granted by vf-virtfleet-admin)';
const fromUrl = { url: { url: 'https://images.example/debian.qcow2' } };
const fromHostPath = { host: { name: 'hv1', path: '/srv/images/debian.qcow2' } };
const toHostPath = [{ host: 'hv2', path: '/var/lib/images/debian.qcow2' }];

describe('[REQ-05] the chart\'s ValidatingAdmissionPolicy evaluated by the test API server (CEL, authorizer library), through kubectl', function () {
  this.timeout(120_000);
  let fixture: AccessFixture;

  before(async () => {
    fixture = await startAccessFixture({ editor: [], 'vm-admin': [], 'namespace-admin': [] }, 'RBAC', ['ClusterRole', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']);
    const applied = await fixture.as('admin', ['create', '-f', '-'], [
      roleBinding('editor', 'vf-virtfleet-edit'),
      clusterRoleBinding('vm-admin', 'vf-virtfleet-admin'),
      roleBinding('namespace-admin', 'vf-virtfleet-admin'),
      virtualMachine('shared'),
    ]);
    expect(applied.code, applied.stderr).to.equal(0);
  });

  after(async () => {
    await fixture?.stop();
  });

  it('lets virtfleet-edit create a transfer from a URL and refuses one with raw host paths, with the policy\'s message', async () => {
    const plain = await fixture.as('editor', ['create', '-f', '-'], imageTransfer('from-url', fromUrl, [{ host: 'hv1' }]));
    expect(plain.code, plain.stderr).to.equal(0);
    const paths = await fixture.as('editor', ['create', '-f', '-'], imageTransfer('from-path', fromHostPath, toHostPath));
    expect(paths.stderr.trim()).to.equal(`Error from server (Forbidden): error when creating "STDIN": imagetransfers.virtfleet.io "from-path" is forbidden: ${POLICY}: ${HOST_PATHS}`);
    const oneDestination = await fixture.as('editor', ['create', '-f', '-'], imageTransfer('to-path', fromUrl, [{ host: 'hv1' }, { host: 'hv3', path: '/etc/cron.d/x' }]));
    expect(oneDestination.stderr).to.contain(`${POLICY}: raw host paths (/etc/cron.d/x) need the verb use-host-paths`);
    const stored = await fixture.as('admin', ['get', 'imagetransfers', '-n', TEAM, '-o', 'name']);
    expect(stored.stdout.trim()).to.equal('imagetransfer.virtfleet.io/from-url');
  });

  it('lets virtfleet-admin bound cluster-wide use host paths, and an editor then change the transfer without touching them', async () => {
    const created = await fixture.as('vm-admin', ['create', '-f', '-'], imageTransfer('by-admin', fromHostPath, toHostPath));
    expect(created.code, created.stderr).to.equal(0);
    const relabelled = await fixture.as('editor', ['label', 'imagetransfer', 'by-admin', '-n', TEAM, 'tier=gold']);
    expect(relabelled.code, relabelled.stderr).to.equal(0);
  });

  it('refuses host paths to virtfleet-admin bound in one namespace only: the verb is checked at the cluster scope', async () => {
    const paths = await fixture.as('namespace-admin', ['create', '-f', '-'], imageTransfer('ns-admin-path', fromHostPath, toHostPath));
    expect(paths.stderr).to.contain(`${POLICY}: ${HOST_PATHS}`);
  });

  it('lets only virtfleet-admin set the virtfleet.io/force-delete annotation', async () => {
    const byEditor = await fixture.as('editor', ['annotate', 'vm', 'shared', '-n', TEAM, 'virtfleet.io/force-delete=true']);
    expect(byEditor.stderr.trim()).to.equal(`Error from server (Forbidden): virtualmachines.virtfleet.io "shared" is forbidden: ${POLICY}: ${FORCE}`);
    const other = await fixture.as('editor', ['annotate', 'vm', 'shared', '-n', TEAM, 'team=a']);
    expect(other.code, other.stderr).to.equal(0);
    const byAdmin = await fixture.as('vm-admin', ['annotate', 'vm', 'shared', '-n', TEAM, 'virtfleet.io/force-delete=true']);
    expect(byAdmin.code, byAdmin.stderr).to.equal(0);
    const vm = JSON.parse((await fixture.as('admin', ['get', 'vm', 'shared', '-n', TEAM, '-o', 'json'])).stdout) as { metadata: { annotations: Record<string, string> } };
    expect(vm.metadata.annotations).to.deep.equal({ 'virtfleet.io/force-delete': 'true', team: 'a' });
  });

  it('answers with the status reason and code the validation names (Forbidden, 403) and the message as its cause', async () => {
    const raw = await fixture.as('editor', ['create', '-f', '-', '-v=8'], imageTransfer('from-path-2', fromHostPath, toHostPath));
    // kubectl -v=8 prints the Status it received as `server response object: %s[{...}]`.
    const body = /server response object: %s\[(\{[\s\S]*?\n\})\]/.exec(raw.stderr)?.[1];
    expect(body, raw.stderr).to.not.equal(undefined);
    const status = JSON.parse(body!) as { code: number; reason: string; details: { name: string; group: string; kind: string; causes: Array<{ message: string }> } };
    expect([status.code, status.reason, status.details.name, status.details.group, status.details.kind]).to.deep.equal([403, 'Forbidden', 'from-path-2', 'virtfleet.io', 'imagetransfers']);
    expect(status.details.causes.map((c) => c.message)).to.deep.equal([`${POLICY}: ${HOST_PATHS}`]);
  });
});
