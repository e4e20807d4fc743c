import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { dump, load, loadAll } from 'js-yaml';
import { helmBinary, kubectlBinary } from '../../support/kubectl.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const GITOPS = join(REPO, 'examples/gitops');

interface Application { spec: { source: { repoURL: string; targetRevision: string; path: string; helm: { releaseName: string; valuesObject: unknown } }; destination: { namespace: string } } }
interface HelmRelease { spec: { releaseName: string; targetNamespace: string; chart: { spec: { chart: string; sourceRef: { kind: string; name: string } } }; values: unknown } }
interface GitRepository { metadata: { name: string }; spec: { url: string; ref: { tag: string } } }

async function yamlFile<T>(path: string): Promise<T> {
  return load(await readFile(join(GITOPS, path), 'utf8')) as T;
}

/** Renders the chart the way the GitOps tool would, with the example's values; rejects when helm refuses them. */
async function renderWith(chartPath: string, releaseName: string, namespace: string, values: unknown): Promise<Array<{ kind: string }>> {
  const dir = await mkdtemp(join(tmpdir(), 'virtfleet-gitops-'));
  try {
    await writeFile(join(dir, 'values.yaml'), dump(values));
    const { stdout } = await run(await helmBinary(), ['template', releaseName, join(REPO, chartPath), '--namespace', namespace, '--values', join(dir, 'values.yaml')], { maxBuffer: 16 * 1024 * 1024 });
    return (loadAll(stdout) as Array<{ kind: string } | null>).filter((doc): doc is { kind: string } => doc !== null);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('[REQ-05] GitOps examples (examples/gitops/)', function () {
  this.timeout(60_000);
  let chartVersion: string;

  before(async () => {
    chartVersion = (load(await readFile(join(REPO, 'helm/virtfleet/Chart.yaml'), 'utf8')) as { version: string }).version;
  });

  it('Argo CD: the Application points at the chart at this version\'s tag, and its values pass the chart\'s schema', async () => {
    const { spec } = await yamlFile<Application>('argocd/application.yaml');
    expect(spec.source.targetRevision).to.equal(`v${chartVersion}`);
    expect(existsSync(join(REPO, spec.source.path, 'Chart.yaml')), spec.source.path).to.equal(true);
    const objects = await renderWith(spec.source.path, spec.source.helm.releaseName, spec.destination.namespace, spec.source.helm.valuesObject);
    expect(objects.filter((object) => object.kind === 'PodDisruptionBudget')).to.have.length(1);
  });

  it('Flux: the HelmRelease takes the chart from the GitRepository at this version\'s tag, and its values pass the chart\'s schema', async () => {
    const release = await yamlFile<HelmRelease>('flux/helmrelease.yaml');
    const source = await yamlFile<GitRepository>('flux/gitrepository.yaml');
    expect(release.spec.chart.spec.sourceRef).to.deep.equal({ kind: 'GitRepository', name: source.metadata.name });
    expect(source.spec.ref.tag).to.equal(`v${chartVersion}`);
    expect(existsSync(join(REPO, release.spec.chart.spec.chart, 'Chart.yaml'))).to.equal(true);
    const objects = await renderWith(release.spec.chart.spec.chart, release.spec.releaseName, release.spec.targetNamespace, release.spec.values);
    expect(objects.filter((object) => object.kind === 'Deployment')).to.have.length(1);
    const { stdout } = await run(await kubectlBinary(), ['kustomize', join(GITOPS, 'flux')]);
    expect((loadAll(stdout) as Array<{ kind: string }>).map((object) => object.kind).sort()).to.deep.equal(['GitRepository', 'HelmRelease']);
  });

  it('the values of both examples are the same, and a misspelt one would fail the sync', async () => {
    const application = await yamlFile<Application>('argocd/application.yaml');
    const release = await yamlFile<HelmRelease>('flux/helmrelease.yaml');
    expect(release.spec.values).to.deep.equal(application.spec.source.helm.valuesObject);
    let refused = '';
    await renderWith('helm/virtfleet', 'virtfleet', 'virtfleet-system', { ...(release.spec.values as object), replicas: 2 }).catch((error: { stderr?: string }) => (refused = error.stderr ?? String(error)));
    expect(refused).to.contain('Additional property replicas is not allowed');
  });
});
