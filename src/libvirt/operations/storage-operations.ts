/**
 * [REQ-03] Storage pool and volume calls of the libvirt wrapper, including volume upload and download through
 * libvirt streams (one RPC connection, no process per transfer). Each change (pool define/create/refresh,
 * volume create/delete/upload) writes one audit record (libvirt-audit.ts); reads and downloads write none.
 */
import type { Readable } from 'node:stream';
import {
  poolArguments, volumeArguments, xmlArguments, type AuditArguments, type AuditedCallOptions, type LibvirtAuditor,
} from '../libvirt-audit.js';
import { RemoteProcedure } from '../rpc/protocol-constants.js';
import {
  readStoragePool, readStorageVol, readString, writeStoragePool, writeStorageVol, writeString,
  type StoragePoolRef, type StorageVolRef,
} from '../rpc/remote-types.js';
import type { CallOptions } from '../rpc/rpc-connection.js';
import type { RpcSession } from '../rpc/rpc-session.js';
import type { XdrWriter } from '../rpc/xdr-writer.js';

/** virStorageVolType. */
export const VOLUME_TYPES = ['file', 'block', 'dir', 'network', 'netdir', 'ploop'] as const;

export interface VolumeInfo {
  type: (typeof VOLUME_TYPES)[number] | 'unknown';
  capacityBytes: bigint;
  allocationBytes: bigint;
}

/** virStoragePoolCreateFlags: build the pool (mkdir for a dir pool) before starting it. */
export const PoolCreateFlags = { WithBuild: 1, WithBuildOverwrite: 2, WithBuildNoOverwrite: 4 } as const;

/** Which bytes of a volume to transfer; length 0 means "to the end". */
export interface VolumeRange {
  offset?: bigint;
  length?: bigint;
}

/** REMOTE_STORAGE_POOL_LIST_MAX, REMOTE_STORAGE_VOL_LIST_MAX */
const POOL_LIST_MAX = 4096;
const VOLUME_LIST_MAX = 16384;

function writeTransferArgs(writer: XdrWriter, volume: StorageVolRef, range: VolumeRange): void {
  writeStorageVol(writer, volume);
  writer.uhyper(range.offset ?? 0n).uhyper(range.length ?? 0n).uint(0);
}

export class StorageOperations {
  constructor(private readonly session: RpcSession, private readonly auditor: LibvirtAuditor) {}

  listPools(flags = 0): Promise<StoragePoolRef[]> {
    return this.session.call(RemoteProcedure.ConnectListAllStoragePools, (writer) => writer.int(1).uint(flags), (reader) => {
      const pools = reader.array(readStoragePool, POOL_LIST_MAX);
      reader.uint();
      return pools;
    });
  }

  lookupPoolByName(name: string): Promise<StoragePoolRef> {
    return this.session.call(RemoteProcedure.StoragePoolLookupByName, (writer) => writeString(writer, name), readStoragePool);
  }

  /** The pool's description (storage-xml.ts parsePoolXml reads it: type, target path, sizes). */
  poolXml(pool: StoragePoolRef): Promise<string> {
    return this.session.call(RemoteProcedure.StoragePoolGetXmlDesc, (writer) => {
      writeStoragePool(writer, pool);
      writer.uint(0);
    }, readString);
  }

  /** Defines a pool; its record names the pool once libvirtd has answered with it. */
  definePoolXml(xml: string, options: AuditedCallOptions = {}): Promise<StoragePoolRef> {
    const args = xmlArguments(xml);
    return this.auditor.run('pool.define', args, options, async () => {
      const pool = await this.session.call(RemoteProcedure.StoragePoolDefineXml, (writer) => {
        writeString(writer, xml);
        writer.uint(0);
      }, readStoragePool);
      Object.assign(args, poolArguments(pool));
      return pool;
    });
  }

  /** Starts a defined pool; PoolCreateFlags.WithBuild creates its directory first. */
  createPool(pool: StoragePoolRef, flags = 0, options: AuditedCallOptions = {}): Promise<void> {
    return this.auditor.run('pool.create', { ...poolArguments(pool), flags }, options, () =>
      this.session.call(RemoteProcedure.StoragePoolCreate, (writer) => {
        writeStoragePool(writer, pool);
        writer.uint(flags);
      }));
  }

  /**
   * Rescans the pool so volumes written behind libvirt's back show up. Audited: it changes which volumes
   * libvirtd knows (and may hand out), even though it writes nothing to the disks.
   */
  refreshPool(pool: StoragePoolRef, options: AuditedCallOptions = {}): Promise<void> {
    return this.auditor.run('pool.refresh', poolArguments(pool), options, () =>
      this.session.call(RemoteProcedure.StoragePoolRefresh, (writer) => {
        writeStoragePool(writer, pool);
        writer.uint(0);
      }));
  }

  /** Creates a volume in `pool`; its record names the volume once libvirtd has answered with it. */
  createVolumeXml(pool: StoragePoolRef, xml: string, options: AuditedCallOptions = {}): Promise<StorageVolRef> {
    const args: AuditArguments = { pool: pool.name, ...xmlArguments(xml) };
    return this.auditor.run('volume.create', args, options, async () => {
      const volume = await this.session.call(RemoteProcedure.StorageVolCreateXml, (writer) => {
        writeStoragePool(writer, pool);
        writeString(writer, xml);
        writer.uint(0);
      }, readStorageVol);
      Object.assign(args, volumeArguments(volume));
      return volume;
    });
  }

  deleteVolume(volume: StorageVolRef, options: AuditedCallOptions = {}): Promise<void> {
    return this.auditor.run('volume.delete', volumeArguments(volume), options, () =>
      this.session.call(RemoteProcedure.StorageVolDelete, (writer) => {
        writeStorageVol(writer, volume);
        writer.uint(0);
      }));
  }

  /** Every volume of an active pool (virStoragePoolListAllVolumes). */
  listVolumes(pool: StoragePoolRef): Promise<StorageVolRef[]> {
    return this.session.call(RemoteProcedure.StoragePoolListAllVolumes, (writer) => {
      writeStoragePool(writer, pool);
      writer.int(1).uint(0);
    }, (reader) => {
      const volumes = reader.array(readStorageVol, VOLUME_LIST_MAX);
      reader.uint();
      return volumes;
    });
  }

  lookupVolumeByName(pool: StoragePoolRef, name: string): Promise<StorageVolRef> {
    return this.session.call(RemoteProcedure.StorageVolLookupByName, (writer) => {
      writeStoragePool(writer, pool);
      writeString(writer, name);
    }, readStorageVol);
  }

  lookupVolumeByPath(path: string): Promise<StorageVolRef> {
    return this.session.call(RemoteProcedure.StorageVolLookupByPath, (writer) => writeString(writer, path), readStorageVol);
  }

  volumeInfo(volume: StorageVolRef): Promise<VolumeInfo> {
    return this.session.call(RemoteProcedure.StorageVolGetInfo, (writer) => writeStorageVol(writer, volume), (reader) => {
      const type = reader.int();
      return { type: VOLUME_TYPES[type] ?? 'unknown', capacityBytes: reader.uhyper(), allocationBytes: reader.uhyper() };
    });
  }

  volumePath(volume: StorageVolRef): Promise<string> {
    return this.session.call(RemoteProcedure.StorageVolGetPath, (writer) => writeStorageVol(writer, volume), readString);
  }

  /**
   * Writes `source` into the volume; resolves once libvirtd confirmed the end of the stream. The record holds
   * the range and the bytes sent, also when the upload failed part way.
   */
  uploadVolume(volume: StorageVolRef, source: Readable, range: VolumeRange = {}, options: CallOptions & AuditedCallOptions = {}): Promise<void> {
    const args: AuditArguments = { ...volumeArguments(volume), offset: Number(range.offset ?? 0n), length: Number(range.length ?? 0n), bytes: 0 };
    const countSent = (bytes: number): void => {
      args['bytes'] = (args['bytes'] as number) + bytes;
    };
    return this.auditor.run('volume.upload', args, options, () =>
      this.session.upload(RemoteProcedure.StorageVolUpload, (writer) => writeTransferArgs(writer, volume, range), source, { ...options, onSent: countSent }));
  }

  /** The volume's bytes as a Readable that applies backpressure to the connection. */
  downloadVolume(volume: StorageVolRef, range: VolumeRange = {}, options: CallOptions = {}): Promise<Readable> {
    return this.session.download(RemoteProcedure.StorageVolDownload, (writer) => writeTransferArgs(writer, volume, range), options);
  }
}
