/**
 * [REQ-01][REQ-02][REQ-04] What the ImageTransfer controller needs from a Host: a TransferHost for the engine whose
 * session opens (or reuses) the Host's shared connection (src/hosts/host-connections.ts) on every command. A Host
 * that is unreachable when the transfer starts is therefore a retryable failure inside the engine (retried with
 * backoff, then resumed from the manifest), not a reason to refuse the plan. Unit tests put a double here.
 */
import type { HostConnections } from '../../hosts/host-connections.js';
import type { TransferHost } from '../../transfer/transfer-plan.js';

export interface TransferHostAccess {
  /** The engine's view of a Host, by name; connects lazily. */
  host(hostName: string): TransferHost;
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
  };
}
