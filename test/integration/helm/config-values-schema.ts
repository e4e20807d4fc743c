/**
 * [REQ-05] The `config` part of the chart's values.schema.json, derived from the operator's own configuration
 * schemas (src/config/schemas/), so `helm install` rejects what `virtfleet run` would reject, naming the key.
 * Values may leave any key out (the operator fills defaults), so `required` and `default` are dropped.
 * Regenerate the file after a schema change: `npx tsx test/integration/helm/config-values-schema.ts --write`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CONFIG_SCHEMAS } from '../../../src/config/config-file-loader.js';

export const VALUES_SCHEMA_PATH = fileURLToPath(new URL('../../../helm/virtfleet/values.schema.json', import.meta.url));

function optionalEverywhere(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(optionalEverywhere);
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([key]) => key !== 'required' && key !== 'default')
      .map(([key, value]) => [key, optionalEverywhere(value)]),
  );
}

/** The schema of `config:` in values.yaml: one optional mapping per configuration file. */
export function configValuesSchema(): Record<string, unknown> {
  return {
    type: 'object',
    additionalProperties: false,
    description: 'The four configuration files under /etc/virtfleet (the operator\'s own schemas)',
    properties: Object.fromEntries(Object.entries(CONFIG_SCHEMAS).map(([section, schema]) => [section, optionalEverywhere(schema)])),
  };
}

/** values.schema.json with its `config` part replaced by the derived one. */
export function valuesSchemaWithDerivedConfig(): string {
  const schema = JSON.parse(readFileSync(VALUES_SCHEMA_PATH, 'utf8')) as { properties: Record<string, unknown> };
  schema.properties.config = configValuesSchema();
  return `${JSON.stringify(schema, null, 2)}\n`;
}

if (process.argv.includes('--write') && process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(VALUES_SCHEMA_PATH, valuesSchemaWithDerivedConfig());
}
