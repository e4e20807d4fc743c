/**
 * [REQ-03] Codecs of the shared structures of remote_protocol.x: the non-null object references
 * (domain, storage pool, storage volume), UUIDs and remote_error.
 */
import type { RemoteErrorFields } from '../libvirt-error.js';
import { REMOTE_STRING_MAX, UUID_BYTES } from './protocol-constants.js';
import type { XdrReader } from './xdr-reader.js';
import type { XdrWriter } from './xdr-writer.js';

/** remote_nonnull_domain. `id` is -1 for a domain that is not running. */
export interface DomainRef {
  name: string;
  uuid: string;
  id: number;
}

/** remote_nonnull_storage_pool. */
export interface StoragePoolRef {
  name: string;
  uuid: string;
}

/** remote_nonnull_storage_vol: `pool` is the pool's name, `key` libvirt's unique key (usually the path). */
export interface StorageVolRef {
  pool: string;
  name: string;
  key: string;
}

const UUID_PATTERN = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

export function uuidToBytes(uuid: string): Buffer {
  if (!UUID_PATTERN.test(uuid)) throw new RangeError(`not a UUID: ${uuid}`);
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}

export function uuidFromBytes(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function writeString(writer: XdrWriter, value: string): void {
  writer.string(value, REMOTE_STRING_MAX);
}

export function readString(reader: XdrReader): string {
  return reader.string(REMOTE_STRING_MAX);
}

/** remote_string: a string that may be NULL. */
export function readOptionalString(reader: XdrReader): string | null {
  return reader.optional(readString);
}

export function writeOptionalString(writer: XdrWriter, value: string | null): void {
  writer.optional(value, writeString);
}

export function writeDomain(writer: XdrWriter, domain: DomainRef): void {
  writeString(writer, domain.name);
  writer.opaqueFixed(uuidToBytes(domain.uuid), UUID_BYTES);
  writer.int(domain.id);
}

export function readDomain(reader: XdrReader): DomainRef {
  const name = readString(reader);
  const uuid = uuidFromBytes(reader.opaqueFixed(UUID_BYTES));
  return { name, uuid, id: reader.int() };
}

export function writeStoragePool(writer: XdrWriter, pool: StoragePoolRef): void {
  writeString(writer, pool.name);
  writer.opaqueFixed(uuidToBytes(pool.uuid), UUID_BYTES);
}

export function readStoragePool(reader: XdrReader): StoragePoolRef {
  const name = readString(reader);
  return { name, uuid: uuidFromBytes(reader.opaqueFixed(UUID_BYTES)) };
}

export function writeStorageVol(writer: XdrWriter, vol: StorageVolRef): void {
  writeString(writer, vol.pool);
  writeString(writer, vol.name);
  writeString(writer, vol.key);
}

export function readStorageVol(reader: XdrReader): StorageVolRef {
  const pool = readString(reader);
  const name = readString(reader);
  return { pool, name, key: readString(reader) };
}

/** remote_error (virNetMessageError): the fields we keep; the rest is read to validate the layout. */
export function readRemoteError(reader: XdrReader): RemoteErrorFields {
  const code = reader.int();
  const domain = reader.int();
  const message = readOptionalString(reader);
  const level = reader.int();
  reader.optional(readDomain);
  for (let index = 0; index < 3; index += 1) readOptionalString(reader);
  reader.int();
  reader.int();
  reader.optional((networkReader) => {
    readString(networkReader);
    networkReader.opaqueFixed(UUID_BYTES);
  });
  return { code, domain, message, level };
}
