/**
 * [REQ-03] Storage pool and volume calls of the libvirt wrapper, including volume upload and download through
 * libvirt streams (one RPC connection, no process per transfer).
 */
import type { Readable } from 'node:stream';
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

/** REMOTE_STORAGE_POOL_LIST_MAX */
const POOL_LIST_MAX = 4096;

function writeTransferArgs(writer: XdrWriter, volume: StorageVolRef, range: VolumeRange): void {
  writeStorageVol(writer, volume);
  writer.uhyper(range.offset ?? 0n).uhyper(range.length ?? 0n).uint(0);
}

export class StorageOperations {
  constructor(private readonly session: RpcSession) {}

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

  definePoolXml(xml: string): Promise<StoragePoolRef> {
    return this.session.call(RemoteProcedure.StoragePoolDefineXml, (writer) => {
      writeString(writer, xml);
      writer.uint(0);
    }, readStoragePool);
  }

  /** Starts a defined pool; PoolCreateFlags.WithBuild creates its directory first. */
  async createPool(pool: StoragePoolRef, flags = 0): Promise<void> {
    await this.session.call(RemoteProcedure.StoragePoolCreate, (writer) => {
      writeStoragePool(writer, pool);
      writer.uint(flags);
    });
  }

  /** Rescans the pool so volumes written behind libvirt's back show up. */
  async refreshPool(pool: StoragePoolRef): Promise<void> {
    await this.session.call(RemoteProcedure.StoragePoolRefresh, (writer) => {
      writeStoragePool(writer, pool);
      writer.uint(0);
    });
  }

  createVolumeXml(pool: StoragePoolRef, xml: string): Promise<StorageVolRef> {
    return this.session.call(RemoteProcedure.StorageVolCreateXml, (writer) => {
      writeStoragePool(writer, pool);
      writeString(writer, xml);
      writer.uint(0);
    }, readStorageVol);
  }

  async deleteVolume(volume: StorageVolRef): Promise<void> {
    await this.session.call(RemoteProcedure.StorageVolDelete, (writer) => {
      writeStorageVol(writer, volume);
      writer.uint(0);
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

  /** Writes `source` into the volume; resolves once libvirtd confirmed the end of the stream. */
  uploadVolume(volume: StorageVolRef, source: Readable, range: VolumeRange = {}, options: CallOptions = {}): Promise<void> {
    return this.session.upload(RemoteProcedure.StorageVolUpload, (writer) => writeTransferArgs(writer, volume, range), source, options);
  }

  /** The volume's bytes as a Readable that applies backpressure to the connection. */
  downloadVolume(volume: StorageVolRef, range: VolumeRange = {}, options: CallOptions = {}): Promise<Readable> {
    return this.session.download(RemoteProcedure.StorageVolDownload, (writer) => writeTransferArgs(writer, volume, range), options);
  }
}
