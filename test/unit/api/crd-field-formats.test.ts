/** [REQ-01] The CRD field patterns and bounds accept the documented forms and reject malformed values. */
import { expect } from 'chai';
import type { ResourceKind } from '../../../src/api/v1alpha1/index.js';
import { compileSchema, schemaOf, walkSchema, type SchemaNode } from './crd-schema.js';

function fieldSchema(kind: ResourceKind, fieldPath: string): SchemaNode {
  let found: SchemaNode | undefined;
  walkSchema(schemaOf(kind), (node, path) => { if (path === fieldPath) found = node; });
  if (!found) throw new Error(`${kind} has no field ${fieldPath}`);
  return found;
}

interface FormatCase { kind: ResourceKind; field: string; valid: unknown[]; invalid: unknown[] }

const FORMATS: FormatCase[] = [
  {
    kind: 'ImageTransfer', field: 'spec.digest',
    valid: [`sha256:${'0123456789abcdef'.repeat(4)}`],
    invalid: [`sha256:${'A'.repeat(64)}`, `sha256:${'a'.repeat(63)}`, `sha512:${'a'.repeat(64)}`, 'a'.repeat(64)],
  },
  {
    kind: 'VirtualMachine', field: 'spec.memory',
    valid: ['512Mi', '2Gi', '1G', '1.5Gi', 1073741824, '1e9'],
    invalid: ['-1Gi', '2 GiB', 'lots', '', '2gb'],
  },
  {
    kind: 'ImageTransfer', field: 'spec.bandwidthLimit',
    valid: ['100Mi', 1048576], invalid: ['100MB/s', '-5'],
  },
  {
    kind: 'Host', field: 'spec.hostKeys[]',
    valid: [
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBTmOjoS/I52X221coh6BJgOkrADVOvCYHPDQ4Ah6uDK',
      'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTY= root@hv1',
      'SHA256:sJXsjbJLQ+c/RL/JSMoM+LQuwDJMTMar+pfHaWwMkos',
    ],
    invalid: ['SHA256:short', 'MD5:aa:bb', 'AAAAC3NzaC1lZDI1NTE5', 'ssh-ed25519 AAAA\nssh-rsa BBBB', ''],
  },
  {
    kind: 'Host', field: 'spec.address',
    valid: ['hv1.example.org', '192.0.2.10', '::1', 'fe80::1', '127.0.0.1'], invalid: ['', 'hv1 ', 'user@hv1', '-hv1'],
  },
  { kind: 'Host', field: 'spec.port', valid: [22, 65535], invalid: [0, 65536, '22'] },
  { kind: 'Host', field: 'spec.libvirtURI', valid: ['qemu:///system', 'qemu:///session'], invalid: ['system', 'qemu:///sys tem'] },
  { kind: 'Host', field: 'spec.imageCacheDir', valid: ['/var/lib/virtfleet/images'], invalid: ['images', './images'] },
  { kind: 'VirtualMachine', field: 'spec.networks[].mac', valid: ['52:54:00:12:34:56'], invalid: ['52:54:00:12:34', '52-54-00-12-34-56', '52:54:00:12:34:5G'] },
  { kind: 'VirtualMachine', field: 'spec.disks[].name', valid: ['root', 'data-1'], invalid: ['Root', 'data_1', '-x', ''] },
  { kind: 'VirtualMachine', field: 'spec.cpu.cores', valid: [1, 256], invalid: [0, 257, 1.5] },
  { kind: 'VirtualMachine', field: 'status.domainUUID', valid: ['4dea22b3-1d52-d8f3-2516-782e98ab3fa0'], invalid: ['4dea22b31d52d8f32516782e98ab3fa0'] },
  { kind: 'ImageTransfer', field: 'status.progress', valid: ['0%', '42%', '99.5%', '100%'], invalid: ['42', '42 %'] },
  { kind: 'ImageTransfer', field: 'spec.destinations[].path', valid: ['/srv/images/a.qcow2'], invalid: ['a.qcow2', '/'] },
  { kind: 'ImageTransfer', field: 'status.conditions[].status', valid: ['True', 'False', 'Unknown'], invalid: ['true', 'Yes'] },
];

describe('[REQ-01] CRD field formats', () => {
  for (const { kind, field, valid, invalid } of FORMATS) {
    it(`${kind} ${field} accepts ${valid.map((v) => JSON.stringify(v)).join(', ')} and rejects the malformed values`, () => {
      const validate = compileSchema(fieldSchema(kind, field));
      for (const value of valid) expect(validate(value), `${JSON.stringify(value)} should be valid`).to.equal(true);
      for (const value of invalid) expect(validate(value), `${JSON.stringify(value)} should be invalid`).to.equal(false);
    });
  }
});
