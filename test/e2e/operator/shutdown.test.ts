import { expect } from 'chai';
import { dump } from 'js-yaml';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyAuditLog } from '../../../src/security/audit-verify.js';
import { startTestApiServer, type TestApiServer } from '../../support/apiserver/index.js';
import { startHosts, stopHosts, type TestHost } from '../../support/hosts/index.js';
import { kubectl } from '../../support/kubectl.js';
import { startOperatorProcess } from './operator-process.js';
import { until } from '../../support/until.js';

const CRD_DIR = fileURLToPath(new URL('../../../crds', import.meta.url));
const NAMESPACE = 'virtfleet-system';
const SHUTDOWNS = 20;

interface AuditLine {
  action: string;
  host?: string;
  outcome: string;
  arguments?: { reason?: string; argv?: string[] };
  error?: string;
}

describe('[REQ-01][REQ-05] virtfleet run shuts down cleanly with live SSH sessions and commands in flight', function () {
  this.timeout(900_000);
  let server: TestApiServer;
  let testHost: TestHost;
  let workDir: string;
  let configDir: string;

  const k = async (args: string[], stdin?: string): Promise<string> => {
    const result = await kubectl(args, { kubeconfig: server.kubeconfigPath, cacheDir: join(workDir, 'kube-cache'), ...(stdin === undefined ? {} : { stdin }) });
    expect(result.code, `kubectl ${args.join(' ')}: ${result.stderr}`).to.equal(0);
    return result.stdout;
  };

  before(async function () {
    this.timeout(900_000);
    let hosts: TestHost[];
    [server, hosts] = await Promise.all([startTestApiServer({ crdDir: CRD_DIR }), startHosts(1, { namePrefix: 'shutdown-e2e' })]);
    testHost = hosts[0] as TestHost;
    workDir = await mkdtemp(join(tmpdir(), 'virtfleet-shutdown-'));
    configDir = join(workDir, 'config');
    await mkdir(configDir);
    await k(['create', 'namespace', NAMESPACE]);
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'hv-ssh', namespace: NAMESPACE }, type: 'kubernetes.io/ssh-auth', stringData: { 'ssh-privatekey': testHost.clientPrivateKey } };
    const host = {
      apiVersion: 'virtfleet.io/v1alpha1',
      kind: 'Host',
      metadata: { name: 'hv-shutdown' },
      spec: { address: testHost.address, port: testHost.sshPort, user: testHost.user, credentialsSecretRef: { namespace: NAMESPACE, name: 'hv-ssh' }, hostKeys: [testHost.hostKeyLine] },
    };
    await k(['apply', '-f', '-'], `${dump(secret)}---\n${dump(host)}`);
  });

  after(async () => {
    if (testHost !== undefined) await stopHosts([testHost]);
    await server?.stop();
    if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
  });

  it(`exits 0 on SIGTERM ${SHUTDOWNS} times in a row, with a verified audit log that records every session's close`, async () => {
    const exits: Array<number | null> = [];
    for (let run = 0; run < SHUTDOWNS; run++) {
      const auditPath = join(workDir, `audit-${run}.log`);
      await writeFile(join(configDir, 'controller_config.yaml'), [
        'metricsAddress: "127.0.0.1:0"',
        `credentialsNamespaces: [${NAMESPACE}]`,
        // a heartbeat every second keeps libvirt calls in flight when SIGTERM arrives
        'hosts:',
        '  heartbeatIntervalSeconds: 1',
        'leaderElection:',
        `  leaseNamespace: ${NAMESPACE}`,
        'audit:',
        '  sink: file',
        `  path: ${auditPath}`,
        '',
      ].join('\n'));
      const operator = await startOperatorProcess({ configDir, kubeconfig: server.kubeconfigPath, podName: `virtfleet-shutdown-${run}` });
      let code: number | null;
      try {
        const metrics = `http://${operator.healthAddress}/metrics`;
        await until('a live SSH session', 60_000, async () => /virtfleet_ssh_sessions\{host="hv-shutdown"\} 1/.test(await (await fetch(metrics)).text()) || undefined, 100);
        // a random moment within the heartbeat, so that some runs stop in the middle of a reconcile
        await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 1000)));
      } finally {
        code = await operator.stop('SIGTERM');
      }
      exits.push(code);
      expect(operator.stderr, `run ${run}: stderr`).to.not.match(/AuditLogError|record\(\) called after close/);
      expect(code, `run ${run}: exit code; stderr: ${operator.stderr}`).to.equal(0);
      const verification = await verifyAuditLog(auditPath);
      expect(verification, `run ${run}: audit verify`).to.deep.include({ ok: true });
      const records = (await readFile(auditPath, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as AuditLine);
      const connects = records.filter((r) => r.action === 'ssh.connect' && r.outcome === 'success').length;
      const closes = records.filter((r) => r.action === 'ssh.disconnect' && r.outcome === 'success' && r.arguments?.reason === 'shutdown').length;
      expect(connects, `run ${run}: connections opened`).to.be.at.least(1);
      expect(closes, `run ${run}: every connection's close on shutdown is recorded`).to.equal(connects);
      const failures = records.filter((r) => r.outcome === 'failure').map((r) => `${r.action} ${r.arguments?.argv?.join(' ')}: ${r.error}`);
      expect(failures, `run ${run}: nothing the operator closed on purpose is a failure`).to.deep.equal([]);
    }
    expect(exits).to.deep.equal(new Array<number>(SHUTDOWNS).fill(0));
  });
});
