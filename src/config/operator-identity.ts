/**
 * [REQ-01] Who this operator replica is, for the leader-election Lease and audit records: the pod name the
 * Deployment passes in POD_NAME (downward API), else the machine's hostname (a pod's hostname is its name too).
 */
import { hostname } from 'node:os';

export function operatorIdentityFromEnvironment(env: NodeJS.ProcessEnv = process.env, machineName: () => string = hostname): string {
  const podName = env.POD_NAME;
  return podName === undefined || podName === '' ? machineName() : podName;
}
