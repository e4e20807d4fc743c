/**
 * [REQ-01][REQ-02][REQ-04] What the ImageTransfer controller needs from a Host: a TransferHost for the engine whose
 * session opens (or reuses) the Host's shared connection (src/hosts/host-connections.ts) on every command. A Host
 * that is unreachable when the transfer starts is therefore a retryable failure inside the engine (retried with
 * backoff, then resumed from the manifest), not a reason to refuse the plan. A volume source's storage calls go
 * through the same Host's shared libvirt client, opened the same way. Unit tests put a double here.
 */
import type { HostConnections } from '../../hosts/host-connections.js';
import type { TransferHost, TransferVolumeStorage } from '../../transfer/transfer-plan.js';

export interface TransferHostAccess {
  /** The engine's view of a Host, by name; connects lazily. */
  host(hostName: string): TransferHost;
  /** The libvirt storage calls a volume source or a pool destination on this Host needs; connects lazily. */
  storage(hostName: string): TransferVolumeStorage;
}

const NEVER = new AbortController().signal;

/** The operator's TransferHostAccess over the shared host connections. */
export function transferHostAccessOver(connections: Pick<HostConnections, 'open'>): TransferHostAccess {
  return {
    host: (name) => ({
      name,
      session: {
        exec: async (argv, options = {}) => (await connections.open(name, options.signal ?? NEVER)).session.exec(argv, options),
        spawn: async (argv, options = {}) => (await connections.open(name, options.signal ?? NEVER)).session.spawn(argv, options),
      },
    }),
    storage: (name) => {
      const storage = async () => (await connections.open(name, NEVER)).libvirt.storage;
      return {
        lookupPoolByName: async (pool) => (await storage()).lookupPoolByName(pool),
        lookupVolumeByName: async (pool, volume) => (await storage()).lookupVolumeByName(pool, volume),
        volumePath: async (volume) => (await storage()).volumePath(volume),
        poolXml: async (pool) => (await storage()).poolXml(pool),
        refreshPool: async (pool, options) => (await storage()).refreshPool(pool, options),
      };
    },
  };
}
