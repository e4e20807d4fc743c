/** [REQ-02] Shared set-up of the SSH integration tests: a session to a test sshd with the shipped configuration. */
import { loadConfig } from '../../../src/config/load-config.js';
import type { SshConfig } from '../../../src/config/types.js';
import type { AuditEntryInput } from '../../../src/security/audit-record.js';
import { AuditLog } from '../../../src/security/audit-log.js';
import type { Registry } from 'prom-client';
import { createMetricsRegistry, createOperatorMetrics } from '../../../src/observability/metrics.js';
import { HostSession, type HostSessionDeps } from '../../../src/ssh/host-session.js';
import type { SshTarget } from '../../../src/ssh/ssh-target.js';
import { pinHostKeys } from '../../../src/security/host-key-policy.js';
import type { TestSshd } from '../../support/sshd/index.js';

export const shippedSshConfig: SshConfig = loadConfig('config').ssh;

export function targetFor(sshd: TestSshd, overrides: Partial<SshTarget> = {}): SshTarget {
  return {
    host: 'test-host',
    address: sshd.address,
    port: sshd.port,
    user: sshd.user,
    privateKey: sshd.clientKey.privateKey,
    hostKeys: pinHostKeys([sshd.hostKey.publicKey]),
    ...overrides,
  };
}

export interface AuditedSession {
  session: HostSession;
  metrics: Registry;
  /** Audit records as written to the log, parsed back. */
  records: () => Array<AuditEntryInput & { seq: number }>;
}

export function auditedSession(target: SshTarget, config: Partial<SshConfig> = {}, deps: Pick<HostSessionDeps, 'clock' | 'random' | 'logger'> = {}): AuditedSession {
  const lines: string[] = [];
  const audit = new AuditLog({ write: (line: string) => lines.push(line) }, { controller: 'integration-test' });
  const metrics = createMetricsRegistry();
  const session = new HostSession(target, { ...shippedSshConfig, ...config }, { audit, metrics: createOperatorMetrics(metrics), ...deps });
  return { session, metrics, records: () => lines.map((line) => JSON.parse(line) as AuditEntryInput & { seq: number }) };
}

export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the promise to reject');
}
