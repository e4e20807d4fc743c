/**
 * [REQ-01][REQ-02] Where and how to reach a Host, from its spec and its credentials: the SshTarget the session pool
 * is keyed by. `resolveHostTarget` looks both up by the Host's name in the shared caches and throws the typed
 * error of the first thing missing. The pinned host keys are parsed here, once, and travel parsed (PinnedHostKeys) down to the SSH
 * handshake; a malformed entry is an InvalidSpecError naming `spec.hostKeys`.
 */
import { HOST_DEFAULTS, type Host } from '../api/v1alpha1/host.js';
import { HostCredentialsError, HostNotFoundError } from '../errors/host-errors.js';
import { InvalidSpecError } from '../errors/invalid-spec-error.js';
import { pinHostKeys } from '../security/host-key-policy.js';
import type { SshTarget } from '../ssh/ssh-target.js';
import { readCredentials, type SecretLookup, type SshCredentials } from './host-credentials.js';

/** Where Hosts are looked up: the shared Host informer's store, or a map in tests. */
export interface HostLookup {
  get(namespace: undefined, name: string): Host | undefined;
}

/** Where a Host's target comes from: the Host and ssh-auth Secret caches, and the namespaces the latter covers. */
export interface TargetSources {
  hosts: HostLookup;
  secrets: SecretLookup;
  /** Controller config `credentialsNamespaces`; empty or absent = all. */
  credentialsNamespaces?: readonly string[];
}

/**
 * The cached Host named `hostName` and its SshTarget. Throws HostNotFoundError, HostCredentialsError (Secret
 * missing, outside the credentials namespaces, or without a key) or InvalidSpecError (`spec.hostKeys`).
 */
export function resolveHostTarget(sources: TargetSources, hostName: string): { host: Host; target: SshTarget } {
  const host = sources.hosts.get(undefined, hostName);
  if (host === undefined) throw new HostNotFoundError(hostName);
  const ref = host.spec.credentialsSecretRef;
  const credentials = readCredentials(sources.secrets, ref, sources.credentialsNamespaces);
  if (!credentials.found) throw new HostCredentialsError(hostName, credentials.reason, ref, credentials.message);
  return { host, target: hostTarget(host, credentials.credentials) };
}

export function hostTarget(host: Host, credentials: SshCredentials): SshTarget {
  const { spec } = host;
  let hostKeys;
  try {
    hostKeys = pinHostKeys(spec.hostKeys ?? []);
  } catch (error) {
    throw new InvalidSpecError('spec.hostKeys', (error as Error).message, { cause: error });
  }
  return {
    host: host.metadata?.name ?? '',
    address: spec.address,
    port: spec.port ?? HOST_DEFAULTS.port,
    user: spec.user,
    privateKey: credentials.privateKey,
    ...(credentials.passphrase === undefined ? {} : { passphrase: credentials.passphrase }),
    hostKeys,
  };
}

