/**
 * [REQ-01] Every x-kubernetes-validations rule of the CRDs compiles and evaluates with @bufbuild/cel: the typed
 * full examples pass, and for each rule a named invalid object fails with exactly that rule's message.
 */
import { expect } from 'chai';
import type { ResourceKind } from '../../../src/api/v1alpha1/index.js';
import { KINDS, celViolations, schemaOf, walkSchema } from './crd-schema.js';
import { fullHost, fullImageTransfers, fullVirtualMachines } from './full-examples.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- cases edit deep, kind-specific fields of cloned examples */
type Edit = (object: any) => void;

interface Case {
  kind: ResourceKind;
  name: string;
  edit: Edit;
  /** For an update: the stored object is the base, the edited one is the new object. */
  update?: boolean;
  /** Expected message; absent means the object is valid. */
  message?: string;
}

const BASES: Record<ResourceKind, object> = {
  Host: fullHost,
  VirtualMachine: fullVirtualMachines[0] as object,
  ImageTransfer: fullImageTransfers[0] as object,
};
const selectorVm = fullVirtualMachines[1] as object;

const CASES: Case[] = [
  { kind: 'Host', name: 'a Host without pinned host keys', edit: (h) => { h.spec.hostKeys = []; }, message: 'hostKeys must list at least one pinned host key or SHA256 fingerprint; virtfleet never auto-accepts host keys' },
  { kind: 'VirtualMachine', name: 'a VM with both hostName and hostSelector', edit: (vm) => { vm.spec.hostSelector = { matchLabels: { zone: 'a' } }; }, message: 'hostName and hostSelector are mutually exclusive' },
  { kind: 'VirtualMachine', name: 'an update that moves a VM to another hostName', update: true, edit: (vm) => { vm.spec.hostName = 'hv2'; }, message: 'hostName is immutable once set' },
  { kind: 'VirtualMachine', name: 'an update that removes a VM\'s hostName', update: true, edit: (vm) => { delete vm.spec.hostName; }, message: 'hostName is immutable once set' },
  { kind: 'VirtualMachine', name: 'an update that keeps hostName and changes memory', update: true, edit: (vm) => { vm.spec.memory = '4Gi'; } },
  { kind: 'VirtualMachine', name: 'a disk with both an image and a blank source', edit: (vm) => { vm.spec.disks[0].source.blank = { size: '1Gi' }; }, message: 'a disk source needs exactly one of image or blank' },
  { kind: 'VirtualMachine', name: 'a disk with an empty source', edit: (vm) => { vm.spec.disks[1].source = {}; }, message: 'a disk source needs exactly one of image or blank' },
  { kind: 'VirtualMachine', name: 'an image source with a url but no digest', edit: (vm) => { delete vm.spec.disks[0].source.image.digest; }, message: 'an image source needs url and digest, or transferRef, but not both' },
  { kind: 'VirtualMachine', name: 'an image source with url, digest and transferRef', edit: (vm) => { vm.spec.disks[0].source.image.transferRef = { name: 'debian-12' }; }, message: 'an image source needs url and digest, or transferRef, but not both' },
  { kind: 'VirtualMachine', name: 'two disks with the same bootOrder', edit: (vm) => { vm.spec.disks[1].bootOrder = 1; }, message: 'bootOrder must be unique across disks' },
  { kind: 'VirtualMachine', name: 'two networks with the same mac', edit: (vm) => { vm.spec.networks[1].mac = vm.spec.networks[0].mac; }, message: 'mac must be unique across networks' },
  { kind: 'VirtualMachine', name: 'a bridge network without a source', edit: (vm) => { delete vm.spec.networks[0].source; }, message: 'source names the libvirt network or bridge and is required for those types; a user network takes no source' },
  { kind: 'VirtualMachine', name: 'a user network with a source', edit: (vm) => { vm.spec.networks[1].source = 'default'; }, message: 'source names the libvirt network or bridge and is required for those types; a user network takes no source' },
  { kind: 'VirtualMachine', name: 'cloud-init with both userData and userDataSecretRef', edit: (vm) => { vm.spec.cloudInit.userDataSecretRef = { name: 'x' }; }, message: 'userData and userDataSecretRef are mutually exclusive' },
  { kind: 'VirtualMachine', name: 'a selector requirement In without values', edit: (vm) => { Object.assign(vm, structuredClone(selectorVm)); delete vm.spec.hostSelector.matchExpressions[0].values; }, message: 'values must be non-empty for In and NotIn, and empty for Exists and DoesNotExist' },
  { kind: 'VirtualMachine', name: 'a selector requirement Exists with values', edit: (vm) => { Object.assign(vm, structuredClone(selectorVm)); vm.spec.hostSelector.matchExpressions[1].values = ['x']; }, message: 'values must be non-empty for In and NotIn, and empty for Exists and DoesNotExist' },
  { kind: 'ImageTransfer', name: 'an update that changes the spec of a transfer', update: true, edit: (it) => { it.spec.destinations.push({ host: 'hv4' }); }, message: 'spec is immutable; create a new ImageTransfer instead' },
  { kind: 'ImageTransfer', name: 'an update that only changes status', update: true, edit: (it) => { it.status.phase = 'Succeeded'; } },
  { kind: 'ImageTransfer', name: 'a URL source without a digest', edit: (it) => { delete it.spec.digest; }, message: 'digest is required when the source is a URL' },
  { kind: 'ImageTransfer', name: 'a transfer with both destinations and hostSelector', edit: (it) => { it.spec.hostSelector = { matchLabels: { zone: 'a' } }; }, message: 'exactly one of destinations or hostSelector is required' },
  { kind: 'ImageTransfer', name: 'a transfer with neither destinations nor hostSelector', edit: (it) => { delete it.spec.destinations; }, message: 'exactly one of destinations or hostSelector is required' },
  { kind: 'ImageTransfer', name: 'a source with both a url and a host', edit: (it) => { it.spec.source.host = { name: 'hv1', path: '/a' }; }, message: 'source needs exactly one of url, host or volume' },
  { kind: 'ImageTransfer', name: 'an empty source', edit: (it) => { it.spec.source = {}; }, message: 'source needs exactly one of url, host or volume' },
  { kind: 'ImageTransfer', name: 'a destination with both a pool and a path', edit: (it) => { it.spec.destinations[1].path = '/srv/x'; }, message: 'a destination takes a pool or a path, not both' },
  { kind: 'ImageTransfer', name: 'a transfer selector requirement NotIn without values', edit: (it) => { it.spec.destinations = undefined; it.spec.hostSelector = { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: [] }] }; }, message: 'values must be non-empty for In and NotIn, and empty for Exists and DoesNotExist' },
];
/* eslint-enable @typescript-eslint/no-explicit-any */

function run(testCase: Case): { violations: ReturnType<typeof celViolations>; schemaPaths: string[] } {
  const base = BASES[testCase.kind];
  const object = structuredClone(base);
  testCase.edit(object);
  const clean = JSON.parse(JSON.stringify(object)) as unknown;
  const violations = celViolations(schemaOf(testCase.kind), clean, testCase.update ? base : undefined);
  return { violations, schemaPaths: violations.map((v) => `${testCase.kind}:${v.path.replace(/\[\d+\]/g, '[]')}:${v.rule}`) };
}

describe('[REQ-01] CEL validation rules of the CRDs, evaluated with @bufbuild/cel', () => {
  for (const kind of KINDS) {
    it(`accepts the ${kind} full examples on create and on an unchanged update`, () => {
      const examples = { Host: [fullHost], VirtualMachine: fullVirtualMachines, ImageTransfer: fullImageTransfers }[kind];
      for (const example of examples) {
        expect(celViolations(schemaOf(kind), example)).to.deep.equal([]);
        expect(celViolations(schemaOf(kind), structuredClone(example), example)).to.deep.equal([]);
      }
    });
  }

  for (const testCase of CASES) {
    const outcome = testCase.message ? 'rejects' : 'accepts';
    it(`${outcome} ${testCase.name}`, () => {
      const { violations } = run(testCase);
      expect(violations.map((v) => v.message)).to.deep.equal(testCase.message ? [testCase.message] : []);
    });
  }

  it('has at least one rejecting case for every rule in every CRD', () => {
    const broken = new Set(CASES.filter((c) => c.message).flatMap((c) => run(c).schemaPaths));
    const missing: string[] = [];
    for (const kind of KINDS) {
      walkSchema(schemaOf(kind), (node, path) => {
        for (const rule of node['x-kubernetes-validations'] ?? []) {
          if (!broken.has(`${kind}:${path}:${rule.rule}`)) missing.push(`${kind}:${path}:${rule.rule}`);
        }
      });
    }
    expect(missing).to.deep.equal([]);
  });
});
