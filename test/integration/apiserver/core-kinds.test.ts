/** [REQ-01] Built-in kinds through kubectl 1.32: ServiceAccounts, events.k8s.io Events, `auth can-i`, and validation. */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApiServer, type TestApiServer } from '../../support/apiserver/index.js';
import { kubectl, type KubectlResult } from '../../support/kubectl.js';

const manifest = (kind: string, name: string, body: Record<string, unknown>, apiVersion = 'v1', labels?: Record<string, string>): string =>
  JSON.stringify({ apiVersion, kind, metadata: { name, ...(labels === undefined ? {} : { labels }) }, ...body });

describe('[REQ-01] API server built-in kinds and their validation through kubectl', function () {
  this.timeout(90_000);
  let server: TestApiServer;
  let cacheDir: string;
  const run = (args: string[], stdin?: string): Promise<KubectlResult> => kubectl(args, { kubeconfig: server.kubeconfigPath, cacheDir, ...(stdin === undefined ? {} : { stdin }) });
  const apply = (document: string): Promise<KubectlResult> => run(['apply', '-f', '-'], document);

  before(async () => {
    server = await startTestApiServer({ crdDir: 'crds' });
    cacheDir = await mkdtemp(join(tmpdir(), 'virtfleet-kubectl-cache-'));
  });
  after(async () => {
    await server.stop();
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('answers kubectl auth can-i with yes for the token holder', async () => {
    const answer = await run(['auth', 'can-i', 'create', 'virtualmachines.virtfleet.io']);
    expect(answer.stdout.trim(), answer.stderr).to.equal('yes');
  });

  it('serves ServiceAccounts and events.k8s.io/v1 Events next to core Events', async () => {
    expect((await run(['create', 'serviceaccount', 'robot'])).code).to.equal(0);
    expect((await run(['get', 'sa', 'robot', '-o', 'name'])).stdout.trim()).to.equal('serviceaccount/robot');
    const event = manifest('Event', 'web-1.1', { eventTime: '2026-01-01T00:00:00.000000Z', reportingController: 'virtfleet.io/test', reportingInstance: 'i', action: 'Boot', reason: 'Booted', regarding: { kind: 'VirtualMachine', name: 'web-1' }, note: 'booted', type: 'Normal' }, 'events.k8s.io/v1');
    const created = await apply(event);
    expect(created.code, created.stderr).to.equal(0);
    expect((await run(['get', 'events.events.k8s.io', 'web-1.1', '-o', 'jsonpath={.note}'])).stdout).to.equal('booted');
  });

  const refusals: [string, string, string][] = [
    ['a Secret whose data is not base64', manifest('Secret', 'bad-secret', { data: { key: 'not base64!' } }), 'illegal base64 data in data[key]'],
    ['a ConfigMap with a non-string value', manifest('ConfigMap', 'bad-values', { data: { count: 3 } }), 'data[count] in body must be of type string'],
    ['a Lease with a string duration', manifest('Lease', 'bad-duration', { spec: { leaseDurationSeconds: '15' } }, 'coordination.k8s.io/v1'), 'spec.leaseDurationSeconds in body must be of type integer'],
    ['a Lease with an unparsable time', manifest('Lease', 'bad-time', { spec: { renewTime: 'yesterday' } }, 'coordination.k8s.io/v1'), 'spec.renewTime: parsing time "yesterday"'],
    ['an uppercase name', manifest('ConfigMap', 'Upper', {}), 'metadata.name: Invalid value: "Upper": a lowercase RFC 1123 subdomain'],
    ['a bad label key', manifest('ConfigMap', 'bad-label', {}, 'v1', { 'bad key!': 'x' }), 'metadata.labels: Invalid value: "bad key!": name part must consist of alphanumeric characters'],
    ['an unknown field (fieldValidation=Strict)', manifest('ConfigMap', 'unknown-field', { colour: 'red' }), 'strict decoding error: unknown field "colour"'],
    ['a bad data key', manifest('ConfigMap', 'bad-key', { data: { 'a/b': 'x' } }), 'data[a/b]: Invalid value: "a/b": a valid config key'],
  ];
  for (const [what, document, message] of refusals) {
    it(`refuses ${what} and stores nothing`, async () => {
      const refused = await apply(document);
      expect(refused.code).to.not.equal(0);
      expect(refused.stderr).to.contain(message);
      const name = (JSON.parse(document) as { metadata: { name: string } }).metadata.name;
      const kind = (JSON.parse(document) as { kind: string }).kind.toLowerCase();
      expect((await run(['get', kind, name, '--ignore-not-found', '-o', 'name'])).stdout).to.equal('');
    });
  }
});
