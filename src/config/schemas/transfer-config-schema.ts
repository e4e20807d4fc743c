/** [REQ-01] Schema of transfer_config.yaml (REQ-04 image transfer settings); defaults equal config/transfer_config.yaml. */
import type { JSONSchemaType } from 'ajv';
import type { TransferConfig } from '../types.js';
import { ABSOLUTE_PATH, booleanSchema, enumItemSchema, fileSchema, integerSchema, listSchema, mappingSchema, stringSchema } from './schema-builders.js';

const DEFAULT_URL_SCHEMES: TransferConfig['allowedUrlSchemes'] = ['https', 'http'];
const KIB = 1024;
const GIB = KIB * KIB * KIB;

export const transferConfigSchema: JSONSchemaType<TransferConfig> = fileSchema({
  chunkSizeBytes: integerSchema(8 * KIB * KIB, 64 * KIB, GIB),
  parallelStreams: integerSchema(1, 1, 64),
  concurrency: mappingSchema({
    perHost: integerSchema(2, 1),
    global: integerSchema(8, 1),
  }),
  bandwidthLimitBytesPerSecond: integerSchema(0, 0),
  resume: booleanSchema(true),
  inactivityTimeoutSeconds: integerSchema(120, 1),
  cacheDir: stringSchema('/var/lib/virtfleet/images', ABSOLUTE_PATH),
  allowedUrlSchemes: listSchema(enumItemSchema(['https', 'http', 'file'] as const), DEFAULT_URL_SCHEMES),
});
