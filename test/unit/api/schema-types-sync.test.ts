/** [REQ-01] The TypeScript types in src/api/v1alpha1 and the CRD schemas describe the same fields, enums and defaults. */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import yaml from 'js-yaml';
import {
  API_VERSION, CONDITION_STATUSES, DELETION_POLICIES, DISK_BUSES, FIRMWARES, HOST_DEFAULTS, HOST_SUMMARY_STATUSES, IMAGE_FORMATS,
  LABEL_SELECTOR_OPERATORS, NETWORK_TYPES, NIC_MODELS, PRINTABLE_STATUSES, RUN_STRATEGIES, TRANSFER_PHASES,
  VIRTUAL_MACHINE_DEFAULTS, type ResourceKind,
} from '../../../src/api/v1alpha1/index.js';
import { KINDS, celViolations, closeSchema, compileSchema, schemaOf, walkSchema, type SchemaNode } from './crd-schema.js';
import { TYPE_FIELDS } from './type-fields.js';
import { FULL_EXAMPLES } from './full-examples.js';

const conditionStatus = { 'status.conditions[].status': CONDITION_STATUSES };
const operator = { 'spec.hostSelector.matchExpressions[].operator': LABEL_SELECTOR_OPERATORS };

const ENUMS: Record<ResourceKind, Record<string, readonly string[]>> = {
  Host: { ...conditionStatus, 'status.summary.status': HOST_SUMMARY_STATUSES },
  VirtualMachine: {
    ...conditionStatus, ...operator,
    'spec.runStrategy': RUN_STRATEGIES, 'spec.disks[].bus': DISK_BUSES, 'spec.networks[].type': NETWORK_TYPES,
    'spec.networks[].model': NIC_MODELS, 'spec.firmware': FIRMWARES, 'spec.deletionPolicy': DELETION_POLICIES,
    'status.printableStatus': PRINTABLE_STATUSES,
  },
  ImageTransfer: {
    ...conditionStatus, ...operator,
    'spec.format': IMAGE_FORMATS, 'status.phase': TRANSFER_PHASES, 'status.destinations[].phase': TRANSFER_PHASES,
  },
};

const DEFAULTS: Record<ResourceKind, Record<string, unknown>> = {
  Host: {
    'spec.port': HOST_DEFAULTS.port, 'spec.libvirtURI': HOST_DEFAULTS.libvirtURI,
    'spec.maxConcurrentOperations': HOST_DEFAULTS.maxConcurrentOperations, 'spec.cpuAllocationRatio': HOST_DEFAULTS.cpuAllocationRatio, 'spec.unschedulable': HOST_DEFAULTS.unschedulable,
  },
  VirtualMachine: {
    'spec.runStrategy': VIRTUAL_MACHINE_DEFAULTS.runStrategy, 'spec.cpu': {}, 'spec.cpu.cores': VIRTUAL_MACHINE_DEFAULTS.cpuCores,
    'spec.disks[].bus': VIRTUAL_MACHINE_DEFAULTS.diskBus, 'spec.networks[].type': VIRTUAL_MACHINE_DEFAULTS.networkType,
    'spec.networks[].model': VIRTUAL_MACHINE_DEFAULTS.nicModel,
    'spec.cloudInit.userDataSecretRef.key': VIRTUAL_MACHINE_DEFAULTS.cloudInitUserDataKey,
    'spec.firmware': VIRTUAL_MACHINE_DEFAULTS.firmware, 'spec.deletionPolicy': VIRTUAL_MACHINE_DEFAULTS.deletionPolicy,
  },
  ImageTransfer: {},
};

function collect(kind: ResourceKind, pick: (node: SchemaNode) => unknown): Record<string, unknown> {
  const found: Record<string, unknown> = {};
  walkSchema(schemaOf(kind), (node, path) => { const value = pick(node); if (value !== undefined) found[path] = value; });
  return found;
}

/** Schema paths at which `value` holds something. */
function coveredPaths(node: SchemaNode, value: unknown, path = '', into = new Set<string>()): Set<string> {
  if (value === undefined) return into;
  into.add(path);
  const join = (name: string): string => (path ? `${path}.${name}` : name);
  if (Array.isArray(value) && node.items) for (const item of value) coveredPaths(node.items, item, `${path}[]`, into);
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    for (const [name, child] of Object.entries(node.properties ?? {})) coveredPaths(child, record[name], join(name), into);
    const valueSchema = node.additionalProperties;
    if (typeof valueSchema === 'object') for (const item of Object.values(record)) coveredPaths(valueSchema, item, `${path}{}`, into);
  }
  return into;
}

function examplesDir(): string {
  return fileURLToPath(new URL('../../../examples/', import.meta.url));
}

function loadExampleManifests(): Array<Record<string, unknown>> {
  return readdirSync(examplesDir()).filter((file) => file.endsWith('.yaml'))
    .flatMap((file) => yaml.loadAll(readFileSync(`${examplesDir()}${file}`, 'utf8')) as Array<Record<string, unknown>>);
}

describe('[REQ-01] API types and CRD schemas in step', () => {
  for (const kind of KINDS) {
    describe(kind, () => {
      const schema = schemaOf(kind);
      const validate = compileSchema(closeSchema(schema));

      it('has, at every object in the schema, exactly the fields of the matching TypeScript type', () => {
        const schemaFields = collect(kind, (node) => (node.properties ? Object.keys(node.properties).sort() : undefined));
        const typeFields = Object.fromEntries(Object.entries(TYPE_FIELDS[kind]).map(([path, keys]) => [path, [...keys].sort()]));
        expect(schemaFields).to.deep.equal(typeFields);
      });

      it('has the enums of the TypeScript constants', () => {
        const enums = collect(kind, (node) => node.enum);
        expect(enums).to.deep.equal(Object.fromEntries(Object.entries(ENUMS[kind]).map(([path, values]) => [path, [...values]])));
      });

      it('has the defaults of the TypeScript constants', () => {
        expect(collect(kind, (node) => node.default)).to.deep.equal(DEFAULTS[kind]);
      });

      it('accepts the typed full examples with unknown fields rejected everywhere, and they break no CEL rule', () => {
        for (const example of FULL_EXAMPLES[kind]) {
          expect(validate(example), JSON.stringify(validate.errors)).to.equal(true);
          expect(celViolations(schema, example)).to.deep.equal([]);
        }
      });

      it('is filled in every schema property by the typed full examples', () => {
        const covered = new Set<string>();
        for (const example of FULL_EXAMPLES[kind]) coveredPaths(schema, example, '', covered);
        const all = Object.keys(collect(kind, () => true));
        expect(all.filter((path) => !covered.has(path))).to.deep.equal([]);
      });

      it('rejects a field that the schema does not declare', () => {
        const [example] = FULL_EXAMPLES[kind] as Array<{ spec: object }>;
        expect(validate({ ...example, spec: { ...example?.spec, notAField: true } })).to.equal(false);
        expect(validate.errors?.map((error) => error.keyword)).to.include('additionalProperties');
      });
    });
  }

  describe('example manifests in examples/', () => {
    const manifests = loadExampleManifests();

    it('are valid against their CRD schema and CEL rules', () => {
      const ours = manifests.filter((manifest) => manifest.apiVersion === API_VERSION);
      expect([...new Set(ours.map((manifest) => manifest.kind))]).to.have.members(['Host', 'VirtualMachine', 'ImageTransfer']);
      for (const manifest of ours) {
        const schema = schemaOf(manifest.kind as ResourceKind);
        const validate = compileSchema(closeSchema(schema));
        expect(validate(manifest), `${String(manifest.kind)}: ${JSON.stringify(validate.errors)}`).to.equal(true);
        expect(celViolations(schema, manifest)).to.deep.equal([]);
      }
    });

    it('include the ssh-auth Secret that the Host references', () => {
      const host = manifests.find((manifest) => manifest.kind === 'Host') as { spec: { credentialsSecretRef: { namespace: string; name: string } } };
      const secret = manifests.find((manifest) => manifest.kind === 'Secret') as { type: string; metadata: { namespace: string; name: string }; stringData: Record<string, string> };
      expect(secret.type).to.equal('kubernetes.io/ssh-auth');
      expect(secret.stringData).to.have.property('ssh-privatekey');
      expect(host.spec.credentialsSecretRef).to.deep.equal({ namespace: secret.metadata.namespace, name: secret.metadata.name });
    });

    it('include a transfer from a URL to two hosts', () => {
      const transfer = manifests.find((manifest) => manifest.kind === 'ImageTransfer') as { spec: { source: object; destinations: unknown[] } };
      expect(transfer.spec.source).to.have.property('url');
      expect(transfer.spec.destinations).to.have.length(2);
    });
  });
});
