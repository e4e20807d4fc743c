/**
 * [REQ-04] Where the transfer integration tests run: container hosts, each reached through its own HostSession
 * (ssh2, pinned host key) that shares one real AuditLog whose records the tests read back, and helpers that ask
 * the host itself (docker exec, not SSH) what is on its disk.
 */
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../../src/config/load-config.js';
import type { VirtfleetConfig } from '../../../src/config/types.js';
import { systemClock } from '../../../src/time/clock.js';
import { AuditLog } from '../../../src/security/audit-log.js';
import { pinHostKeys } from '../../../src/security/host-key-policy.js';
import type { AuditRecord } from '../../../src/security/audit-record.js';
import { HostSession } from '../../../src/ssh/host-session.js';
import type { TransferEngineDeps } from '../../../src/transfer/transfer-job.js';
import type { TransferHost } from '../../../src/transfer/transfer-plan.js';
import { startHosts, stopHosts, type TestHost } from '../../support/hosts/index.js';

export const shippedConfig: VirtfleetConfig = loadConfig(fileURLToPath(new URL('../../../config/', import.meta.url)));

export interface TransferFleet {
  hosts: TestHost[];
  transferHosts: TransferHost[];
  sessions: HostSession[];
  auditRecords: AuditRecord[];
  deps: TransferEngineDeps;
  stop(): Promise<void>;
}

export async function startTransferFleet(count: number, namePrefix: string): Promise<TransferFleet> {
  const hosts = await startHosts(count, { namePrefix });
  const auditRecords: AuditRecord[] = [];
  const audit = new AuditLog({ write: (line: string) => auditRecords.push(JSON.parse(line) as AuditRecord) }, { controller: 'transfer-integration-tests' });
  const ssh = { ...shippedConfig.ssh, keepalive: { intervalMs: 5000, countMax: 4 } };
  const sessions = hosts.map((host) => new HostSession({
    host: host.name, address: host.address, port: host.sshPort, user: host.user, privateKey: host.clientPrivateKey, hostKeys: pinHostKeys([host.hostKeyLine]),
  }, ssh, { audit }));
  return {
    hosts,
    sessions,
    auditRecords,
    transferHosts: hosts.map((host, index) => ({ name: host.name, session: sessions[index]! })),
    deps: { audit, allowedUrlSchemes: shippedConfig.transfer.allowedUrlSchemes, clock: systemClock },
    stop: async () => {
      for (const session of sessions) session.close();
      await stopHosts(hosts);
    },
  };
}

/** Runs a shell command inside the host (docker exec) and returns stdout; throws on a non-zero exit. */
export async function onHost(host: TestHost, script: string): Promise<string> {
  const result = await host.exec(['sh', '-c', script]);
  if (result.code !== 0) throw new Error(`${host.name}: ${script}: ${result.stderr}`);
  return result.stdout.trim();
}

/** The file's SHA-256 as OpenSSL on the host computes it, or '' when it does not exist. */
export async function hostDigest(host: TestHost, path: string): Promise<string> {
  const result = await host.exec(['sh', '-c', `[ -e "$1" ] && openssl dgst -sha256 -r "$1" | cut -d' ' -f1 || true`, 'sh', path]);
  return result.stdout.trim();
}

/** Files in a directory on the host. */
export async function listDir(host: TestHost, dir: string): Promise<string[]> {
  const result = await host.exec(['sh', '-c', 'ls -1 "$1" 2>/dev/null || true', 'sh', dir]);
  return result.stdout.split('\n').filter(Boolean).sort();
}
