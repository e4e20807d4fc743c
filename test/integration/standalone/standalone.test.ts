import { expect } from 'chai';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../../src/config/load-config.js';
import { startStandalone, type RunningStandalone } from '../../../src/standalone/standalone.js';
import { kubectl } from '../../support/kubectl.js';
import { api, WatchStream, type ApiEndpoint } from '../apiserver/https-client.js';

const quiet = (): Writable => new Writable({ write: (_chunk, _encoding, done) => done() });

describe('[REQ-01][REQ-05] virtfleet standalone: embedded, persisted, authenticated control plane with the operator', function () {
  this.timeout(120_000);
  let root: string;
  let dataDir: string;
  let configDir: string;
  let running: RunningStandalone | undefined;

  const start = async (): Promise<RunningStandalone> => {
    running = await startStandalone({ dataDir, port: 0, config: loadConfig(configDir), identity: 'standalone-test', logDestination: quiet() });
    return running;
  };
  const endpoint = async (): Promise<ApiEndpoint> => ({
    url: running!.url,
    caPem: await readFile(join(dataDir, 'ca.crt'), 'utf8'),
    token: (await readFile(join(dataDir, 'token'), 'utf8')).trim(),
  });
  const run = (args: string[], stdin?: string): ReturnType<typeof kubectl> => kubectl(args, { kubeconfig: running!.kubeconfigPath, cacheDir: join(root, 'cache'), ...(stdin === undefined ? {} : { stdin }) });

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'virtfleet-standalone-'));
    dataDir = join(root, 'data');
    configDir = join(root, 'config');
    await mkdir(configDir);
    await writeFile(join(configDir, 'controller_config.yaml'), 'metricsAddress: "127.0.0.1:0"\nleaderElection:\n  retryPeriodSeconds: 1\n');
  });
  afterEach(async () => {
    await running?.stop();
    running = undefined;
    await rm(root, { recursive: true, force: true });
  });

  it('listens with HTTPS on 127.0.0.1, answers 401 without a token and with a wrong one, and writes 0600 secrets', async () => {
    const server = await start();
    expect(server.url).to.match(/^https:\/\/127\.0\.0\.1:\d+$/);
    const target = await endpoint();
    expect((await api(target, 'GET', '/api/v1/namespaces', { token: null })).status).to.equal(401);
    expect((await api(target, 'GET', '/api/v1/namespaces', { token: 'not-the-token' })).status).to.equal(401);
    expect((await api(target, 'GET', '/api/v1/namespaces')).status).to.equal(200);
    for (const file of ['kubeconfig', 'token', 'ca.key', 'server.key', 'state.db']) {
      expect(((await stat(join(dataDir, file))).mode & 0o777).toString(8), file).to.equal('600');
    }
    expect(((await stat(dataDir)).mode & 0o777).toString(8)).to.equal('700');
  });

  it('serves the CRDs through apiextensions.k8s.io (kubectl apply, get crd, wait Established) and the lease namespace', async () => {
    await start();
    const applied = await run(['apply', '-f', 'crds/']);
    expect(applied.code, applied.stderr).to.equal(0);
    const crds = await run(['get', 'crd', '-o', 'name']);
    expect(crds.stdout.trim().split('\n').sort()).to.deep.equal([
      'customresourcedefinition.apiextensions.k8s.io/hosts.virtfleet.io',
      'customresourcedefinition.apiextensions.k8s.io/imagetransfers.virtfleet.io',
      'customresourcedefinition.apiextensions.k8s.io/virtualmachines.virtfleet.io',
    ]);
    const waited = await run(['wait', '--for=condition=Established', '--timeout=20s', '-f', 'crds/']);
    expect(waited.code, waited.stderr).to.equal(0);
    const lease = await run(['get', 'lease', '-n', 'virtfleet-system', 'virtfleet-controller', '-o', 'jsonpath={.spec.holderIdentity}']);
    expect(lease.stdout).to.equal('standalone-test');
  });

  it('resumes after a restart with every object, the same resourceVersions, the same CA and token, and resumable watches', async () => {
    await start();
    // A ConfigMap: no controller of the embedded operator writes it, so its resourceVersion is the creation's.
    const created = await run(['create', 'configmap', 'resume-check', '-n', 'default', '--from-literal=kept=yes']);
    expect(created.code, created.stderr).to.equal(0);
    const before = JSON.parse((await run(['get', 'configmap', 'resume-check', '-n', 'default', '-o', 'json'])).stdout) as { metadata: { uid: string; resourceVersion: string } };
    const credentials = await endpoint();
    await running!.stop();
    running = undefined;

    await start();
    const after = JSON.parse((await run(['get', 'configmap', 'resume-check', '-n', 'default', '-o', 'json'])).stdout) as { metadata: { uid: string; resourceVersion: string } };
    expect(after.metadata.uid).to.equal(before.metadata.uid);
    expect(after.metadata.resourceVersion).to.equal(before.metadata.resourceVersion);
    const target = await endpoint();
    expect(target.caPem).to.equal(credentials.caPem);
    expect(target.token).to.equal(credentials.token);

    const watch = await WatchStream.open(target, `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${Number(before.metadata.resourceVersion) - 1}`);
    try {
      const replayed = await watch.next();
      expect(replayed?.type).to.equal('ADDED');
      expect(replayed?.object.metadata?.resourceVersion).to.equal(before.metadata.resourceVersion);
    } finally {
      watch.close();
    }
  });
});
