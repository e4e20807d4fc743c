import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApiServer, type TestApiServer } from '../../support/apiserver/index.js';
import { kubectl, type KubectlResult } from '../../support/kubectl.js';
import { api } from './https-client.js';

describe('[REQ-01] API server /openapi/v2: definitions of the served kinds, found by kubectl explain (v2 and v3)', function () {
  this.timeout(60_000);
  let server: TestApiServer;
  let cacheDir: string;
  const run = (args: string[]): Promise<KubectlResult> => kubectl(args, { kubeconfig: server.kubeconfigPath, cacheDir });
  const explain = async (output: string, field: string): Promise<string> => {
    const result = await run(['explain', field, `--output=${output}`]);
    expect(result.code, `kubectl explain ${field} --output=${output}: ${result.stderr}`).to.equal(0);
    return result.stdout;
  };

  before(async () => {
    server = await startTestApiServer({ crdDir: 'crds' });
    cacheDir = await mkdtemp(join(tmpdir(), 'virtfleet-kubectl-cache-'));
  });
  after(async () => {
    await server.stop();
    await rm(cacheDir, { recursive: true, force: true });
  });

  for (const output of ['plaintext-openapiv2', 'plaintext']) {
    it(`kubectl explain hosts.spec --output=${output} lists the CRD's fields with their descriptions`, async () => {
      const text = await explain(output, 'hosts.spec');
      expect(text).to.match(/KIND:\s+Host/);
      expect(text).to.match(/VERSION:\s+(virtfleet\.io\/)?v1alpha1/);
      expect(text).to.contain('virtfleet.io');
      for (const field of ['address', 'port', 'user', 'credentialsSecretRef', 'hostKeys', 'imageCacheDir']) expect(text).to.match(new RegExp(`^\\s+${field}\\s`, 'm'));
      expect(text).to.contain('SSH login user; it needs access to the libvirt socket.');
    });
  }

  it('kubectl explain --output=plaintext-openapiv2 goes into nested fields and core kinds', async () => {
    const disks = await explain('plaintext-openapiv2', 'vm.spec.disks.source.image');
    expect(disks).to.match(/^\s+digest\s/m);
    expect(disks).to.match(/^\s+url\s/m);
    const secret = await explain('plaintext-openapiv2', 'secrets');
    expect(secret).to.match(/KIND:\s+Secret/);
    expect(secret).to.match(/^\s+metadata\s/m);
  });

  it('serves the same definitions as JSON: every served kind once, tagged with its group, version and kind', async () => {
    const json = await api(server, 'GET', '/openapi/v2');
    expect(json.headers['content-type']).to.equal('application/json');
    const definitions = json.body.definitions as Record<string, { 'x-kubernetes-group-version-kind'?: Array<{ group: string; version: string; kind: string }>; properties?: Record<string, unknown> }>;
    const kinds = Object.values(definitions).flatMap((definition) => definition['x-kubernetes-group-version-kind'] ?? []).map((gvk) => `${gvk.group}/${gvk.version}/${gvk.kind}`);
    expect(kinds).to.include.members(['virtfleet.io/v1alpha1/Host', 'virtfleet.io/v1alpha1/VirtualMachine', 'virtfleet.io/v1alpha1/ImageTransfer', '/v1/Secret', '/v1/ConfigMap', 'coordination.k8s.io/v1/Lease']);
    expect(new Set(kinds).size).to.equal(kinds.length);
    expect(JSON.stringify(json.body)).to.not.contain('#/components/schemas/');
    expect(JSON.stringify(json.body)).to.not.contain('"nullable"');
    expect(Object.keys(definitions['io.virtfleet.v1alpha1.Host']?.properties ?? {})).to.have.members(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
  });
});
