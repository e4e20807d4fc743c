/** [REQ-01] Schema of controller_config.yaml; defaults equal config/controller_config.yaml. */
import type { JSONSchemaType } from 'ajv';
import type { ControllerConfig, LogLevel } from '../types.js';
import { ABSOLUTE_PATH, booleanSchema, DNS_LABEL, enumSchema, fileSchema, integerSchema, listSchema, mappingSchema, positiveNumberSchema, stringSchema } from './schema-builders.js';

const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];

/** host:port where host may be empty, a name, an IPv4 address or a bracketed IPv6 address. */
const HOST_PORT = {
  pattern: '^(\\[[0-9A-Fa-f:.]+\\]|[^\\s:\\[\\]]*):[0-9]{1,5}$',
  description: 'host:port, e.g. 0.0.0.0:8080 or [::]:8080',
} as const;

export const controllerConfigSchema: JSONSchemaType<ControllerConfig> = fileSchema({
  namespaces: listSchema({ type: 'string', ...DNS_LABEL } as const, []),
  credentialsNamespaces: listSchema({ type: 'string', ...DNS_LABEL } as const, []),
  workers: mappingSchema({
    host: integerSchema(4, 1),
    virtualMachine: integerSchema(8, 1),
    imageTransfer: integerSchema(4, 1),
  }),
  resyncPeriodSeconds: integerSchema(300, 1),
  hosts: mappingSchema({
    heartbeatIntervalSeconds: integerSchema(60, 1),
  }),
  leaderElection: mappingSchema({
    enabled: booleanSchema(true),
    leaseName: stringSchema('virtfleet-controller', DNS_LABEL),
    leaseNamespace: stringSchema('virtfleet-system', DNS_LABEL),
    leaseDurationSeconds: integerSchema(15, 1),
    renewDeadlineSeconds: integerSchema(10, 1),
    retryPeriodSeconds: integerSchema(2, 1),
  }),
  metricsAddress: stringSchema('0.0.0.0:8080', HOST_PORT),
  backoff: mappingSchema({
    baseDelayMs: integerSchema(5, 1),
    maxDelayMs: integerSchema(1000000, 1),
    globalQps: positiveNumberSchema(10),
    globalBurst: integerSchema(100, 1),
  }),
  logLevel: enumSchema(LOG_LEVELS, 'info'),
  audit: mappingSchema({
    sink: enumSchema(['stdout', 'file'] as const, 'stdout'),
    path: stringSchema('/var/log/virtfleet/audit.log', ABSOLUTE_PATH),
  }),
});
