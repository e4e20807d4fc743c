/**
 * [REQ-01][REQ-02] Step "connect" of the Host reconciler: builds the SSH target from the Host's spec and the
 * credentials, then opens (or reuses) the host's one SSH session, which checks the pinned host key and our key.
 * SSH failures come back as a typed problem (the error's own reason and retryability) for the conditions; an
 * abort (controller stopping) is rethrown.
 */
import type { Host } from '../../api/v1alpha1/host.js';
import { HOST_DEFAULTS } from '../../api/v1alpha1/host.js';
import { InvalidSpecError } from '../../errors/invalid-spec-error.js';
import { OperatorError } from '../../errors/operator-error.js';
import { SshConnectError } from '../../errors/ssh-errors.js';
import { pinHostKeys } from '../../security/host-key-policy.js';
import type { SshTarget } from '../../ssh/ssh-target.js';
import type { HypervisorApi } from './inspect-hypervisor.js';
import type { SshCredentials } from './read-credentials.js';

/** How the reconciler reaches hosts: PooledHostAccess in the operator, a test double in unit tests. */
export interface HostAccess {
  /** Connects (or reuses the connection); resolves with the SHA256 fingerprint of the host key presented. */
  connect(target: SshTarget, signal: AbortSignal): Promise<string>;
  /** The libvirt calls on the host behind `target`, over its SSH session. */
  hypervisor(target: SshTarget, libvirtURI: string): HypervisorApi;
  /** Closes and forgets everything open to the host (it was deleted). */
  forget(hostName: string): Promise<void>;
}

export type ConnectResult =
  | { connected: true; target: SshTarget; fingerprint: string }
  | { connected: false; error: OperatorError };

export function sshTargetOf(host: Host, credentials: SshCredentials): SshTarget {
  const { spec } = host;
  return {
    host: host.metadata?.name ?? '',
    address: spec.address,
    port: spec.port ?? HOST_DEFAULTS.port,
    user: spec.user,
    privateKey: credentials.privateKey,
    ...(credentials.passphrase === undefined ? {} : { passphrase: credentials.passphrase }),
    hostKeys: spec.hostKeys,
  };
}

export async function connectHost(access: HostAccess, host: Host, credentials: SshCredentials, signal: AbortSignal): Promise<ConnectResult> {
  const target = sshTargetOf(host, credentials);
  try {
    pinHostKeys(target.hostKeys);
  } catch (error) {
    return { connected: false, error: new InvalidSpecError('spec.hostKeys', (error as Error).message, { cause: error }) };
  }
  try {
    return { connected: true, target, fingerprint: await access.connect(target, signal) };
  } catch (error) {
    if (signal.aborted) throw error;
    if (error instanceof OperatorError) return { connected: false, error };
    return { connected: false, error: new SshConnectError(target.host, String(error), { cause: error }) };
  }
}
