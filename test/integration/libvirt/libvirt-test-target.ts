/**
 * [REQ-03] Where the libvirt integration tests and the benchmark run: Docker test hypervisor hosts reached the
 * way the operator reaches a host, through a HostSession (ssh2, pinned host key) whose exec channel runs
 * `virt-ssh-helper` (or a socat / nc relay) under the RPC client. `virsh` and the shell inside each host,
 * reached through `docker exec` rather than SSH, are the independent oracles. Sessions and clients of one host
 * share one real AuditLog whose records the tests read back.
 */
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../../src/config/load-config.js';
import type { LibvirtConfig, VirtfleetConfig } from '../../../src/config/types.js';
import { LibvirtClient } from '../../../src/libvirt/libvirt-client.js';
import { sshRpcTransportFactory } from '../../../src/libvirt/ssh-rpc-transport.js';
import { AuditLog } from '../../../src/security/audit-log.js';
import { pinHostKeys } from '../../../src/security/host-key-policy.js';
import type { AuditRecord } from '../../../src/security/audit-record.js';
import { HostSession } from '../../../src/ssh/host-session.js';
import { startHosts, stopHosts, type CommandResult, type TestHost } from '../../support/hosts/index.js';

/** The repository's own configuration files: the defaults the operator ships with. */
const shippedConfig: VirtfleetConfig = loadConfig(fileURLToPath(new URL('../../../config/', import.meta.url)));

export interface ClientOptions {
  /** Another session to the same host instead of the shared one (see openSession). */
  session?: HostSession;
  transport?: LibvirtConfig['transport'];
  keepalive?: LibvirtConfig['keepalive'];
  callTimeoutMs?: number;
}

export interface LibvirtTestHost {
  readonly host: TestHost;
  readonly session: HostSession;
  /** argv of every command the session ran on the host, oldest first (from its audit records). */
  readonly commands: string[][];
  /** The audit log shared by this host's sessions and clients, for a client built by hand. */
  readonly auditLog: AuditLog;
  /** Every record of auditLog (SSH and libvirt), oldest first. */
  readonly auditRecords: AuditRecord[];
  /** A new client on the host's shared SSH session; every connection it opens is a new exec channel. */
  client(options?: ClientOptions): LibvirtClient;
  /** A separate SSH session to the host (its own connection and its own relay probe); close it when done. */
  openSession(): HostSession;
  /** The oracle: `virsh -c qemu:///system ARGS` inside the host. */
  virsh(args: string[]): Promise<CommandResult>;
  /** Runs argv inside the host (docker exec, independent of SSH). */
  run(argv: string[]): Promise<CommandResult>;
}

export interface LibvirtTestFleet {
  hosts: LibvirtTestHost[];
  stop(): Promise<void>;
}

/** Fast failure detection for tests that cut connections (the shipped defaults take ~30 s). */
export const quickKeepalive = { intervalMs: 500, countMax: 3 } as const;

/** A real audit log whose lines are kept in memory as parsed records, and as the argv of every command run. */
function auditRecorder(records: AuditRecord[], commands: string[][]): AuditLog {
  return new AuditLog({
    write: (line: string) => {
      const record = JSON.parse(line) as AuditRecord;
      records.push(record);
      const argv = record.arguments?.['argv'];
      if (record.action === 'ssh.exec' && Array.isArray(argv)) commands.push(argv.map(String));
    },
  }, { controller: 'libvirt-integration-tests' });
}

export function libvirtTestHost(host: TestHost): LibvirtTestHost {
  const commands: string[][] = [];
  const auditRecords: AuditRecord[] = [];
  const auditLog = auditRecorder(auditRecords, commands);
  const openSession = (): HostSession => new HostSession({
    host: host.name,
    address: host.address,
    port: host.sshPort,
    user: host.user,
    privateKey: host.clientPrivateKey,
    hostKeys: pinHostKeys([host.hostKeyLine]),
  }, shippedConfig.ssh, { audit: auditLog });
  const session = openSession();
  return {
    host,
    session,
    commands,
    auditLog,
    auditRecords,
    openSession,
    client: (options = {}) => {
      const config: LibvirtConfig = {
        ...shippedConfig.libvirt,
        transport: options.transport ?? shippedConfig.libvirt.transport,
        keepalive: options.keepalive ?? shippedConfig.libvirt.keepalive,
        callTimeoutMs: options.callTimeoutMs ?? 30_000,
      };
      return LibvirtClient.fromConfig(sshRpcTransportFactory(options.session ?? session, config, config.defaultURI), config, {
        audit: { sink: auditLog, host: host.name },
      });
    },
    virsh: (args) => host.virsh(args),
    run: (argv) => host.exec(argv),
  };
}

/** Starts `count` container hosts (in parallel) with an SSH session to each; `stop` removes them all. */
export async function startLibvirtHosts(count: number, namePrefix: string): Promise<LibvirtTestFleet> {
  const hosts = await startHosts(count, { namePrefix });
  const fleet = hosts.map(libvirtTestHost);
  return {
    hosts: fleet,
    stop: async () => {
      for (const testHost of fleet) testHost.session.close();
      await stopHosts(hosts);
    },
  };
}

/** A name no earlier or parallel run uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}`;
}
