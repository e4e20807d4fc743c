/** [REQ-01] Defects found with real clients (kubectl 1.32, @kubernetes/client-node), each held by a test. */
import { CoreV1Api, CustomObjectsApi, KubeConfig, Watch } from '@kubernetes/client-node';
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApiServer, type TestApiServer } from '../../support/apiserver/index.js';
import { kubectl, type KubectlResult } from '../../support/kubectl.js';
import { api } from './https-client.js';

describe('[REQ-01] API server defects found with kubectl and client-node', function () {
  this.timeout(60_000);
  let server: TestApiServer;
  let config: KubeConfig;
  let core: CoreV1Api;
  let cacheDir: string;
  const run = (args: string[], stdin?: string): Promise<KubectlResult> => kubectl(args, { kubeconfig: server.kubeconfigPath, cacheDir, ...(stdin === undefined ? {} : { stdin }) });
  const versionOf = async (resource: string): Promise<string> => (await run(['get', resource, '-o', 'jsonpath={.metadata.resourceVersion}/{.metadata.generation}'])).stdout;

  before(async () => {
    server = await startTestApiServer({ crdDir: 'crds' });
    config = new KubeConfig();
    config.loadFromFile(server.kubeconfigPath);
    core = config.makeApiClient(CoreV1Api);
    cacheDir = await mkdtemp(join(tmpdir(), 'virtfleet-kubectl-cache-'));
  });
  after(async () => {
    await server.stop();
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('kubectl delete --dry-run=server (dryRun in the DeleteOptions body) deletes nothing', async () => {
    expect((await run(['create', 'configmap', 'dry-delete', '--from-literal=a=b'])).code).to.equal(0);
    const deleted = await run(['delete', 'configmap', 'dry-delete', '--dry-run=server']);
    expect(deleted.stdout).to.contain('(server dry run)');
    expect((await run(['get', 'configmap', 'dry-delete', '-o', 'name'])).stdout.trim()).to.equal('configmap/dry-delete');
    const bad = await api(server, 'DELETE', '/api/v1/namespaces/default/configmaps/dry-delete', { body: { dryRun: ['Some'] } });
    expect(bad.status).to.equal(400);
  });

  it('parses boolean query parameters like kube-apiserver: watch=True streams, force=True forces, watch=yes is a 400', async () => {
    const watch = await api(server, 'GET', '/api/v1/namespaces/default/configmaps?watch=True&timeoutSeconds=1');
    expect(watch.headers['transfer-encoding']).to.equal('chunked');
    expect(watch.text).to.not.contain('"kind":"ConfigMapList"');
    const apply = (manager: string, value: string, force: string): ReturnType<typeof api> =>
      api(server, 'PATCH', `/api/v1/namespaces/default/configmaps/forced?fieldManager=${manager}&force=${force}`, {
        contentType: 'application/apply-patch+yaml',
        body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'forced' }, data: { owner: value } }),
      });
    expect((await apply('first', 'a', 'false')).status).to.equal(201);
    expect((await apply('second', 'b', 'False')).status).to.equal(409);
    expect((await apply('second', 'b', 'True')).status).to.equal(200);
    expect((await api(server, 'GET', '/api/v1/namespaces/default/configmaps?watch=yes')).status).to.equal(400);
  });

  it('writes nothing for an unchanged kubectl apply (client- and server-side) and kubectl diff comes back clean', async () => {
    expect((await run(['apply', '-f', 'examples/virtual-machine.yaml'])).code).to.equal(0);
    const first = await versionOf('vm/web-1');
    expect((await run(['apply', '-f', 'examples/virtual-machine.yaml'])).code).to.equal(0);
    expect(await versionOf('vm/web-1')).to.equal(first);
    const diff = await run(['diff', '-f', 'examples/virtual-machine.yaml']);
    expect(diff.code, diff.stdout + diff.stderr).to.equal(0);
    expect((await run(['apply', '--server-side', '-f', 'examples/virtual-machine.yaml'])).code).to.equal(0);
    const afterServerSide = await versionOf('vm/web-1');
    expect((await run(['apply', '--server-side', '-f', 'examples/virtual-machine.yaml'])).code).to.equal(0);
    expect(await versionOf('vm/web-1')).to.equal(afterServerSide);
  });

  it('sends ADDED when an object starts matching a selector watch and DELETED when it stops (client-node Watch)', async () => {
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'selected', labels: { tier: 'cold' } } } });
    const list = await core.listNamespacedConfigMap({ namespace: 'default' });
    const seen: string[] = [];
    const request = await new Watch(config).watch(
      '/api/v1/namespaces/default/configmaps',
      { labelSelector: 'tier=hot', resourceVersion: list.metadata?.resourceVersion },
      (type, object: { metadata: { name: string } }) => seen.push(`${type} ${object.metadata.name}`),
      () => {},
    );
    try {
      const label = (tier: string): Promise<unknown> =>
        core.patchNamespacedConfigMap({ name: 'selected', namespace: 'default', body: [{ op: 'replace', path: '/metadata/labels/tier', value: tier }] });
      await label('hot');
      await label('hot-but-not-quite');
      for (let i = 0; i < 60 && seen.length < 2; i += 1) await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      request.abort();
    }
    expect(seen).to.deep.equal(['ADDED selected', 'DELETED selected']);
  });

  it('deletes a collection by label selector (client-node deleteCollection) and honours its dryRun', async () => {
    for (const name of ['col-a', 'col-b', 'col-other']) {
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name, labels: { set: name === 'col-other' ? 'other' : 'col' } } } });
    }
    await core.deleteCollectionNamespacedConfigMap({ namespace: 'default', labelSelector: 'set=col', dryRun: 'All' });
    expect((await core.listNamespacedConfigMap({ namespace: 'default', labelSelector: 'set' })).items).to.have.length(3);
    await core.deleteCollectionNamespacedConfigMap({ namespace: 'default', labelSelector: 'set=col' });
    const left = (await core.listNamespacedConfigMap({ namespace: 'default', labelSelector: 'set' })).items.map((c) => c.metadata?.name);
    expect(left).to.deep.equal(['col-other']);
  });

  it('answers a resourceVersion newer than the server with 504 Too large resource version', async () => {
    const failure = await core.listNamespacedConfigMap({ namespace: 'default', resourceVersion: '99999999', resourceVersionMatch: 'NotOlderThan' }).then(
      () => undefined,
      (error: { code?: number; body?: string }) => error,
    );
    expect(failure?.code).to.equal(504);
    expect(String(failure?.body)).to.contain('Too large resource version: 99999999');
    expect((await api(server, 'GET', '/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=99999999')).status).to.equal(504);
  });

  it('answers a JSON body that is not an object with 400 (kubectl create --raw)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'virtfleet-raw-'));
    try {
      for (const body of ['[1, 2]', '"text"', '42', 'null']) {
        await writeFile(join(dir, 'body.json'), body);
        const created = await run(['create', '--raw', '/api/v1/namespaces/default/configmaps', '-f', join(dir, 'body.json')]);
        expect(created.code, body).to.not.equal(0);
        expect(created.stderr, body).to.contain('BadRequest');
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a PUT of a custom resource without resourceVersion (client-node replace), but not of a ConfigMap', async () => {
    expect((await run(['apply', '-f', 'examples/virtual-machine.yaml'])).code).to.equal(0);
    const current = JSON.parse((await run(['get', 'vm', 'web-1', '-o', 'json'])).stdout) as { metadata: Record<string, unknown>; spec: unknown };
    const body = { apiVersion: 'virtfleet.io/v1alpha1', kind: 'VirtualMachine', metadata: { name: 'web-1', namespace: 'default' }, spec: current.spec };
    const scope = { group: 'virtfleet.io', version: 'v1alpha1', namespace: 'default', plural: 'virtualmachines', name: 'web-1' };
    const failure = await config.makeApiClient(CustomObjectsApi).replaceNamespacedCustomObject({ ...scope, body }).then(
      () => undefined,
      (error: { code?: number; body?: string }) => error,
    );
    expect(failure?.code).to.equal(422);
    expect(String(failure?.body)).to.contain('metadata.resourceVersion: Invalid value: 0x0: must be specified for an update');
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'unconditional' } } });
    const replaced = await core.replaceNamespacedConfigMap({ name: 'unconditional', namespace: 'default', body: { metadata: { name: 'unconditional' }, data: { a: 'b' } } });
    expect(replaced.data).to.deep.equal({ a: 'b' });
  });

  it('serves /openapi/v2 in a media type kubectl parses, so kubectl apply of a kind: List works', async () => {
    const list = { apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'in-a-list' }, data: { a: 'b' } }] };
    const applied = await run(['apply', '-f', '-'], JSON.stringify(list));
    expect(applied.code, applied.stderr).to.equal(0);
    expect(applied.stdout).to.contain('configmap/in-a-list created');
    const json = await api(server, 'GET', '/openapi/v2');
    expect(json.headers['content-type']).to.equal('application/json');
    expect(json.body.swagger).to.equal('2.0');
    const protobuf = await api(server, 'GET', '/openapi/v2', { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' });
    expect(protobuf.headers['content-type']).to.equal('application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
  });
});
