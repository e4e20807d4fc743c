/**
 * [REQ-01][REQ-02][REQ-03] What the VirtualMachine reconciler needs from a Host: its libvirt client and a way to
 * run a command over its SSH session. The one seam to the shared host connections (src/hosts/), kept small so the
 * reconciler depends on nothing else of it; unit tests put a double here.
 */
import type { LibvirtClient } from '../../libvirt/libvirt-client.js';
import type { ExecResult } from '../../ssh/remote-process.js';

export interface VmHost {
  readonly name: string;
  readonly libvirt: LibvirtClient;
  /** Runs argv on the host (audited by the SSH layer); a non-zero exit is returned, not thrown. */
  exec(argv: readonly string[], signal: AbortSignal): Promise<ExecResult>;
}

export interface VmHostAccess {
  /** Opens or reuses the Host's connection; throws the typed errors of the host connections (retryable when unreachable). */
  open(hostName: string, signal: AbortSignal): Promise<VmHost>;
}
