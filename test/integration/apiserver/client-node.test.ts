/** [REQ-01] Test API server with @kubernetes/client-node 1.4, the client the controller runtime uses. */
import { CoordinationV1Api, CustomObjectsApi, KubeConfig, Watch } from '@kubernetes/client-node';
import { expect } from 'chai';
import { startTestApiServer, type TestApiServer } from '../../support/apiserver/index.js';
import { writeWidgetCrdDir } from './widget-crd.js';

describe('[REQ-01] test API server with @kubernetes/client-node', () => {
  let server: TestApiServer;
  let config: KubeConfig;
  before(async () => {
    server = await startTestApiServer({ crdDir: await writeWidgetCrdDir() });
    config = new KubeConfig();
    config.loadFromFile(server.kubeconfigPath);
  });
  after(async () => server.stop());

  it('creates, lists and watches custom objects through the kubeconfig the server wrote', async () => {
    const objects = config.makeApiClient(CustomObjectsApi);
    const scope = { group: 'test.virtfleet.io', version: 'v1alpha1', namespace: 'default', plural: 'widgets' };
    const list = (await objects.listNamespacedCustomObject(scope)) as { metadata: { resourceVersion: string } };
    const seen: string[] = [];
    const watch = await new Watch(config).watch(
      '/apis/test.virtfleet.io/v1alpha1/namespaces/default/widgets',
      { resourceVersion: list.metadata.resourceVersion },
      (type, object: { metadata: { name: string } }) => seen.push(`${type} ${object.metadata.name}`),
      () => {},
    );
    await objects.createNamespacedCustomObject({ ...scope, body: { apiVersion: 'test.virtfleet.io/v1alpha1', kind: 'Widget', metadata: { name: 'cn' }, spec: { size: 's' } } });
    for (let i = 0; i < 50 && seen.length === 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 50));
    watch.abort();
    expect(seen).to.deep.equal(['ADDED cn']);
  });

  it('serves Leases for leader election with optimistic concurrency', async () => {
    const leases = config.makeApiClient(CoordinationV1Api);
    const created = await leases.createNamespacedLease({ namespace: 'default', body: { metadata: { name: 'leader' }, spec: { holderIdentity: 'a', leaseDurationSeconds: 15 } } });
    const replaced = await leases.replaceNamespacedLease({ name: 'leader', namespace: 'default', body: { ...created, spec: { ...created.spec, holderIdentity: 'b' } } });
    expect(replaced.spec?.holderIdentity).to.equal('b');
    const stale = await leases.replaceNamespacedLease({ name: 'leader', namespace: 'default', body: { ...created, spec: { ...created.spec, holderIdentity: 'c' } } }).then(
      () => undefined,
      (error: { code?: number; body?: string }) => error,
    );
    expect(stale?.code).to.equal(409);
    expect(String(stale?.body)).to.contain('the object has been modified');
  });
});
