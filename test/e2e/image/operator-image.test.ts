import { expect } from 'chai';
import { dump } from 'js-yaml';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestApiServer, type TestApiServer } from '../../support/apiserver/index.js';
import { startHosts, stopHosts, type TestHost } from '../../support/hosts/index.js';
import { kubectl } from '../../support/kubectl.js';
import { freeLoopbackPort } from '../../support/loopback-port.js';
import { buildOperatorImage, docker, ensureBaseImages } from '../../support/operator-image/index.js';

const CRD_DIR = fileURLToPath(new URL('../../../crds', import.meta.url));
const NAMESPACE = 'virtfleet-system';
const AUDIT_DIR = '/var/log/virtfleet';
const NODE = '/nodejs/bin/node';

describe('[REQ-05] the operator image: built from the Dockerfile without network, run non-root on a read-only root file system', function () {
  this.timeout(300_000);
  let image: string;
  let server: TestApiServer;
  let testHost: TestHost;
  let workDir: string;
  let container: string | undefined;
  let metricsPort: number;

  const ok = async (args: string[], stdin?: string): Promise<string> => {
    const result = await kubectl(args, { kubeconfig: server.kubeconfigPath, cacheDir: join(workDir, 'kube-cache'), ...(stdin === undefined ? {} : { stdin }) });
    expect(result.code, `kubectl ${args.join(' ')}: ${result.stderr}`).to.equal(0);
    return result.stdout;
  };
  const inContainer = async (args: string[]) => docker(['exec', container as string, ...args]);

  before(async function () {
    this.timeout(1_800_000);
    let hosts: TestHost[];
    [image, server, hosts] = await Promise.all([ensureBaseImages().then(buildOperatorImage), startTestApiServer({ crdDir: CRD_DIR }), startHosts(1, { namePrefix: 'operator-image' })]);
    testHost = hosts[0] as TestHost;
    workDir = await mkdtemp(join(tmpdir(), 'virtfleet-image-'));
    await ok(['create', 'namespace', NAMESPACE]);

    // Mounted read-only into the container, whose user (65532) must be able to read them.
    const mounted = join(workDir, 'mounted');
    await mkdir(join(mounted, 'config'), { recursive: true });
    metricsPort = await freeLoopbackPort();
    await writeFile(join(mounted, 'config', 'controller_config.yaml'), dump({
      metricsAddress: `127.0.0.1:${metricsPort}`,
      namespaces: [NAMESPACE],
      credentialsNamespaces: [NAMESPACE],
      leaderElection: { leaseNamespace: NAMESPACE },
      audit: { sink: 'file', path: `${AUDIT_DIR}/audit.log` },
    }));
    await copyFile(server.kubeconfigPath, join(mounted, 'kubeconfig'));
    await chmod(workDir, 0o755);
    for (const path of [mounted, join(mounted, 'config')]) await chmod(path, 0o755);
    for (const file of ['kubeconfig', 'config/controller_config.yaml']) await chmod(join(mounted, file), 0o644);

    const started = await docker([
      'run', '--detach', '--network', 'host', '--read-only', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges',
      '--tmpfs', `${AUDIT_DIR}:uid=65532,gid=65532,mode=0700`,
      '--volume', `${join(mounted, 'config')}:/etc/virtfleet:ro`, '--volume', `${join(mounted, 'kubeconfig')}:/var/run/virtfleet/kubeconfig:ro`,
      '--env', 'KUBECONFIG=/var/run/virtfleet/kubeconfig', '--env', 'POD_NAME=virtfleet-image-0',
      '--label', 'io.virtfleet.test-operator=true', image,
    ]);
    expect(started.code, started.stderr).to.equal(0);
    container = started.stdout.trim();
  });

  after(async () => {
    if (container !== undefined) await docker(['rm', '--force', container]);
    if (testHost !== undefined) await stopHosts([testHost]);
    await server?.stop();
    if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
  });

  it('makes a Host Ready over SSH from inside the container, and serves /readyz', async () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'hv-image-ssh', namespace: NAMESPACE }, type: 'kubernetes.io/ssh-auth', stringData: { 'ssh-privatekey': testHost.clientPrivateKey } };
    const host = {
      apiVersion: 'virtfleet.io/v1alpha1', kind: 'Host', metadata: { name: 'hv-image' },
      spec: { address: testHost.address, port: testHost.sshPort, user: testHost.user, credentialsSecretRef: { namespace: NAMESPACE, name: 'hv-image-ssh' }, hostKeys: [testHost.hostKeyLine] },
    };
    await ok(['apply', '-f', '-'], `${dump(secret)}---\n${dump(host)}`);
    const waited = await kubectl(['wait', '--for=condition=Ready', 'host/hv-image', '--timeout=120s'], { kubeconfig: server.kubeconfigPath });
    expect(waited.code, `${waited.stderr}\n${(await docker(['logs', '--tail', '40', container as string])).stdout}`).to.equal(0);
    const ready = await fetch(`http://127.0.0.1:${metricsPort}/readyz`);
    expect(ready.status, await ready.clone().text()).to.equal(200);
  });

  it('runs as uid and gid 65532 with no capabilities, on a read-only root file system', async () => {
    const inspected = JSON.parse((await docker(['inspect', container as string])).stdout) as Array<{ State: { Pid: number }; Config: { User: string }; HostConfig: { ReadonlyRootfs: boolean } }>;
    const state = inspected[0];
    expect(state?.Config.User).to.equal('65532:65532');
    expect(state?.HostConfig.ReadonlyRootfs).to.equal(true);
    const status = await readFile(`/proc/${state?.State.Pid}/status`, 'utf8');
    expect(status).to.match(/^Uid:\s+65532\s+65532\s+65532\s+65532$/m).and.match(/^Gid:\s+65532\s+65532\s+65532\s+65532$/m);
    expect(status).to.match(/^CapEff:\s+0+$/m);
    const write = await inContainer([NODE, '-e', "require('fs').writeFileSync('/app/written', 'x')"]);
    expect(write.code).to.not.equal(0);
    expect(write.stderr).to.contain('EROFS');
  });

  it('holds production dependencies only, with ssh2\'s native crypto binding and better-sqlite3 built', async () => {
    const probe = await inContainer([NODE, '-e', [
      "const r = (m) => { try { require.resolve(m, { paths: ['/app'] }); return true; } catch { return false; } };",
      "const fs = require('fs');",
      "console.log(JSON.stringify({ dev: ['mocha', 'typescript', 'tsx', 'chai', 'eslint', 'testcontainers'].filter(r),",
      "  prod: ['ssh2', 'better-sqlite3', '@kubernetes/client-node'].filter(r),",
      "  sshcrypto: fs.existsSync('/app/node_modules/ssh2/lib/protocol/crypto/build/Release/sshcrypto.node'),",
      "  sqlite: (() => { const D = require('/app/node_modules/better-sqlite3'); const d = new D(':memory:'); const v = d.prepare('select 41 + 1 as v').get().v; d.close(); return v; })() }));",
    ].join('\n')]);
    expect(probe.code, probe.stderr).to.equal(0);
    expect(JSON.parse(probe.stdout)).to.deep.equal({ dev: [], prod: ['ssh2', 'better-sqlite3', '@kubernetes/client-node'], sshcrypto: true, sqlite: 42 });
  });

  it('writes the audit chain to its own volume, verified by `virtfleet audit verify` inside the image', async () => {
    const verified = await inContainer([NODE, '/app/bin/virtfleet.js', 'audit', 'verify', `${AUDIT_DIR}/audit.log`]);
    expect(verified.code, `${verified.stdout}${verified.stderr}`).to.equal(0);
    const records = (await inContainer([NODE, '-e', `process.stdout.write(require('fs').readFileSync('${AUDIT_DIR}/audit.log', 'utf8'))`])).stdout.trim().split('\n').map((line) => JSON.parse(line) as { action: string; host: string; outcome: string; instance: string });
    expect(records.some((record) => record.action === 'ssh.connect' && record.host === 'hv-image' && record.outcome === 'success')).to.equal(true);
    expect(records.every((record) => record.instance === 'virtfleet-image-0')).to.equal(true);
  });

  it('completes kubectl delete host, then stops on SIGTERM (docker stop) with exit code 0, releasing the lease', async () => {
    // The Host goes first: SIGTERM while a host session is open exits 1 today (an SSH exec ends after the audit
    // log closed: AuditLogError 'record() called after close()'), reported to the SSH transport's owner.
    await ok(['delete', 'host', 'hv-image', '--timeout=60s']);
    const stopped = await docker(['stop', '--time', '30', container as string]);
    expect(stopped.code, stopped.stderr).to.equal(0);
    const logs = await docker(['logs', '--tail', '30', container as string]);
    expect((await docker(['inspect', '--format', '{{.State.ExitCode}}', container as string])).stdout.trim(), `${logs.stdout}${logs.stderr}`).to.equal('0');
    expect(logs.stdout).to.contain('"message":"lease released"').and.contain('"message":"operator stopped"');
  });
});
