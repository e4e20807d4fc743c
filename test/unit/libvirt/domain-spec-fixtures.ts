/** [REQ-03] Domain specs shared by the domain XML tests, and an independent reader of the XML they produce. */
import { XMLParser } from 'fast-xml-parser';
import type { DomainSpec } from '../../../src/libvirt/domain-spec.js';

export const HOSTILE = `a&b<c>"d'`;

export const IMAGE_DIR = '/var/lib/virtfleet/images';

/** The smallest spec the builder accepts: one overlay disk, one NIC, pty console. */
export function minimalSpec(overrides: Partial<DomainSpec> = {}): DomainSpec {
  return {
    name: 'default-web-0',
    type: 'kvm',
    machine: 'pc',
    vcpus: 1,
    memoryBytes: 512 * 1024 * 1024,
    firmware: 'bios',
    disks: [
      {
        kind: 'overlay',
        path: `${IMAGE_DIR}/default-web-0-root.qcow2`,
        backingStore: { path: `${IMAGE_DIR}/sha256-9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08`, format: 'qcow2' },
        bus: 'virtio',
        bootOrder: 1,
      },
    ],
    interfaces: [{ type: 'network', source: 'default' }],
    owner: { namespace: 'default', name: 'web-0', uid: '6f1c2d3e-0000-4000-8000-000000000001', generation: 1 },
    ...overrides,
  };
}

/** Every feature at once: uuid, custom CPU, direct kernel boot, all disk kinds and buses, all NIC types, file console, VNC. */
export function fullSpec(overrides: Partial<DomainSpec> = {}): DomainSpec {
  return minimalSpec({
    uuid: '8f0b5c52-6c1f-4e0a-9c55-0f2b1d6e7a10',
    type: 'qemu',
    machine: 'q35',
    arch: 'x86_64',
    vcpus: 4,
    memoryBytes: 3 * 1024 * 1024 * 1024,
    cpu: { mode: 'custom', model: 'qemu64' },
    firmware: 'uefi',
    kernelBoot: { kernel: '/srv/boot/vmlinuz', initrd: '/srv/boot/initrd.img', cmdline: 'console=ttyS0 panic=-1 quiet' },
    disks: [
      {
        kind: 'overlay',
        path: `${IMAGE_DIR}/vm-root.qcow2`,
        backingStore: { path: `${IMAGE_DIR}/sha256-aaaa`, format: 'raw' },
        bus: 'virtio',
        bootOrder: 2,
      },
      { kind: 'blank', path: `${IMAGE_DIR}/vm-data.qcow2`, format: 'qcow2', bus: 'virtio' },
      { kind: 'blank', path: `${IMAGE_DIR}/vm-scratch.raw`, format: 'raw', bus: 'scsi', bootOrder: 1 },
      { kind: 'cloud-init-seed', path: `${IMAGE_DIR}/vm-seed.iso`, bus: 'sata' },
    ],
    interfaces: [
      { type: 'user' },
      { type: 'network', source: 'default', mac: '52:54:00:12:34:56' },
      { type: 'bridge', source: 'br0', mac: '52:54:00:ab:cd:ef', model: 'e1000' },
    ],
    serial: { type: 'file', path: '/var/log/virtfleet/console/default-web-0.log' },
    vnc: { listen: '127.0.0.1' },
    owner: { namespace: 'prod', name: 'web-0', uid: '6f1c2d3e-0000-4000-8000-000000000002', generation: 7 },
    ...overrides,
  });
}

const REPEATED_ELEMENTS = new Set(['disk', 'interface', 'serial', 'console', 'controller', 'graphics', 'backingStore']);

/** Parsed XML navigated freely by path in assertions; a wrong path fails the assertion, not the compiler. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- deliberately untyped view of arbitrary XML
export type LooseXml = Record<string, any>;

/** fast-xml-parser with plain settings, independent of the production reader: attributes as `@_name`. */
export function readBack(xml: string): LooseXml {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    parseTagValue: false,
    parseAttributeValue: false,
    isArray: (name) => REPEATED_ELEMENTS.has(name),
  });
  return parser.parse(xml, true) as LooseXml;
}
