/** [REQ-01] Test API server: discovery, OpenAPI v3 and Table output with printer columns. */
import { expect } from 'chai';
import { startTestApiServer, type TestApiServer } from '../../support/apiserver/index.js';
import { api } from './https-client.js';
import { writeWidgetCrdDir } from './widget-crd.js';

const WIDGETS = '/apis/test.virtfleet.io/v1alpha1/namespaces/default/widgets';
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

describe('[REQ-01] test API server discovery, OpenAPI and tables', () => {
  let server: TestApiServer;
  before(async () => {
    server = await startTestApiServer({ crdDir: await writeWidgetCrdDir() });
  });
  after(async () => server.stop());

  it('serves /version, /api and /apis with the CRD group', async () => {
    expect((await api(server, 'GET', '/version')).body).to.include({ major: '1', minor: '32' });
    expect((await api(server, 'GET', '/api')).body).to.include({ kind: 'APIVersions' });
    const groups = (await api(server, 'GET', '/apis')).body.groups as { name: string; preferredVersion: { groupVersion: string } }[];
    expect(groups.map((g) => g.name)).to.include.members(['coordination.k8s.io', 'test.virtfleet.io']);
    expect(groups.find((g) => g.name === 'test.virtfleet.io')?.preferredVersion.groupVersion).to.equal('test.virtfleet.io/v1alpha1');
  });

  it('lists resources with shortNames, categories, verbs, the namespaced flag and the status subresource', async () => {
    const list = (await api(server, 'GET', '/apis/test.virtfleet.io/v1alpha1')).body;
    const resources = list.resources as Record<string, unknown>[];
    expect(resources.find((r) => r.name === 'widgets')).to.deep.include({
      kind: 'Widget',
      namespaced: true,
      shortNames: ['wd'],
      categories: ['virtfleet'],
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    });
    expect(resources.find((r) => r.name === 'widgets/status')).to.deep.include({ verbs: ['get', 'patch', 'update'] });
    const core = (await api(server, 'GET', '/api/v1')).body.resources as Record<string, unknown>[];
    expect(core.map((r) => r.name)).to.include.members(['namespaces', 'secrets', 'configmaps', 'events', 'namespaces/status']);
  });

  it('publishes OpenAPI v3 documents with the kind schema and the patch types and fieldValidation of PATCH', async () => {
    const index = (await api(server, 'GET', '/openapi/v3')).body.paths as Record<string, { serverRelativeURL: string }>;
    const url = index['apis/test.virtfleet.io/v1alpha1']!.serverRelativeURL;
    const document = (await api(server, 'GET', url)).body as { paths: Record<string, { patch?: { requestBody: { content: object }; parameters: { name: string }[] } }>; components: { schemas: Record<string, Record<string, unknown>> } };
    const schema = document.components.schemas['io.virtfleet.test.v1alpha1.Widget']!;
    expect(schema['x-kubernetes-group-version-kind']).to.deep.equal([{ group: 'test.virtfleet.io', kind: 'Widget', version: 'v1alpha1' }]);
    const patch = document.paths['/apis/test.virtfleet.io/v1alpha1/namespaces/{namespace}/widgets/{name}']!.patch!;
    expect(Object.keys(patch.requestBody.content)).to.not.include('application/strategic-merge-patch+json');
    expect(patch.parameters.map((p) => p.name)).to.include('fieldValidation');
    const core = (await api(server, 'GET', index['api/v1']!.serverRelativeURL)).body as typeof document;
    expect(Object.keys(core.paths['/api/v1/namespaces/{namespace}/configmaps/{name}']!.patch!.requestBody.content)).to.include('application/strategic-merge-patch+json');
  });

  it('returns Tables with the Name column, printer columns incl. priority, JSONPath filters and ages', async () => {
    await api(server, 'POST', WIDGETS, { body: { apiVersion: 'test.virtfleet.io/v1alpha1', kind: 'Widget', metadata: { name: 't1' }, spec: { size: 's', runStrategy: 'Manual' } } });
    await api(server, 'PATCH', `${WIDGETS}/t1/status`, {
      body: { status: { ip: '10.0.0.7', conditions: [{ type: 'Other', status: 'False' }, { type: 'Ready', status: 'True' }] } },
      contentType: 'application/merge-patch+json',
    });
    const table = (await api(server, 'GET', WIDGETS, { accept: TABLE })).body as { kind: string; columnDefinitions: { name: string; priority: number }[]; rows: { cells: unknown[]; object: { kind: string } }[] };
    expect(table.kind).to.equal('Table');
    expect(table.columnDefinitions.map((c) => [c.name, c.priority])).to.deep.equal([
      ['Name', 0],
      ['Strategy', 0],
      ['Port', 0],
      ['Ready', 0],
      ['IP', 1],
      ['Age', 0],
    ]);
    expect(table.rows[0]!.cells.slice(0, 5)).to.deep.equal(['t1', 'Manual', 22, 'True', '10.0.0.7']);
    expect(table.rows[0]!.cells[5]).to.match(/^\d+s$/);
    expect(table.rows[0]!.object.kind).to.equal('PartialObjectMetadata');
    const plain = (await api(server, 'GET', WIDGETS)).body;
    expect(plain.kind).to.equal('WidgetList');
  });

  it('gives core kinds their own columns, e.g. ConfigMap DATA as a key count', async () => {
    await api(server, 'POST', '/api/v1/namespaces/default/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1', b: '2' } } });
    const table = (await api(server, 'GET', '/api/v1/namespaces/default/configmaps/c', { accept: TABLE })).body as { rows: { cells: unknown[] }[] };
    expect(table.rows[0]!.cells.slice(0, 2)).to.deep.equal(['c', 2]);
  });
});
