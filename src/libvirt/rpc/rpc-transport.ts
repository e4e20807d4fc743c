/**
 * [REQ-03] The byte stream an RPC connection runs over, independent of how it is opened: an SSH exec channel
 * running `virt-ssh-helper <uri>` (what `qemu+ssh://` does), a socket relay, or a local process in tests.
 */
import type { Readable, Writable } from 'node:stream';

export interface RpcTransport {
  readable: Readable;
  writable: Writable;
  /** Tears the byte stream down; the connection then reports LibvirtConnectionError to everything in flight. */
  close(): void;
}

export type RpcTransportFactory = (signal?: AbortSignal) => Promise<RpcTransport>;
