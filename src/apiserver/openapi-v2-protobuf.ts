/**
 * [REQ-01] A Swagger 2.0 document (definitions only) in gnostic's protobuf form, `openapi.v2.Document`, what
 * client-go's discovery asks /openapi/v2 for and parses with proto.Unmarshal (kubectl explain --output
 * plaintext-openapiv2, client-side validation): swagger = 1, info = 2 {title = 1, version = 2}, paths = 8,
 * definitions = 9 {NamedSchema = 1 {name = 1, Schema = 2}}. Schema field numbers are those of gnostic's
 * OpenAPIv2.proto; values that are not strings, numbers or schemas (default, enum, example, x-* extensions)
 * travel as `Any { yaml = 2 }` holding their JSON text, which is YAML, as kube-openapi does.
 */
import type { JsonSchema } from './types.js';

type Field = Buffer;

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let n = BigInt.asUintN(64, BigInt(Math.trunc(value)));
  do {
    const low = Number(n & 0x7fn);
    n >>= 7n;
    bytes.push(n === 0n ? low : low | 0x80);
  } while (n !== 0n);
  return Buffer.from(bytes);
}

const tag = (field: number, wire: number): Buffer => varint((field << 3) | wire);
const bytesField = (field: number, payload: Buffer): Field => Buffer.concat([tag(field, 2), varint(payload.length), payload]);
const stringField = (field: number, value: string): Field => bytesField(field, Buffer.from(value, 'utf8'));
const varintField = (field: number, value: number | boolean): Field => Buffer.concat([tag(field, 0), varint(Number(value))]);
function doubleField(field: number, value: number): Field {
  const payload = Buffer.alloc(8);
  payload.writeDoubleLE(value);
  return Buffer.concat([tag(field, 1), payload]);
}
const anyYaml = (value: unknown): Buffer => stringField(2, JSON.stringify(value));

const STRINGS = { $ref: 1, format: 2, title: 3, description: 4, pattern: 13, discriminator: 26 } as const;
const DOUBLES = { multipleOf: 6, maximum: 7, minimum: 9 } as const;
const INTEGERS = { maxLength: 11, minLength: 12, maxItems: 14, minItems: 15, maxProperties: 17, minProperties: 18 } as const;
const BOOLEANS = { exclusiveMaximum: 8, exclusiveMinimum: 10, uniqueItems: 16, readOnly: 27 } as const;

function namedSchemas(schemas: Record<string, JsonSchema>): Buffer {
  return Buffer.concat(Object.entries(schemas).map(([name, value]) => bytesField(1, Buffer.concat([stringField(1, name), bytesField(2, schemaMessage(value))]))));
}

/** One `openapi.v2.Schema` message. */
export function schemaMessage(schema: JsonSchema): Buffer {
  const fields: Field[] = [];
  const s = schema as Record<string, unknown>;
  for (const [key, field] of Object.entries(STRINGS)) if (typeof s[key] === 'string') fields.push(stringField(field, s[key] as string));
  if (s['default'] !== undefined) fields.push(bytesField(5, anyYaml(s['default'])));
  for (const [key, field] of Object.entries(DOUBLES)) if (typeof s[key] === 'number') fields.push(doubleField(field, s[key] as number));
  for (const [key, field] of Object.entries(INTEGERS)) if (typeof s[key] === 'number') fields.push(varintField(field, s[key] as number));
  for (const [key, field] of Object.entries(BOOLEANS)) if (typeof s[key] === 'boolean') fields.push(varintField(field, s[key] as boolean));
  if (Array.isArray(s['required'])) for (const name of s['required'] as string[]) fields.push(stringField(19, name));
  if (Array.isArray(s['enum'])) for (const value of s['enum'] as unknown[]) fields.push(bytesField(20, anyYaml(value)));
  const additional = s['additionalProperties'];
  if (typeof additional === 'boolean') fields.push(bytesField(21, varintField(2, additional)));
  else if (typeof additional === 'object' && additional !== null) fields.push(bytesField(21, bytesField(1, schemaMessage(additional as JsonSchema))));
  if (typeof s['type'] === 'string') fields.push(bytesField(22, stringField(1, s['type'])));
  if (typeof s['items'] === 'object' && s['items'] !== null) fields.push(bytesField(23, bytesField(1, schemaMessage(s['items'] as JsonSchema))));
  if (Array.isArray(s['allOf'])) for (const part of s['allOf'] as JsonSchema[]) fields.push(bytesField(24, schemaMessage(part)));
  if (typeof s['properties'] === 'object' && s['properties'] !== null) fields.push(bytesField(25, namedSchemas(s['properties'] as Record<string, JsonSchema>)));
  if (s['example'] !== undefined) fields.push(bytesField(30, anyYaml(s['example'])));
  for (const [key, value] of Object.entries(s)) {
    if (key.startsWith('x-')) fields.push(bytesField(31, Buffer.concat([stringField(1, key), bytesField(2, anyYaml(value))])));
  }
  return Buffer.concat(fields);
}

export interface SwaggerDocument {
  swagger: '2.0';
  info: { title: string; version: string };
  paths: Record<string, never>;
  definitions: Record<string, JsonSchema>;
}

export function documentMessage(document: SwaggerDocument): Buffer {
  const info = Buffer.concat([stringField(1, document.info.title), stringField(2, document.info.version)]);
  return Buffer.concat([stringField(1, document.swagger), bytesField(2, info), bytesField(8, Buffer.alloc(0)), bytesField(9, namedSchemas(document.definitions))]);
}
