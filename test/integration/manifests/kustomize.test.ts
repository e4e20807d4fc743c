import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { loadConfig } from '../../../src/config/load-config.js';
import { helmBinary, kubectlBinary } from '../../support/kubectl.js';
import { BASE, CONFIG_MAP, NAMESPACE, REPO, chartObjects, parseObjects, type K8sObject } from './base-from-chart.js';

const run = promisify(execFile);

async function kustomize(dir: string): Promise<K8sObject[]> {
  const { stdout } = await run(await kubectlBinary(), ['kustomize', dir], { maxBuffer: 16 * 1024 * 1024 });
  return parseObjects(stdout);
}

const key = (object: K8sObject): string => `${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`;
const byKey = (objects: K8sObject[]): Map<string, K8sObject> => new Map(objects.map((object) => [key(object), object]));

type Deployment = K8sObject & { spec: { replicas: number; template: { spec: { volumes: Array<{ name: string; configMap?: { name: string } }> } } } };
type ConfigMap = K8sObject & { data: Record<string, string> };

/** kustomize's configMapGenerator names the ConfigMap `<name>-<content hash>`; the chart names it `<name>`. */
function withoutNameHash(objects: K8sObject[]): K8sObject[] {
  const unhash = (name: string): string => (name.startsWith(`${CONFIG_MAP}-`) ? CONFIG_MAP : name);
  return objects.map((object) => {
    const copy = structuredClone(object);
    if (copy.kind === 'ConfigMap') copy.metadata.name = unhash(copy.metadata.name);
    if (copy.kind === 'Deployment') {
      for (const volume of (copy as Deployment).spec.template.spec.volumes) if (volume.configMap) volume.configMap.name = unhash(volume.configMap.name);
    }
    return copy;
  });
}

async function loadConfigMap(configMap: ConfigMap) {
  const dir = await mkdtemp(join(tmpdir(), 'virtfleet-kustomize-config-'));
  try {
    for (const [file, content] of Object.entries(configMap.data)) await writeFile(join(dir, file), content);
    return loadConfig(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('[REQ-05] Kustomize manifests: base equal to the Helm chart, example overlay', function () {
  this.timeout(60_000);
  let base: K8sObject[];

  before(async () => {
    base = await kustomize(BASE);
  });

  it('renders the base to exactly the objects of the chart with its defaults, plus the namespace and the CRDs (regenerate with base-from-chart.ts --write)', async () => {
    const chart = byKey(chartObjects(await helmBinary()));
    const rendered = byKey(withoutNameHash(base));
    const extra = [...rendered.keys()].filter((name) => !chart.has(name)).sort();
    expect(extra).to.deep.equal([
      'CustomResourceDefinition /hosts.virtfleet.io', 'CustomResourceDefinition /imagetransfers.virtfleet.io', 'CustomResourceDefinition /virtualmachines.virtfleet.io', `Namespace /${NAMESPACE}`,
    ]);
    expect([...chart.keys()].filter((name) => !rendered.has(name))).to.deep.equal([]);
    for (const [name, object] of chart) expect(rendered.get(name), name).to.deep.equal(object);
  });

  it('ships CRDs identical to the repository crds/', async () => {
    const files = (await readdir(join(REPO, 'crds'))).sort();
    expect((await readdir(join(BASE, 'crds'))).sort()).to.deep.equal(files);
    for (const file of files) expect(await readFile(join(BASE, 'crds', file), 'utf8'), file).to.equal(await readFile(join(REPO, 'crds', file), 'utf8'));
  });

  it('renders the example overlay: a standby replica, credentials in their own namespace, configuration the operator accepts, a new ConfigMap name', async () => {
    const overlay = await kustomize(join(REPO, 'manifests/overlays/example'));
    const objects = byKey(overlay);
    const deployment = objects.get(`Deployment ${NAMESPACE}/virtfleet`) as Deployment;
    expect(deployment.spec.replicas).to.equal(2);
    expect(objects.get('Namespace /virtfleet-credentials')).to.not.equal(undefined);
    for (const kind of ['Role', 'RoleBinding']) {
      expect(objects.has(`${kind} virtfleet-credentials/virtfleet-credentials`), kind).to.equal(true);
      expect(objects.has(`${kind} ${NAMESPACE}/virtfleet-credentials`), kind).to.equal(false);
    }
    const configMaps = overlay.filter((object) => object.kind === 'ConfigMap') as ConfigMap[];
    expect(configMaps).to.have.length(1);
    const configMap = configMaps[0] as ConfigMap;
    const config = await loadConfigMap(configMap);
    expect(config.controller.credentialsNamespaces).to.deep.equal(['virtfleet-credentials']);
    expect(config.ssh.maxSessionsPerHost).to.equal(16);
    expect(config.controller.leaderElection.leaseNamespace).to.equal(NAMESPACE);
    const baseConfigMap = base.find((object) => object.kind === 'ConfigMap') as ConfigMap;
    expect(configMap.metadata.name).to.match(new RegExp(`^${CONFIG_MAP}-[a-z0-9]+$`)).and.not.equal(baseConfigMap.metadata.name);
    expect(deployment.spec.template.spec.volumes.find((volume) => volume.name === 'config')?.configMap?.name).to.equal(configMap.metadata.name);
  });
});
