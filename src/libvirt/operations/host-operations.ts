/**
 * [REQ-03] What a Host's status reports about its hypervisor: libvirt and hypervisor versions, hostname,
 * CPUs and memory (virNodeGetInfo) and free memory.
 */
import { RemoteProcedure } from '../rpc/protocol-constants.js';
import { readString } from '../rpc/remote-types.js';
import type { RpcSession } from '../rpc/rpc-session.js';
import type { XdrReader } from '../rpc/xdr-reader.js';

export interface HostVersions {
  /** libvirt's version, e.g. "9.0.0". */
  libvirt: string;
  /** The hypervisor's version (QEMU for qemu:///system), e.g. "7.2.22". */
  hypervisor: string;
}

export interface NodeInfo {
  cpuModel: string;
  memoryBytes: bigint;
  cpus: number;
  mhz: number;
  numaNodes: number;
  sockets: number;
  coresPerSocket: number;
  threadsPerCore: number;
}

/** remote_node_get_info_ret.model is `char model[32]`; XDR carries each char as a 4-byte int. */
const NODE_MODEL_CHARS = 32;

/** libvirt encodes versions as major * 1,000,000 + minor * 1,000 + release. */
export function formatLibvirtVersion(encoded: bigint): string {
  const value = Number(encoded);
  return `${Math.floor(value / 1_000_000)}.${Math.floor(value / 1000) % 1000}.${value % 1000}`;
}

function readNodeInfo(reader: XdrReader): NodeInfo {
  const modelBytes: number[] = [];
  for (let index = 0; index < NODE_MODEL_CHARS; index += 1) modelBytes.push(reader.int() & 0xff);
  const terminator = modelBytes.indexOf(0);
  const cpuModel = Buffer.from(terminator < 0 ? modelBytes : modelBytes.slice(0, terminator)).toString('latin1');
  const memoryKiB = reader.uhyper();
  return {
    cpuModel,
    memoryBytes: memoryKiB * 1024n,
    cpus: reader.int(),
    mhz: reader.int(),
    numaNodes: reader.int(),
    sockets: reader.int(),
    coresPerSocket: reader.int(),
    threadsPerCore: reader.int(),
  };
}

export class HostOperations {
  constructor(private readonly session: RpcSession) {}

  async versions(): Promise<HostVersions> {
    const [libvirt, hypervisor] = await Promise.all([
      this.session.call(RemoteProcedure.ConnectGetLibVersion, undefined, (reader) => reader.uhyper()),
      this.session.call(RemoteProcedure.ConnectGetVersion, undefined, (reader) => reader.uhyper()),
    ]);
    return { libvirt: formatLibvirtVersion(libvirt), hypervisor: formatLibvirtVersion(hypervisor) };
  }

  hostname(): Promise<string> {
    return this.session.call(RemoteProcedure.ConnectGetHostname, undefined, readString);
  }

  nodeInfo(): Promise<NodeInfo> {
    return this.session.call(RemoteProcedure.NodeGetInfo, undefined, readNodeInfo);
  }

  freeMemoryBytes(): Promise<bigint> {
    return this.session.call(RemoteProcedure.NodeGetFreeMemory, undefined, (reader) => reader.uhyper());
  }
}
