/** [REQ-01] Schema of libvirt_config.yaml (REQ-03 wrapper settings); defaults equal config/libvirt_config.yaml. */
import type { JSONSchemaType } from 'ajv';
import type { LibvirtConfig } from '../types.js';
import { ABSOLUTE_PATH, enumSchema, fileSchema, integerSchema, mappingSchema, stringSchema } from './schema-builders.js';

const LIBVIRT_URI = { pattern: '^[a-z][a-z0-9+.-]*://', description: 'a libvirt URI such as qemu:///system' } as const;

export const libvirtConfigSchema: JSONSchemaType<LibvirtConfig> = fileSchema({
  defaultURI: stringSchema('qemu:///system', LIBVIRT_URI),
  transport: enumSchema(['auto', 'virt-ssh-helper', 'socat', 'nc'] as const, 'auto'),
  socketPath: stringSchema('/var/run/libvirt/libvirt-sock', ABSOLUTE_PATH),
  callTimeoutMs: integerSchema(60000, 1),
  keepalive: mappingSchema({
    intervalMs: integerSchema(5000, 1),
    countMax: integerSchema(5, 1),
  }),
  storagePool: mappingSchema({
    name: stringSchema('virtfleet'),
    path: stringSchema('/var/lib/virtfleet/images', ABSOLUTE_PATH),
  }),
  domainDefaults: mappingSchema({
    type: enumSchema(['kvm', 'qemu'] as const, 'kvm'),
    machine: stringSchema('pc'),
    cpuMode: enumSchema(['host-passthrough', 'host-model', 'custom'] as const, 'host-passthrough'),
    consoleLogDir: stringSchema('/var/log/virtfleet/console', ABSOLUTE_PATH),
  }),
});
