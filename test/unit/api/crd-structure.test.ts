/** [REQ-01] The CRD manifests in crds/ are well-formed apiextensions.k8s.io/v1 objects with structural schemas. */
import { expect } from 'chai';
import { parse } from '@bufbuild/cel';
import { GROUP, RESOURCES, VERSION, crdName } from '../../../src/api/v1alpha1/index.js';
import { KINDS, compileSchema, loadCrd, schemaOf, walkSchema, type SchemaNode } from './crd-schema.js';

const TYPES = ['object', 'array', 'string', 'integer', 'number', 'boolean'];
const FORBIDDEN = ['$ref', 'definitions', 'dependencies', 'patternProperties', 'additionalItems', 'id', '$schema', 'not'];

function isIntOrString(node: SchemaNode): boolean {
  return node['x-kubernetes-int-or-string'] === true;
}

/** Problems that make a schema non-structural (apiextensions-apiserver's rules, as far as this project uses them). */
function structuralProblems(node: SchemaNode, path: string): string[] {
  const problems: string[] = [];
  const where = path || '<root>';
  if (!node.type && !isIntOrString(node) && !node['x-kubernetes-preserve-unknown-fields']) problems.push(`${where}: no type`);
  if (node.type && !TYPES.includes(node.type)) problems.push(`${where}: unknown type ${node.type}`);
  for (const key of FORBIDDEN) if (key in node) problems.push(`${where}: forbidden keyword ${key}`);
  if (node.uniqueItems === true) problems.push(`${where}: uniqueItems is not allowed`);
  if (node.type === 'array' && !node.items) problems.push(`${where}: array without items`);
  if (node.properties && node.additionalProperties !== undefined) problems.push(`${where}: properties and additionalProperties together`);
  if (node.anyOf) {
    const intOrString = isIntOrString(node) && JSON.stringify(node.anyOf) === JSON.stringify([{ type: 'integer' }, { type: 'string' }]);
    if (!intOrString) problems.push(`${where}: anyOf is only used for x-kubernetes-int-or-string`);
  }
  if (path === 'metadata' && Object.keys(node).some((key) => key !== 'type')) problems.push('metadata: only type is allowed');
  return problems;
}

describe('[REQ-01] CRD manifests in crds/', () => {
  for (const kind of KINDS) {
    describe(kind, () => {
      const crd = loadCrd(kind);
      const version = crd.spec.versions[0];
      const schema = schemaOf(kind);

      it('is a v1 CustomResourceDefinition named <plural>.virtfleet.io in the virtfleet category', () => {
        expect(crd.apiVersion).to.equal('apiextensions.k8s.io/v1');
        expect(crd.kind).to.equal('CustomResourceDefinition');
        expect(crd.metadata.name).to.equal(crdName(kind));
        expect(crd.spec.group).to.equal(GROUP);
        expect(crd.spec.names.kind).to.equal(kind);
        expect(crd.spec.names.plural).to.equal(RESOURCES[kind].plural);
        expect(crd.spec.names.singular).to.equal(RESOURCES[kind].singular);
        expect(crd.spec.names.listKind).to.equal(`${kind}List`);
        expect(crd.spec.names.categories).to.deep.equal(['virtfleet']);
        expect(crd.spec.scope).to.equal(RESOURCES[kind].namespaced ? 'Namespaced' : 'Cluster');
      });

      it('serves and stores exactly one version, v1alpha1, with the status subresource', () => {
        expect(crd.spec.versions).to.have.length(1);
        expect(version?.name).to.equal(VERSION);
        expect(version?.served).to.equal(true);
        expect(version?.storage).to.equal(true);
        expect(version?.subresources?.status).to.deep.equal({});
      });

      it('has a structural schema: every node typed, no forbidden keywords, metadata left to the apiserver', () => {
        const problems: string[] = [];
        walkSchema(schema, (node, path) => problems.push(...structuralProblems(node, path)));
        expect(problems).to.deep.equal([]);
        expect(schema.required).to.include('spec');
        expect(Object.keys(schema.properties ?? {})).to.have.members(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
      });

      it('bounds every list with maxItems so the apiserver can estimate the cost of its CEL rules', () => {
        const unbounded: string[] = [];
        walkSchema(schema, (node, path) => { if (node.type === 'array' && node.maxItems === undefined) unbounded.push(path); });
        expect(unbounded).to.deep.equal([]);
      });

      it('keys every map-type list by required scalar fields', () => {
        const problems: string[] = [];
        walkSchema(schema, (node, path) => {
          if (node['x-kubernetes-list-type'] !== 'map') return;
          const keys = node['x-kubernetes-list-map-keys'] ?? [];
          if (keys.length === 0) problems.push(`${path}: no list-map-keys`);
          for (const key of keys) {
            const field = node.items?.properties?.[key];
            if (!field || !['string', 'integer'].includes(field.type ?? '')) problems.push(`${path}: key ${key} is not a scalar field`);
            if (!node.items?.required?.includes(key) && field?.default === undefined) problems.push(`${path}: key ${key} neither required nor defaulted`);
          }
        });
        expect(problems).to.deep.equal([]);
      });

      it('has defaults that are valid against their own field schema', () => {
        const invalid: string[] = [];
        walkSchema(schema, (node, path) => {
          if (node.default !== undefined && !compileSchema(node)(node.default)) invalid.push(`${path}: ${JSON.stringify(node.default)}`);
        });
        expect(invalid).to.deep.equal([]);
      });

      it('gives every CEL rule a message, a parseable expression and a fieldPath that names a field of its node', () => {
        let rules = 0;
        walkSchema(schema, (node, path) => {
          for (const rule of node['x-kubernetes-validations'] ?? []) {
            rules += 1;
            expect(rule.message ?? '', `${path}: ${rule.rule}`).to.have.length.greaterThan(0);
            expect(() => parse(rule.rule), `${path}: ${rule.rule}`).not.to.throw();
            if (rule.fieldPath !== undefined) {
              const field = rule.fieldPath.replace(/^\./, '');
              expect(node.properties, `${path}: fieldPath ${rule.fieldPath}`).to.have.property(field);
            }
          }
        });
        expect(rules).to.be.greaterThan(0);
      });

      it('has printer columns whose JSONPaths point into the schema', () => {
        const columns = version?.additionalPrinterColumns ?? [];
        expect(columns.map((column) => column.name)).to.include('Age');
        for (const column of columns) {
          const fieldPath = column.jsonPath
            .replace(/\[\?\(@\.type=="\w+"\)\]/g, '[]')
            .replace(/\[(\*|\d+)\]/g, '[]')
            .replace(/^\./, '');
          if (fieldPath === 'metadata.creationTimestamp') continue;
          const known: string[] = [];
          walkSchema(schema, (_node, path) => known.push(path));
          expect(known, `${column.name}: ${column.jsonPath}`).to.include(fieldPath);
        }
      });
    });
  }

  it('lists the printer columns the design asks for', () => {
    const columns = (kind: (typeof KINDS)[number]): Record<string, string> =>
      Object.fromEntries((loadCrd(kind).spec.versions[0]?.additionalPrinterColumns ?? []).map((c) => [c.name, c.jsonPath]));
    expect(columns('Host')).to.include({
      Status: '.status.summary.status', Reason: '.status.summary.reason', Address: '.spec.address', VMs: '.status.vmCount',
      'CPU(Alloc)': '.status.allocated.cpus', 'Memory(Alloc)': '.status.summary.allocatedMemory',
      'CPU(Cap)': '.status.capacity.cpus', 'Memory(Cap)': '.status.summary.capacityMemory', 'Last-Heartbeat': '.status.lastHeartbeatTime',
      Age: '.metadata.creationTimestamp',
    });
    expect(columns('VirtualMachine')).to.include({
      Status: '.status.printableStatus', Host: '.status.host', CPUs: '.spec.cpu.cores', Memory: '.spec.memory',
      IP: '.status.interfaces[0].ipAddresses[0]',
    });
    expect(columns('ImageTransfer')).to.include({
      Phase: '.status.phase', Progress: '.status.progress', Rate: '.status.rate', Destinations: '.status.destinations[*].host',
    });
    const ip = loadCrd('VirtualMachine').spec.versions[0]?.additionalPrinterColumns?.find((c) => c.name === 'IP');
    expect(ip?.priority).to.equal(1);
  });

  it('gives VirtualMachine the shortName vm and ImageTransfer the shortName it', () => {
    expect(loadCrd('VirtualMachine').spec.names.shortNames).to.include('vm');
    expect(loadCrd('ImageTransfer').spec.names.shortNames).to.include('it');
  });
});
