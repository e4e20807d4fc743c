/**
 * [REQ-01][REQ-02][REQ-03] What the VirtualMachine reconciler needs from a Host: its libvirt client and a way to
 * run a command over its SSH session. The one seam to the shared host connections (src/hosts/), kept small so the
 * reconciler depends on nothing else of it; unit tests put a double here.
 */
import type { HostConnections } from '../../hosts/host-connections.js';
import type { HostOperationSlots } from '../../hosts/host-operation-slots.js';
import { limitedLibvirt } from '../../hosts/limited-libvirt.js';
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

/**
 * The operator's VmHostAccess: a Host's shared connection (src/hosts/host-connections.ts), its state-changing
 * libvirt calls bounded by the Host's maxConcurrentOperations through the shared `slots`.
 */
export function vmHostAccessOver(connections: Pick<HostConnections, 'open'>, slots: HostOperationSlots): VmHostAccess {
  return {
    async open(hostName, signal) {
      const connection = await connections.open(hostName, signal);
      const libvirt = limitedLibvirt(connection.libvirt, hostName, slots);
      return { name: hostName, libvirt, exec: (argv, execSignal) => connection.session.exec(argv, { signal: execSignal }) };
    },
  };
}
