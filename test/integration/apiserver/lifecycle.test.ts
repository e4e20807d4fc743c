/** [REQ-01] Test API server: resourceVersion, generation, status subresource, finalizers and Status errors over HTTPS. */
import { expect } from 'chai';
import { startTestApiServer, type TestApiServer } from '../../support/apiserver/index.js';
import { api } from './https-client.js';
import { writeWidgetCrdDir } from './widget-crd.js';

const WIDGETS = '/apis/test.virtfleet.io/v1alpha1/namespaces/default/widgets';

function widget(name: string, spec: Record<string, unknown> = { size: 'small' }): Record<string, unknown> {
  return { apiVersion: 'test.virtfleet.io/v1alpha1', kind: 'Widget', metadata: { name }, spec };
}

describe('[REQ-01] test API server object lifecycle', () => {
  let server: TestApiServer;
  before(async () => {
    server = await startTestApiServer({ crdDir: await writeWidgetCrdDir() });
  });
  after(async () => server.stop());

  it('gives every write a new, higher resourceVersion and rejects updates carrying a stale one with 409 Conflict', async () => {
    const created = await api(server, 'POST', WIDGETS, { body: widget('rv') });
    expect(created.status).to.equal(201);
    const first = Number(created.body.metadata!.resourceVersion);
    const updated = await api(server, 'PUT', `${WIDGETS}/rv`, { body: { ...created.body, spec: { size: 'small', port: 2222 } } });
    expect(updated.status).to.equal(200);
    expect(Number(updated.body.metadata!.resourceVersion)).to.be.greaterThan(first);
    const stale = await api(server, 'PUT', `${WIDGETS}/rv`, { body: { ...created.body, spec: { size: 'small', port: 2223 } } });
    expect(stale.status).to.equal(409);
    expect(stale.body).to.include({ kind: 'Status', reason: 'Conflict', code: 409 });
    expect(stale.body.message).to.equal('Operation cannot be fulfilled on widgets.test.virtfleet.io "rv": the object has been modified; please apply your changes to the latest version and try again');
  });

  it('sets uid, creationTimestamp, namespace and generation 1, and fills generateName with a random suffix', async () => {
    const created = await api(server, 'POST', WIDGETS, { body: { ...widget(''), metadata: { generateName: 'gen-' } } });
    expect(created.status).to.equal(201);
    const meta = created.body.metadata!;
    expect(meta.name).to.match(/^gen-[a-z0-9]{5}$/);
    expect(meta.uid).to.match(/^[0-9a-f-]{36}$/);
    expect(meta.creationTimestamp).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(meta.namespace).to.equal('default');
    expect(meta.generation).to.equal(1);
  });

  it('bumps generation on spec changes only, not on metadata or status writes', async () => {
    const created = await api(server, 'POST', WIDGETS, { body: widget('gen') });
    const labelled = await api(server, 'PATCH', `${WIDGETS}/gen`, { body: { metadata: { labels: { a: 'b' } } }, contentType: 'application/merge-patch+json' });
    expect(labelled.body.metadata!.generation).to.equal(1);
    const withStatus = await api(server, 'PATCH', `${WIDGETS}/gen/status`, { body: { status: { ip: '10.0.0.1' } }, contentType: 'application/merge-patch+json' });
    expect(withStatus.body.metadata!.generation).to.equal(1);
    const specChanged = await api(server, 'PATCH', `${WIDGETS}/gen`, { body: { spec: { port: 8022 } }, contentType: 'application/merge-patch+json' });
    expect(specChanged.body.metadata!.generation).to.equal(2);
    expect(created.body.metadata!.uid).to.equal(specChanged.body.metadata!.uid);
  });

  it('drops status on create, keeps stored status on main writes and changes only status through /status', async () => {
    const created = await api(server, 'POST', WIDGETS, { body: { ...widget('st'), status: { ip: '1.1.1.1' } } });
    expect(created.body.status).to.equal(undefined);
    const statusWrite = await api(server, 'PUT', `${WIDGETS}/st/status`, {
      body: { ...created.body, metadata: { ...created.body.metadata, labels: { ignored: 'yes' } }, spec: { size: 'huge' }, status: { ip: '10.1.1.1' } },
    });
    expect(statusWrite.status).to.equal(200);
    expect(statusWrite.body.status).to.deep.equal({ ip: '10.1.1.1' });
    expect(statusWrite.body.spec).to.include({ size: 'small' });
    expect(statusWrite.body.metadata!.labels).to.equal(undefined);
    const mainWrite = await api(server, 'PUT', `${WIDGETS}/st`, { body: { ...statusWrite.body, status: { ip: '9.9.9.9' }, spec: { size: 'small', port: 23 } } });
    expect(mainWrite.body.status).to.deep.equal({ ip: '10.1.1.1' });
    expect(mainWrite.body.spec).to.include({ port: 23 });
  });

  it('marks an object with finalizers as deleting, forbids new finalizers, and removes it with the last finalizer', async () => {
    await api(server, 'POST', WIDGETS, { body: { ...widget('fin'), metadata: { name: 'fin', finalizers: ['test.virtfleet.io/cleanup'] } } });
    const deleting = await api(server, 'DELETE', `${WIDGETS}/fin`);
    expect(deleting.status).to.equal(200);
    expect(deleting.body.metadata!.deletionTimestamp).to.be.a('string');
    expect(deleting.body.metadata!.deletionGracePeriodSeconds).to.equal(0);
    expect(deleting.body.metadata!.generation).to.equal(2);
    const added = await api(server, 'PATCH', `${WIDGETS}/fin`, { body: { metadata: { finalizers: ['test.virtfleet.io/cleanup', 'other'] } }, contentType: 'application/merge-patch+json' });
    expect(added.status).to.equal(422);
    expect(added.body.message).to.contain('metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"other"}');
    const released = await api(server, 'PATCH', `${WIDGETS}/fin`, { body: [{ op: 'remove', path: '/metadata/finalizers' }], contentType: 'application/json-patch+json' });
    expect(released.status).to.equal(200);
    const gone = await api(server, 'GET', `${WIDGETS}/fin`);
    expect(gone.status).to.equal(404);
  });

  it('answers errors with Status bodies: NotFound, AlreadyExists, MethodNotAllowed, BadRequest, Unauthorized', async () => {
    const missing = await api(server, 'GET', `${WIDGETS}/nope`);
    expect(missing.body).to.deep.include({ kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404, message: 'widgets.test.virtfleet.io "nope" not found' });
    expect(missing.body.details).to.deep.equal({ name: 'nope', group: 'test.virtfleet.io', kind: 'widgets' });
    await api(server, 'POST', WIDGETS, { body: widget('dup') });
    const duplicate = await api(server, 'POST', WIDGETS, { body: widget('dup') });
    expect(duplicate.body).to.include({ reason: 'AlreadyExists', code: 409, message: 'widgets.test.virtfleet.io "dup" already exists' });
    const collectionDelete = await api(server, 'PUT', WIDGETS, { body: widget('x') });
    expect(collectionDelete.body).to.include({ reason: 'MethodNotAllowed', code: 405 });
    const badJson = await api(server, 'POST', WIDGETS, { body: '{not json' });
    expect(badJson.body).to.include({ reason: 'BadRequest', code: 400 });
    const noToken = await api(server, 'GET', WIDGETS, { token: 'wrong' });
    expect(noToken.status).to.equal(401);
    const missingNamespace = await api(server, 'POST', '/api/v1/namespaces/absent/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } } });
    expect(missingNamespace.body).to.include({ reason: 'NotFound', message: 'namespaces "absent" not found' });
  });

  it('keeps objects and resourceVersion across restart on the same port', async () => {
    const before = await api(server, 'POST', WIDGETS, { body: widget('persist') });
    const url = server.url;
    await server.restart();
    expect(server.url).to.equal(url);
    const after = await api(server, 'GET', `${WIDGETS}/persist`);
    expect(after.body.metadata!.resourceVersion).to.equal(before.body.metadata!.resourceVersion);
  });

  it('converts Secret stringData into base64 data and defaults the type to Opaque', async () => {
    const created = await api(server, 'POST', '/api/v1/namespaces/default/secrets', { body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { key: 'value' } } });
    expect(created.body).to.deep.include({ data: { key: Buffer.from('value').toString('base64') }, type: 'Opaque' });
    expect(created.body.stringData).to.equal(undefined);
  });
});
