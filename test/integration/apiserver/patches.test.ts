/** [REQ-01] Test API server: merge patch, JSON patch, strategic merge patch (core only) and server-side apply. */
import { expect } from 'chai';
import { startTestApiServer, type TestApiServer } from '../../support/apiserver/index.js';
import { api } from './https-client.js';
import { writeWidgetCrdDir } from './widget-crd.js';

const WIDGETS = '/apis/test.virtfleet.io/v1alpha1/namespaces/default/widgets';
const CONFIGMAPS = '/api/v1/namespaces/default/configmaps';
const APPLY = 'application/apply-patch+yaml';

function applied(name: string, spec: Record<string, unknown>): string {
  return JSON.stringify({ apiVersion: 'test.virtfleet.io/v1alpha1', kind: 'Widget', metadata: { name }, spec });
}

interface Entry {
  manager: string;
  operation: string;
  fieldsV1: Record<string, unknown>;
}

describe('[REQ-01] test API server patches and server-side apply', () => {
  let server: TestApiServer;
  before(async () => {
    server = await startTestApiServer({ crdDir: await writeWidgetCrdDir() });
  });
  after(async () => server.stop());

  it('applies merge patches (null deletes) and JSON patches (add, replace, remove, test)', async () => {
    await api(server, 'POST', WIDGETS, { body: { apiVersion: 'test.virtfleet.io/v1alpha1', kind: 'Widget', metadata: { name: 'mp', labels: { a: '1', b: '2' } }, spec: { size: 's' } } });
    const merged = await api(server, 'PATCH', `${WIDGETS}/mp`, { body: { metadata: { labels: { a: null, c: '3' } } }, contentType: 'application/merge-patch+json' });
    expect(merged.body.metadata!.labels).to.deep.equal({ b: '2', c: '3' });
    const patched = await api(server, 'PATCH', `${WIDGETS}/mp`, {
      body: [
        { op: 'test', path: '/spec/port', value: 22 },
        { op: 'replace', path: '/spec/port', value: 2022 },
        { op: 'add', path: '/spec/tags', value: ['x'] },
        { op: 'add', path: '/spec/tags/-', value: 'y' },
        { op: 'remove', path: '/metadata/labels/b' },
      ],
      contentType: 'application/json-patch+json',
    });
    expect(patched.body.spec).to.deep.include({ port: 2022, tags: ['x', 'y'] });
    expect(patched.body.metadata!.labels).to.deep.equal({ c: '3' });
    const failedTest = await api(server, 'PATCH', `${WIDGETS}/mp`, { body: [{ op: 'test', path: '/spec/port', value: 1 }], contentType: 'application/json-patch+json' });
    expect(failedTest.status).to.equal(422);
  });

  it('refuses strategic merge patch on custom resources with 415 but accepts it on ConfigMaps', async () => {
    const refused = await api(server, 'PATCH', `${WIDGETS}/mp`, { body: { spec: { port: 1 } }, contentType: 'application/strategic-merge-patch+json' });
    expect(refused.status).to.equal(415);
    expect(refused.body).to.include({ reason: 'UnsupportedMediaType', code: 415 });
    expect(refused.body.message).to.contain('application/merge-patch+json');
    await api(server, 'POST', CONFIGMAPS, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { a: '1', b: '2' } } });
    const patched = await api(server, 'PATCH', `${CONFIGMAPS}/cm`, { body: { data: { a: null, c: '3' }, $setElementOrder: {} }, contentType: 'application/strategic-merge-patch+json' });
    expect(patched.status).to.equal(200);
    expect(patched.body.data).to.deep.equal({ b: '2', c: '3' });
  });

  it('creates with server-side apply and records the manager in managedFields', async () => {
    const created = await api(server, 'PATCH', `${WIDGETS}/ssa?fieldManager=alice`, { body: applied('ssa', { size: 's', port: 2200 }), contentType: APPLY });
    expect(created.status).to.equal(201);
    const entries = created.body.metadata!.managedFields as Entry[];
    expect(entries.map((e) => [e.manager, e.operation])).to.deep.equal([['alice', 'Apply']]);
    expect(entries[0]!.fieldsV1).to.deep.equal({ 'f:spec': { 'f:size': {}, 'f:port': {} } });
  });

  it('returns 409 naming the other manager and the field on conflicting apply, and takes ownership with force=true', async () => {
    const conflicting = await api(server, 'PATCH', `${WIDGETS}/ssa?fieldManager=bob`, { body: applied('ssa', { size: 's', port: 2300 }), contentType: APPLY });
    expect(conflicting.status).to.equal(409);
    expect(conflicting.body).to.include({ kind: 'Status', reason: 'Conflict', message: 'Apply failed with 1 conflict: conflict with "alice": .spec.port' });
    expect((conflicting.body.details as { causes: unknown[] }).causes).to.deep.equal([{ reason: 'FieldManagerConflict', message: 'conflict with "alice"', field: '.spec.port' }]);
    const forced = await api(server, 'PATCH', `${WIDGETS}/ssa?fieldManager=bob&force=true`, { body: applied('ssa', { size: 's', port: 2300 }), contentType: APPLY });
    expect(forced.status).to.equal(200);
    expect(forced.body.spec).to.include({ port: 2300 });
    const owners = (forced.body.metadata!.managedFields as Entry[]).map((e) => [e.manager, Object.keys((e.fieldsV1['f:spec'] as object) ?? {})]);
    expect(owners).to.deep.equal([
      ['alice', ['f:size']],
      ['bob', ['f:size', 'f:port']],
    ]);
  });

  it('names an Update manager with its apiVersion in conflicts and removes fields a manager stops applying', async () => {
    await api(server, 'PATCH', `${WIDGETS}/ssa?fieldManager=carol`, { body: { spec: { runStrategy: 'Manual' } }, contentType: 'application/merge-patch+json' });
    const conflicting = await api(server, 'PATCH', `${WIDGETS}/ssa?fieldManager=bob`, { body: applied('ssa', { size: 's', port: 2300, runStrategy: 'Halted' }), contentType: APPLY });
    expect(conflicting.body.message).to.equal('Apply failed with 1 conflict: conflict with "carol" using test.virtfleet.io/v1alpha1: .spec.runStrategy');
    const withTags = await api(server, 'PATCH', `${WIDGETS}/ssa?fieldManager=bob`, { body: applied('ssa', { size: 's', port: 2300, tags: ['t'] }), contentType: APPLY });
    expect(withTags.body.spec).to.deep.include({ tags: ['t'] });
    const withoutTags = await api(server, 'PATCH', `${WIDGETS}/ssa?fieldManager=bob`, { body: applied('ssa', { size: 's', port: 2300 }), contentType: APPLY });
    expect(withoutTags.body.spec).to.not.have.property('tags');
    expect(withoutTags.body.spec).to.include({ runStrategy: 'Manual' });
  });

  it('merges map lists by key under server-side apply', async () => {
    await api(server, 'PATCH', `${WIDGETS}/lists?fieldManager=a`, { body: applied('lists', { size: 's', disks: [{ name: 'root', size: '1Gi' }] }), contentType: APPLY });
    const second = await api(server, 'PATCH', `${WIDGETS}/lists?fieldManager=b`, { body: applied('lists', { size: 's', disks: [{ name: 'data', size: '2Gi' }] }), contentType: APPLY });
    expect(second.body.spec!.disks).to.deep.equal([
      { name: 'root', size: '1Gi' },
      { name: 'data', size: '2Gi' },
    ]);
  });

  it('applies through /status without touching spec', async () => {
    const body = JSON.stringify({ apiVersion: 'test.virtfleet.io/v1alpha1', kind: 'Widget', metadata: { name: 'lists' }, spec: { size: 'ignored' }, status: { ip: '10.0.0.9' } });
    const result = await api(server, 'PATCH', `${WIDGETS}/lists/status?fieldManager=ctrl&force=true`, { body, contentType: APPLY });
    expect(result.status).to.equal(200);
    expect(result.body.status).to.deep.equal({ ip: '10.0.0.9' });
    expect(result.body.spec).to.include({ size: 's' });
    const statusEntry = (result.body.metadata!.managedFields as (Entry & { subresource?: string })[]).find((e) => e.manager === 'ctrl');
    expect(statusEntry?.subresource).to.equal('status');
  });
});
