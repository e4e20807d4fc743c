/** [REQ-05] Renders helm/virtfleet with the real helm 3.17 and picks objects out of the result, for the chart tests. */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { loadAll } from 'js-yaml';
import { loadConfig } from '../../../src/config/load-config.js';
import { helmBinary } from '../../support/kubectl.js';

const run = promisify(execFile);
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const CHART = join(REPO, 'helm/virtfleet');
export const NAMESPACE = 'virtfleet-system';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}
export interface PolicyRule { apiGroups: string[]; resources: string[]; resourceNames?: string[]; verbs: string[] }
export type RoleObject = K8sObject & { rules: PolicyRule[] };

export async function helm(args: string[]): Promise<string> {
  const { stdout } = await run(await helmBinary(), args, { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/** Parses a multi-document YAML stream into objects, dropping empty documents. */
export function parseObjects(text: string): K8sObject[] {
  return (loadAll(text) as Array<K8sObject | null>).filter((doc): doc is K8sObject => doc !== null);
}

export async function render(...extra: string[]): Promise<K8sObject[]> {
  return parseObjects(await helm(['template', 'vf', CHART, '--namespace', NAMESPACE, ...extra]));
}

/** The error helm prints when it refuses to render with `extra`; fails the test when helm renders. */
export async function renderError(...extra: string[]): Promise<string> {
  try {
    await render(...extra);
  } catch (error) {
    return String((error as { stderr?: string }).stderr ?? error);
  }
  expect.fail(`helm template ${extra.join(' ')} rendered, but should have refused`);
}

export function ofKind(objects: K8sObject[], kind: string): K8sObject[] {
  return objects.filter((object) => object.kind === kind);
}

export function only(objects: K8sObject[], kind: string): K8sObject {
  const found = ofKind(objects, kind);
  expect(found, kind).to.have.length(1);
  return found[0] as K8sObject;
}

export function named(objects: K8sObject[], kind: string, name: string, namespace?: string): K8sObject {
  const found = objects.filter((object) => object.kind === kind && object.metadata.name === name && object.metadata.namespace === namespace);
  expect(found, `${kind} ${namespace ?? ''}/${name}`).to.have.length(1);
  return found[0] as K8sObject;
}

/** Writes the ConfigMap's four files into a directory and loads them as the operator would. */
export async function loadRenderedConfig(objects: K8sObject[]) {
  const configMap = only(objects, 'ConfigMap') as unknown as { data: Record<string, string> };
  const dir = await mkdtemp(join(tmpdir(), 'virtfleet-helm-config-'));
  try {
    expect(Object.keys(configMap.data).sort()).to.deep.equal(['controller_config.yaml', 'libvirt_config.yaml', 'ssh_config.yaml', 'transfer_config.yaml']);
    for (const [file, content] of Object.entries(configMap.data)) await writeFile(join(dir, file), content);
    return loadConfig(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
