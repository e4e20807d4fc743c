/**
 * [REQ-01] CustomResourceDefinitions: the resource types a CRD object serves, and CRD YAML files read from a
 * directory (what the server installs at start).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import yaml from 'js-yaml';
import type { JsonSchema, KubeObject, PrinterColumn, ResourceType } from './types.js';

interface CrdVersion {
  name: string;
  served?: boolean;
  storage?: boolean;
  schema?: { openAPIV3Schema?: JsonSchema };
  subresources?: { status?: object };
  additionalPrinterColumns?: PrinterColumn[];
}

interface CrdDocument {
  kind?: string;
  spec?: {
    group: string;
    scope: 'Namespaced' | 'Cluster';
    names: { kind: string; listKind?: string; plural: string; singular?: string; shortNames?: string[]; categories?: string[] };
    versions: CrdVersion[];
  };
}

export function resourceTypesOfCrd(document: unknown): ResourceType[] {
  const crd = document as CrdDocument;
  if (crd?.kind !== 'CustomResourceDefinition' || crd.spec === undefined) return [];
  const { group, scope, names, versions } = crd.spec;
  return versions
    .filter((v) => v.served !== false)
    .map((v) => ({
      group,
      version: v.name,
      kind: names.kind,
      listKind: names.listKind ?? `${names.kind}List`,
      plural: names.plural,
      singular: names.singular ?? names.kind.toLowerCase(),
      namespaced: scope === 'Namespaced',
      shortNames: names.shortNames ?? [],
      categories: names.categories ?? [],
      hasStatus: v.subresources?.status !== undefined,
      custom: true,
      schema: v.schema?.openAPIV3Schema,
      printerColumns: v.additionalPrinterColumns ?? [],
    }));
}

/** Every CRD document in `*.yaml`/`*.yml`/`*.json` files of `dir` (multi-document files allowed); a missing dir yields none. */
export async function readCrdDirectory(dir: string): Promise<KubeObject[]> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const crds: KubeObject[] = [];
  for (const file of files) {
    const documents = yaml.loadAll(await readFile(join(dir, file), 'utf8'));
    for (const document of documents) if (resourceTypesOfCrd(document).length > 0) crds.push(document as KubeObject);
  }
  return crds;
}
