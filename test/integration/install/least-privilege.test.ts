import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { dump, load } from 'js-yaml';
import { startTestApiServer, type TestApiServer } from '../../support/apiserver/index.js';
import { startHosts, stopHosts, type TestHost } from '../../support/hosts/index.js';
import { kubectl } from '../../support/kubectl.js';
import { until } from '../../support/until.js';
import { ImageServer } from '../transfer/image-server.js';
import { startOperatorProcess, type OperatorProcess } from '../../e2e/operator/operator-process.js';
import { NAMESPACE, REPO, render, type K8sObject } from '../helm/render-chart.js';
import { grantKey, grantsOf, grantUses, recordKey, type Grant } from './operator-grants.js';

const APPS = 'apps';
const SA = `${NAMESPACE}/vf-virtfleet`;
const SA_USER = `system:serviceaccount:${NAMESPACE}:vf-virtfleet`;
const SERVED = new Set(['Namespace', 'ServiceAccount', 'ConfigMap', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']);

const TOKEN = { Authorization: 'Bearer least-privilege-token' };
const sha256 = (buffer: Buffer): string => `sha256:${createHash('sha256').update(buffer).digest('hex')}`;

/** Grants the scenario cannot reach, each with the reason (keys as grantKey prints them). */
function unreachable(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'get virtfleet.io/hosts @ *': 'the status writer re-reads a Host after a 409 Conflict on its status PUT; nothing else writes Host status in the scenario',
    ...extra,
  };
}

describe('[REQ-05] least privilege, measured: the operator under RBAC with exactly the chart\'s grants', function () {
  this.timeout(900_000);
  let hosts: TestHost[] = [];

  before(async function () {
    this.timeout(900_000);
    hosts = await startHosts(1, { namePrefix: 'least-privilege' });
  });

  after(async () => {
    await stopHosts(hosts);
  });

  async function runScenario(helmArgs: string[], vmNamespace: string): Promise<{ grants: Grant[]; records: ReturnType<TestApiServer['recordedAccess']>; operator: OperatorProcess }> {
    const host = hosts[0]!;
    const server = await startTestApiServer({ crdDir: join(REPO, 'crds'), users: { [SA_USER]: [] }, authorization: 'RBAC' });
    const workDir = await mkdtemp(join(tmpdir(), 'virtfleet-least-privilege-'));
    const images = new ImageServer({ ranges: true });
    await images.start();
    let operator: OperatorProcess | undefined;
    const noneRefused = (): void => {
      expect(server.recordedAccess(SA_USER).filter((r) => !r.allowed).map(recordKey), 'requests of the operator refused').to.deep.equal([]);
    };
    const admin = async (args: string[], stdin?: object[]): Promise<string> => {
      const result = await kubectl(args, { kubeconfig: server.kubeconfigPath, cacheDir: join(workDir, 'cache'), ...(stdin === undefined ? {} : { stdin: stdin.map((o) => dump(o)).join('---\n') }) });
      expect(result.code, `kubectl ${args.join(' ')}: ${result.stderr}`).to.equal(0);
      return result.stdout;
    };
    try {
      const objects = await render(...helmArgs);
      const namespaces = [NAMESPACE, APPS].map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
      await admin(['apply', '--server-side', '-f', '-'], [...namespaces, ...objects.filter((o) => SERVED.has(o.kind))]);
      const configDir = join(workDir, 'config');
      await mkdir(configDir);
      const configMap = objects.find((o) => o.kind === 'ConfigMap') as K8sObject & { data: Record<string, string> };
      const controller = load(configMap.data['controller_config.yaml']!) as Record<string, unknown>;
      const overrides: Record<string, unknown> = { ...controller, metricsAddress: '127.0.0.1:0', audit: { sink: 'file', path: join(workDir, 'audit.log') } };
      await writeFile(join(configDir, 'controller_config.yaml'), dump(overrides));
      await writeFile(join(configDir, 'ssh_config.yaml'), configMap.data['ssh_config.yaml']!);
      const libvirt = load(configMap.data['libvirt_config.yaml']!) as Record<string, unknown>;
      await writeFile(join(configDir, 'libvirt_config.yaml'), dump({ ...libvirt, storagePool: { name: 'default', path: '/var/lib/libvirt/images' }, domainDefaults: { type: 'qemu', machine: 'pc' } }));
      // The local image server speaks plain HTTP (the chart allows https only).
      const transfer = load(configMap.data['transfer_config.yaml']!) as Record<string, unknown>;
      await writeFile(join(configDir, 'transfer_config.yaml'), dump({ ...transfer, allowedUrlSchemes: ['http'] }));
      operator = await startOperatorProcess({ configDir, kubeconfig: server.kubeconfigOf(SA_USER), podName: 'vf-virtfleet-0' });

      // Host controller: a Host with its ssh-auth Secret becomes Ready.
      await admin(['apply', '-f', '-'], [
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'hv0-ssh', namespace: NAMESPACE }, type: 'kubernetes.io/ssh-auth', stringData: { 'ssh-privatekey': host.clientPrivateKey } },
        { apiVersion: 'virtfleet.io/v1alpha1', kind: 'Host', metadata: { name: 'hv0' }, spec: { address: host.address, port: host.sshPort, user: host.user, credentialsSecretRef: { namespace: NAMESPACE, name: 'hv0-ssh' }, hostKeys: [host.hostKeyLine] } },
      ]);
      await admin(['wait', '--for=condition=Ready', 'host/hv0', '--timeout=180s']);
      // ImageTransfer controller: a URL behind a token from a headers Secret in the transfer's namespace, to the Host.
      const fetched = randomBytes(256 * 1024 + 17);
      await admin(['apply', '-f', '-'], [
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'pull-headers', namespace: vmNamespace }, stringData: TOKEN },
        {
          apiVersion: 'virtfleet.io/v1alpha1', kind: 'ImageTransfer', metadata: { name: 'fetched', namespace: vmNamespace },
          spec: { source: { url: { url: images.add('/fetched.raw', fetched, TOKEN), headersSecretRef: { name: 'pull-headers' } } }, digest: sha256(fetched), destinations: [{ host: 'hv0' }] },
        },
      ]);
      await until('imagetransfer/fetched Complete', 120_000, async () => {
        const transfer = JSON.parse(await admin(['get', 'imagetransfer', 'fetched', '-n', vmNamespace, '-o', 'json'])) as { status?: { phase?: string; conditions?: Array<{ type: string; status: string; message?: string }> } };
        noneRefused();
        expect(transfer.status?.phase, `the transfer: ${JSON.stringify(transfer.status?.conditions)}`).to.not.equal('Failed');
        return transfer.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') ? true : undefined;
      });
      // VirtualMachine controller: cloud-init user data from a Secret in the VM's namespace, a disk from a {url,
      // digest} image (it creates the ImageTransfer that brings it, owned by the VM), domain defined.
      const root = randomBytes(128 * 1024);
      await admin(['apply', '-f', '-'], [
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'lab-user-data', namespace: vmNamespace }, stringData: { userdata: '#cloud-config\n' } },
        {
          apiVersion: 'virtfleet.io/v1alpha1', kind: 'VirtualMachine', metadata: { name: 'lab', namespace: vmNamespace },
          spec: {
            runStrategy: 'Halted', hostName: 'hv0', memory: '64Mi', cloudInit: { userDataSecretRef: { name: 'lab-user-data' } },
            disks: [{ name: 'root', source: { image: { url: images.add('/root.raw', root), digest: sha256(root) } } }, { name: 'data', source: { blank: { size: '16Mi' } } }],
          },
        },
      ]);
      await until('vm/lab Stopped', 180_000, async () => {
        const vm = JSON.parse(await admin(['get', 'vm', 'lab', '-n', vmNamespace, '-o', 'json'])) as { status?: { printableStatus?: string } };
        noneRefused();
        return vm.status?.printableStatus === 'Stopped' ? true : undefined;
      });
      const owned = JSON.parse(await admin(['get', 'imagetransfer', '-n', vmNamespace, '-l', 'virtfleet.io/virtual-machine=lab', '-o', 'json'])) as { items: unknown[] };
      expect(owned.items, 'the ImageTransfer the VM created').to.have.length(1);
      await admin(['delete', 'imagetransfer', 'fetched', '-n', vmNamespace, '--timeout=120s']);
      // Finalizers of both: deleting cleans up on the host, then lets go.
      await admin(['delete', 'vm', 'lab', '-n', vmNamespace, '--timeout=120s']);
      await admin(['delete', 'host', 'hv0', '--timeout=120s']);
      expect(await operator.stop('SIGTERM')).to.equal(0);
      const records = server.recordedAccess(SA_USER);
      return { grants: grantsOf(objects, SA), records, operator };
    } catch (error) {
      const warnings = (operator?.lines ?? []).filter((line) => /"level":"(warn|error)"/.test(line)).slice(-20);
      console.log(`operator warnings and errors:\n${warnings.join('\n')}\n${operator?.stderr ?? ''}`);
      await operator?.stop('SIGKILL');
      throw error;
    } finally {
      await images.stop();
      await server.stop();
      await rm(workDir, { recursive: true, force: true });
    }
  }

  function compare(grants: Grant[], records: ReturnType<TestApiServer['recordedAccess']>, allowlist: Record<string, string>): void {
    const denied = records.filter((r) => !r.allowed).map(recordKey);
    expect(denied, 'requests of the operator refused').to.deep.equal([]);
    expect(grants.filter((g) => [g.verb, g.group, g.resource].includes('*')).map(grantKey), 'wildcards').to.deep.equal([]);
    const unused = grants.filter((grant) => !records.some((record) => grantUses(grant, record))).map(grantKey);
    const unexplained = unused.filter((key) => allowlist[key] === undefined);
    console.log(`      recorded: ${records.map(recordKey).sort().join(', ')}`);
    expect(unexplained, 'granted but never used (and not on the allowlist)').to.deep.equal([]);
    expect(Object.keys(allowlist).filter((key) => !unused.includes(key)), 'allowlisted but used, or no longer granted').to.deep.equal([]);
  }

  it('with default values (every namespace watched, Secrets read in the release namespace): no 403, nothing unused', async () => {
    const { grants, records } = await runScenario([], NAMESPACE);
    compare(grants, records, unreachable());
  });

  it(`with namespaces: [${APPS}] (namespaced Roles; the VM's cloud-init Secret read in its namespace): no 403, nothing unused`, async () => {
    const { grants, records } = await runScenario(['--set', `config.controller.namespaces={${APPS}}`], APPS);
    compare(grants, records, unreachable({ [`get core/secrets @ ${NAMESPACE}`]: 'cloud-init Secrets of VMs in a credentials namespace (the default-values case reads one)' }));
  });
});
