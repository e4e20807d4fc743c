/** [REQ-01] Test API server: CRD schema validation, defaults, pruning, fieldValidation and CEL rules, as 422/400 Status. */
import { expect } from 'chai';
import { startTestApiServer, type TestApiServer } from '../../support/apiserver/index.js';
import { api } from './https-client.js';
import { writeWidgetCrdDir } from './widget-crd.js';

const WIDGETS = '/apis/test.virtfleet.io/v1alpha1/namespaces/default/widgets';

function widget(name: string, spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'test.virtfleet.io/v1alpha1', kind: 'Widget', metadata: { name }, spec };
}

describe('[REQ-01] test API server validation against the CRD schema', () => {
  let server: TestApiServer;
  before(async () => {
    server = await startTestApiServer({ crdDir: await writeWidgetCrdDir() });
  });
  after(async () => server.stop());

  it('fills schema defaults on create', async () => {
    const created = await api(server, 'POST', WIDGETS, { body: widget('defaults', { size: 's' }) });
    expect(created.body.spec).to.deep.equal({ size: 's', port: 22, runStrategy: 'Always', minCores: 1, maxCores: 4 });
  });

  it('rejects an unsupported enum value with 422 and a cause naming the field, worded like the real apiserver', async () => {
    const rejected = await api(server, 'POST', WIDGETS, { body: widget('enum', { size: 's', runStrategy: 'Sometimes' }) });
    expect(rejected.status).to.equal(422);
    expect(rejected.body).to.include({ kind: 'Status', reason: 'Invalid', code: 422 });
    expect(rejected.body.message).to.equal('Widget.test.virtfleet.io "enum" is invalid: spec.runStrategy: Unsupported value: "Sometimes": supported values: "Always", "Halted", "Manual"');
    expect(rejected.body.details).to.deep.include({ name: 'enum', group: 'test.virtfleet.io', kind: 'Widget' });
    expect((rejected.body.details as { causes: unknown[] }).causes).to.deep.equal([
      { reason: 'FieldValueNotSupported', field: 'spec.runStrategy', message: 'Unsupported value: "Sometimes": supported values: "Always", "Halted", "Manual"' },
    ]);
  });

  it('reports every violation: required, type, range, as a bracketed list', async () => {
    const rejected = await api(server, 'POST', WIDGETS, { body: widget('many', { port: 70000, minCores: 'two' }) });
    const fields = (rejected.body.details as { causes: { field: string }[] }).causes.map((c) => c.field);
    expect(fields).to.have.members(['spec.size', 'spec.port', 'spec.minCores']);
    expect(rejected.body.message).to.contain('spec.size: Required value');
    expect(rejected.body.message).to.contain('spec.port: Invalid value: 70000: spec.port in body should be less than or equal to 65535');
    expect(rejected.body.message).to.contain('spec.minCores: Invalid value: "string": spec.minCores in body must be of type integer: "string"');
    expect(rejected.body.message).to.match(/is invalid: \[.*, .*\]$/);
  });

  it('evaluates CEL rules with their message and fieldPath, and transition rules against oldSelf on update', async () => {
    const rejected = await api(server, 'POST', WIDGETS, { body: widget('cel', { size: 's', minCores: 8, maxCores: 2 }) });
    expect(rejected.status).to.equal(422);
    expect(rejected.body.message).to.equal('Widget.test.virtfleet.io "cel" is invalid: spec.minCores: Invalid value: "object": minCores must not exceed maxCores');
    await api(server, 'POST', WIDGETS, { body: widget('immutable', { size: 's' }) });
    const changed = await api(server, 'PATCH', `${WIDGETS}/immutable`, { body: { spec: { size: 'l' } }, contentType: 'application/merge-patch+json' });
    expect(changed.status).to.equal(422);
    expect(changed.body.message).to.equal('Widget.test.virtfleet.io "immutable" is invalid: spec: Invalid value: "object": size is immutable');
  });

  it('prunes unknown fields (fieldValidation=Ignore), warns about them (Warn) and rejects them (Strict)', async () => {
    const body = { ...widget('unknown', { size: 's', foo: 1, extra: { anything: true } }), metadata: { name: 'unknown', bogus: 1 } };
    const strict = await api(server, 'POST', `${WIDGETS}?fieldValidation=Strict`, { body });
    expect(strict.status).to.equal(400);
    expect(strict.body).to.include({ reason: 'BadRequest', message: 'strict decoding error: unknown field "metadata.bogus", unknown field "spec.foo"' });
    const warned = await api(server, 'POST', `${WIDGETS}?fieldValidation=Warn`, { body });
    expect(warned.status).to.equal(201);
    expect(warned.headers.warning).to.contain('unknown field \\"spec.foo\\"');
    expect(warned.body.spec).to.not.have.property('foo');
    expect(warned.body.spec).to.deep.include({ extra: { anything: true } });
    const ignored = await api(server, 'POST', `${WIDGETS}?fieldValidation=Ignore`, { body: { ...body, metadata: { name: 'unknown2' } } });
    expect(ignored.status).to.equal(201);
    expect(ignored.headers.warning).to.equal(undefined);
    expect(ignored.body.spec).to.not.have.property('foo');
  });

  it('rejects duplicate keys of map lists and duplicate entries of sets', async () => {
    const rejected = await api(server, 'POST', WIDGETS, { body: widget('dups', { size: 's', tags: ['a', 'a'], disks: [{ name: 'd' }, { name: 'd' }] }) });
    const causes = (rejected.body.details as { causes: { field: string; reason: string }[] }).causes;
    expect(causes.map((c) => [c.reason, c.field])).to.deep.equal([
      ['FieldValueDuplicate', 'spec.tags[1]'],
      ['FieldValueDuplicate', 'spec.disks[1]'],
    ]);
  });

  it('does not store anything for dryRun=All', async () => {
    const dry = await api(server, 'POST', `${WIDGETS}?dryRun=All`, { body: widget('dry', { size: 's' }) });
    expect(dry.status).to.equal(201);
    expect(dry.body.spec).to.include({ port: 22 });
    expect((await api(server, 'GET', `${WIDGETS}/dry`)).status).to.equal(404);
  });
});
