import { expect } from 'chai';
import { dump } from 'js-yaml';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256Hex } from '../../../src/security/audit-record.js';
import { startTestApiServer, type TestApiServer } from '../../support/apiserver/index.js';
import { startHosts, stopHosts, type TestHost } from '../../support/hosts/index.js';
import { kubectl, type KubectlResult } from '../../support/kubectl.js';
import { parseJson, startOperatorProcess, type OperatorProcess } from './operator-process.js';

const CRD_DIR = fileURLToPath(new URL('../../../crds', import.meta.url));
const NAMESPACE = 'virtfleet-system';
/** Not one of the credentialsNamespaces: its Secrets are never read. */
const OTHER_NAMESPACE = 'apps';

describe('[REQ-01] virtfleet run end to end: kubectl, the test API server, a Docker libvirt host', function () {
  this.timeout(300_000);
  let server: TestApiServer;
  let testHost: TestHost;
  let workDir: string;
  let operator: OperatorProcess | undefined;
  let auditPath: string;

  const k = async (args: string[], stdin?: string): Promise<KubectlResult> => kubectl(args, { kubeconfig: server.kubeconfigPath, cacheDir: join(workDir, 'kube-cache'), ...(stdin === undefined ? {} : { stdin }) });
  const ok = async (args: string[], stdin?: string): Promise<string> => {
    const result = await k(args, stdin);
    expect(result.code, `kubectl ${args.join(' ')}: ${result.stderr}`).to.equal(0);
    return result.stdout;
  };

  before(async function () {
    this.timeout(900_000);
    let hosts: TestHost[];
    [server, hosts] = await Promise.all([startTestApiServer({ crdDir: CRD_DIR }), startHosts(1, { namePrefix: 'operator-e2e' })]);
    testHost = hosts[0] as TestHost;
    workDir = await mkdtemp(join(tmpdir(), 'virtfleet-e2e-'));
    auditPath = join(workDir, 'audit.log');
    const configDir = join(workDir, 'config');
    await ok(['create', 'namespace', NAMESPACE]);
    await ok(['create', 'namespace', OTHER_NAMESPACE]);
    await mkdir(configDir);
    await writeFile(join(configDir, 'controller_config.yaml'), [
      'metricsAddress: "127.0.0.1:0"',
      'logLevel: debug',
      `namespaces: [${NAMESPACE}]`,
      `credentialsNamespaces: [${NAMESPACE}]`,
      'leaderElection:',
      `  leaseNamespace: ${NAMESPACE}`,
      'audit:',
      '  sink: file',
      `  path: ${auditPath}`,
      '',
    ].join('\n'));
    await writeFile(join(configDir, 'ssh_config.yaml'), 'reconnect:\n  baseDelayMs: 100\n  maxDelayMs: 1000\n');
    operator = await startOperatorProcess({ configDir, kubeconfig: server.kubeconfigPath, podName: 'virtfleet-e2e-0' });
  });

  after(async () => {
    await operator?.stop('SIGKILL');
    if (testHost !== undefined) await stopHosts([testHost]);
    await server?.stop();
    if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
  });

  function manifests(name: string, hostKeys: string[], secretNamespace = NAMESPACE): string {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: `${name}-ssh`, namespace: secretNamespace }, type: 'kubernetes.io/ssh-auth', stringData: { 'ssh-privatekey': testHost.clientPrivateKey } };
    const host = {
      apiVersion: 'virtfleet.io/v1alpha1',
      kind: 'Host',
      metadata: { name, labels: { 'virtfleet.io/zone': 'e2e' } },
      spec: { address: testHost.address, port: testHost.sshPort, user: testHost.user, credentialsSecretRef: { namespace: secretNamespace, name: `${name}-ssh` }, hostKeys },
    };
    // A YAML stream of two documents (the test API server cannot validate a `kind: List`).
    return `${dump(secret)}---\n${dump(host)}`;
  }

  it('makes a Host applied with kubectl Ready, with its printer columns filled', async () => {
    await ok(['apply', '-f', '-'], manifests('hv-e2e', [testHost.hostKeyLine]));
    await ok(['wait', '--for=condition=Ready', 'host/hv-e2e', '--timeout=120s']);
    const table = await ok(['get', 'hosts', '-o', 'wide']);
    const [header, row] = table.trim().split('\n');
    expect(header).to.match(/^NAME\s+STATUS\s+REASON\s+ADDRESS\s+VMS\s+CPU\(ALLOC\)\s+MEMORY\(ALLOC\)\s+CPU\(CAP\)\s+MEMORY\(CAP\)\s+LIBVIRT\s+LAST-HEARTBEAT\s+AGE/);
    // Ready: the REASON cell is empty, so the row has one cell fewer than the header.
    const cells = row?.split(/\s{2,}/) ?? [];
    expect(cells.slice(0, 6)).to.deep.equal(['hv-e2e', 'Ready', '127.0.0.1', '0', '0', '0']);
    const status = JSON.parse(await ok(['get', 'host', 'hv-e2e', '-o', 'json'])) as { status: { capacity: { cpus: number }; summary: { capacityMemory: string }; libvirtVersion: string } };
    expect(cells.slice(6, 9)).to.deep.equal([String(status.status.capacity.cpus), status.status.summary.capacityMemory, status.status.libvirtVersion]);
    expect(status.status.summary.capacityMemory).to.match(/^\d+(\.\d)?[KMGT]i$/);
    expect((await testHost.virsh(['version'])).stdout).to.contain(`libvirt ${status.status.libvirtVersion}`);
  });

  it('shows the Events of a Host in kubectl describe, a Warning naming the presented key for an unpinned one', async () => {
    const otherKey = `SHA256:${randomBytes(32).toString('base64').replace(/=+$/, '')}`;
    await ok(['apply', '-f', '-'], manifests('hv-wrong-key', [otherKey]));
    await ok(['wait', '--for=condition=Authenticated=False', 'host/hv-wrong-key', '--timeout=60s']);
    const wrong = await ok(['describe', 'host', 'hv-wrong-key']);
    expect(wrong).to.match(/Events:[\s\S]*Warning\s+HostKeyMismatch/);
    expect(wrong).to.contain(testHost.hostKeyFingerprint);
    const good = await ok(['describe', 'host', 'hv-e2e']);
    expect(good).to.match(/Events:[\s\S]*Normal\s+HostReady/);
  });

  it('never reads credentials outside credentialsNamespaces: the Host reports CredentialsNotFound naming them', async () => {
    await ok(['apply', '-f', '-'], manifests('hv-other-ns', [testHost.hostKeyLine], OTHER_NAMESPACE));
    await ok(['wait', '--for=condition=Authenticated=False', 'host/hv-other-ns', '--timeout=60s']);
    const described = await ok(['describe', 'host', 'hv-other-ns']);
    expect(described).to.match(/Events:[\s\S]*Warning\s+CredentialsNotFound/);
    expect(described).to.contain(`namespace ${OTHER_NAMESPACE} is not one of the credentialsNamespaces (${NAMESPACE})`);
  });

  it('serves /healthz, /readyz and /metrics with the host controller metrics', async () => {
    const base = `http://${operator?.healthAddress}`;
    expect((await fetch(`${base}/healthz`)).status).to.equal(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status, await ready.clone().text()).to.equal(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).to.match(/virtfleet_reconcile_duration_seconds_count\{controller="host",result="requeue"\} [1-9]/);
    expect(metrics).to.match(/virtfleet_workqueue_depth\{controller="host"\} \d/);
    expect(metrics).to.contain('process_cpu_user_seconds_total');
    expect(metrics).to.match(/virtfleet_ssh_sessions\{host="[^"]+"\} 1/);
    expect(metrics).to.contain('virtfleet_host_condition{host="hv-e2e",condition="Ready",status="True",reason="HostReady"} 1');
    expect(metrics).to.match(/virtfleet_host_condition\{host="hv-wrong-key",condition="Ready",status="False",reason="HostKeyMismatch"\} 1/);
  });

  it('completes kubectl delete host (the finalizer is removed after the session is closed)', async () => {
    await ok(['delete', 'host', 'hv-e2e', '--timeout=60s']);
    const gone = await k(['get', 'host', 'hv-e2e']);
    expect(gone.code).to.not.equal(0);
    expect(gone.stderr).to.contain('NotFound');
  });

  it('shuts down on SIGTERM with exit code 0, releasing the lease and leaving an audit trail of the SSH connections', async () => {
    const running = operator;
    operator = undefined;
    expect(await running?.stop('SIGTERM')).to.equal(0);
    const lease = JSON.parse(await ok(['get', 'lease', '-n', NAMESPACE, 'virtfleet-controller', '-o', 'json'])) as { spec: { holderIdentity?: string } };
    expect(lease.spec.holderIdentity ?? '').to.equal('');
    const messages = running?.lines.map(parseJson).map((entry) => entry?.message) ?? [];
    expect(messages).to.include.members(['operator started', 'lease released', 'operator stopped']);
    const audit = (await readFile(auditPath, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { action: string; host: string; outcome: string; instance: string });
    expect(audit.some((record) => record.action === 'ssh.connect' && record.host === 'hv-e2e' && record.outcome === 'success')).to.equal(true);
    expect(audit.some((record) => record.action === 'ssh.connect' && record.host === 'hv-wrong-key' && record.outcome === 'denied')).to.equal(true);
    expect(audit.every((record) => record.instance === 'virtfleet-e2e-0')).to.equal(true);
    const head = JSON.parse(await ok(['get', 'configmap', '-n', NAMESPACE, 'virtfleet-controller-audit-head', '-o', 'json'])) as { metadata: { annotations: Record<string, string> } };
    expect(head.metadata.annotations).to.include({ 'virtfleet.io/audit-chain-head': `${audit.length}:${sha256Hex((await readFile(auditPath, 'utf8')).trim().split('\n').at(-1) ?? '')}`, 'virtfleet.io/audit-chain-writer': 'virtfleet-e2e-0' });
  });
});
