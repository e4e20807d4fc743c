/**
 * [REQ-01] Decodes the Kubernetes protobuf envelope (`k8s\0` + runtime.Unknown) for the few kinds kubectl's
 * typed clients send that way (`kubectl create namespace|configmap|secret|serviceaccount`, `kubectl auth can-i`).
 */
import { badRequest } from './status-errors.js';
import type { KubeObject } from './types.js';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);
type Field = { number: number; value: bigint | Buffer };

function fields(buffer: Buffer): Field[] {
  const result: Field[] = [];
  let offset = 0;
  const varint = (): bigint => {
    let value = 0n;
    for (let shift = 0n; offset < buffer.length; shift += 7n) {
      const byte = buffer[offset++]!;
      value |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value;
    }
    throw badRequest('truncated protobuf varint');
  };
  while (offset < buffer.length) {
    const key = Number(varint());
    const wireType = key & 7;
    if (wireType === 0) result.push({ number: key >> 3, value: varint() });
    else if (wireType === 2) {
      const length = Number(varint());
      result.push({ number: key >> 3, value: buffer.subarray(offset, offset + length) });
      offset += length;
    } else if (wireType === 1 || wireType === 5) offset += wireType === 1 ? 8 : 4;
    else throw badRequest(`unsupported protobuf wire type ${wireType}`);
  }
  return result;
}

const text = (value: bigint | Buffer): string => (Buffer.isBuffer(value) ? value.toString('utf8') : String(value));
const bytes = (value: bigint | Buffer): Buffer => (Buffer.isBuffer(value) ? value : Buffer.alloc(0));

function mapEntries(list: Field[], number: number, asBase64: boolean): Record<string, string> | undefined {
  const entries = list.filter((f) => f.number === number).map((f) => fields(bytes(f.value)));
  if (entries.length === 0) return undefined;
  return Object.fromEntries(
    entries.map((entry) => {
      const key = entry.find((f) => f.number === 1);
      const value = entry.find((f) => f.number === 2);
      const decoded = value === undefined ? '' : asBase64 ? bytes(value.value).toString('base64') : text(value.value);
      return [key === undefined ? '' : text(key.value), decoded];
    }),
  );
}

function objectMeta(buffer: Buffer): KubeObject['metadata'] {
  const list = fields(buffer);
  const string = (n: number): string | undefined => {
    const found = list.find((f) => f.number === n);
    return found === undefined ? undefined : text(found.value);
  };
  const finalizers = list.filter((f) => f.number === 14).map((f) => text(f.value));
  const meta: KubeObject['metadata'] = { name: string(1), generateName: string(2), namespace: string(3), labels: mapEntries(list, 11, false), annotations: mapEntries(list, 12, false) };
  if (finalizers.length > 0) meta.finalizers = finalizers;
  return Object.fromEntries(Object.entries(meta).filter(([, v]) => v !== undefined && v !== '')) as KubeObject['metadata'];
}

function stringFields(buffer: Buffer, names: string[]): Record<string, string> {
  const list = fields(buffer);
  return Object.fromEntries(names.flatMap((name, i) => list.filter((f) => f.number === i + 1).map((f) => [name, text(f.value)])));
}

function accessReviewSpec(buffer: Buffer): Record<string, unknown> {
  const list = fields(buffer);
  const resource = list.find((f) => f.number === 1);
  const nonResource = list.find((f) => f.number === 2);
  return {
    ...(resource === undefined ? {} : { resourceAttributes: stringFields(bytes(resource.value), ['namespace', 'verb', 'group', 'version', 'resource', 'subresource', 'name']) }),
    ...(nonResource === undefined ? {} : { nonResourceAttributes: stringFields(bytes(nonResource.value), ['path', 'verb']) }),
  };
}

/** The JSON form of a protobuf-encoded Namespace, ConfigMap, Secret, ServiceAccount or SelfSubjectAccessReview; other kinds are refused with 400. */
export function decodeProtobufObject(body: Buffer): KubeObject {
  if (!body.subarray(0, 4).equals(MAGIC)) throw badRequest('protobuf body without the k8s envelope');
  const unknown = fields(body.subarray(4));
  const typeMeta = fields(bytes(unknown.find((f) => f.number === 1)?.value ?? Buffer.alloc(0)));
  const apiVersion = text(typeMeta.find((f) => f.number === 1)?.value ?? Buffer.alloc(0));
  const kind = text(typeMeta.find((f) => f.number === 2)?.value ?? Buffer.alloc(0));
  const raw = fields(bytes(unknown.find((f) => f.number === 2)?.value ?? Buffer.alloc(0)));
  const metadata = objectMeta(bytes(raw.find((f) => f.number === 1)?.value ?? Buffer.alloc(0)));
  const object: KubeObject = { apiVersion, kind, metadata };
  if (kind === 'Namespace') return object;
  if (kind === 'ConfigMap') return { ...object, data: mapEntries(raw, 2, false), binaryData: mapEntries(raw, 3, true) };
  if (kind === 'Secret') {
    const type = raw.find((f) => f.number === 3);
    return { ...object, data: mapEntries(raw, 2, true), type: type === undefined ? undefined : text(type.value), stringData: mapEntries(raw, 4, false) };
  }
  if (kind === 'ServiceAccount') {
    const automount = raw.find((f) => f.number === 4);
    return automount === undefined ? object : { ...object, automountServiceAccountToken: automount.value === 1n };
  }
  if (kind === 'SelfSubjectAccessReview') return { ...object, spec: accessReviewSpec(bytes(raw.find((f) => f.number === 2)?.value ?? Buffer.alloc(0))) };
  throw badRequest(`protobuf encoding of ${kind} is not supported by the API server; send JSON`);
}
