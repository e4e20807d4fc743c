import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { dump, loadAll } from 'js-yaml';
import { startTestApiServer, type TestApiServer } from '../../support/apiserver/index.js';
import { helmBinary, kubectl, kubectlBinary } from '../../support/kubectl.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const NAMESPACE = 'virtfleet-system';

interface K8sObject { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }

function parse(text: string): K8sObject[] {
  return (loadAll(text) as Array<K8sObject | null>).filter((doc): doc is K8sObject => doc !== null);
}

describe('[REQ-05] the chart\'s and the manifests\' objects are accepted by the test API server where it serves their kinds', function () {
  this.timeout(120_000);
  let server: TestApiServer;
  let workDir: string;
  let served: Set<string>;

  const k = async (args: string[], stdin?: string) => kubectl(args, { kubeconfig: server.kubeconfigPath, cacheDir: join(workDir, 'kube-cache'), ...(stdin === undefined ? {} : { stdin }) });

  /** Applies what the server serves with kubectl and returns the kinds applied. */
  async function applyServed(objects: K8sObject[]): Promise<string[]> {
    const servable = objects.filter((object) => served.has(`${object.apiVersion} ${object.kind}`));
    const applied = await k(['apply', '--server-side', '-f', '-'], servable.map((object) => dump(object)).join('---\n'));
    expect(applied.code, applied.stderr).to.equal(0);
    for (const object of servable) {
      const got = await k(['get', object.kind, object.metadata.name, ...(object.metadata.namespace ? ['-n', object.metadata.namespace] : []), '-o', 'name']);
      expect(got.code, `${object.kind} ${object.metadata.name}: ${got.stderr}`).to.equal(0);
    }
    return [...new Set(servable.map((object) => object.kind))].sort();
  }

  before(async () => {
    server = await startTestApiServer({ crdDir: join(REPO, 'crds') });
    workDir = await mkdtemp(join(tmpdir(), 'virtfleet-install-'));
    const resources = await k(['api-resources', '--no-headers']);
    expect(resources.code, resources.stderr).to.equal(0);
    // NAME [SHORTNAMES] APIVERSION NAMESPACED KIND
    served = new Set(resources.stdout.trim().split('\n').map((line) => line.trim().split(/\s+/)).map((cells) => `${cells.at(-3)} ${cells.at(-1)}`));
    expect(served.has('v1 ConfigMap')).to.equal(true);
  });

  after(async () => {
    await server?.stop();
    if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
  });

  it('accepts the kustomize example overlay\'s Namespaces and ConfigMap', async () => {
    const { stdout } = await run(await kubectlBinary(), ['kustomize', join(REPO, 'manifests/overlays/example')], { maxBuffer: 16 * 1024 * 1024 });
    expect(await applyServed(parse(stdout))).to.include.members(['ConfigMap', 'Namespace']);
  });

  it('accepts the Helm chart\'s ConfigMap (and whatever else it serves) with non-default values', async () => {
    const { stdout } = await run(await helmBinary(), ['template', 'vf', join(REPO, 'helm/virtfleet'), '--namespace', NAMESPACE, '--set', 'replicaCount=2', '--set', 'config.ssh.maxSessionsPerHost=4'], { maxBuffer: 16 * 1024 * 1024 });
    // helm installs into an existing namespace (helm install --create-namespace makes it).
    const kinds = await applyServed([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } }, ...parse(stdout)]);
    expect(kinds).to.include('ConfigMap');
    const data = JSON.parse((await k(['get', 'configmap', 'vf-virtfleet-config', '-n', NAMESPACE, '-o', 'json'])).stdout) as { data: Record<string, string> };
    expect(data.data['ssh_config.yaml']).to.contain('maxSessionsPerHost: 4');
  });
});
