/**
 * [REQ-01][REQ-05] A Host's SSH credentials: the private key (and optional passphrase) from the Secret named by
 * spec.credentialsSecretRef, key `ssh-privatekey` as in kubernetes.io/ssh-auth Secrets. Read from the shared
 * Secret informer's cache (watch-keys.ts), which holds only Secrets of that type in the credentials namespaces;
 * never logged. A missing Secret or key is a result to report (HostConnections turns it into a
 * HostCredentialsError), not a throw. A key that is there but cannot be read (SshCredentialsError: wrong passphrase,
 * unsupported format, found before the host is contacted) is the Secret's problem too: `asSecretProblem`.
 */
import type { V1Secret } from '@kubernetes/client-node';
import { HOST_REASONS } from '../api/v1alpha1/condition.js';
import type { NamespacedObjectReference } from '../api/v1alpha1/meta.js';
import { HostCredentialsError, type CredentialsReason } from '../errors/host-errors.js';
import { SshCredentialsError } from '../errors/ssh-errors.js';
import { SSH_AUTH_SECRET_TYPE } from './watch-keys.js';
export const PRIVATE_KEY_FIELD = 'ssh-privatekey';
export const PASSPHRASE_FIELD = 'passphrase';

/** Where Secrets are looked up: an informer's ObjectStore, or any map of them in tests. */
export interface SecretLookup {
  get(namespace: string | undefined, name: string): V1Secret | undefined;
}

export interface SshCredentials {
  privateKey: string;
  passphrase?: string;
}

export type CredentialsResult =
  | { found: true; credentials: SshCredentials }
  | { found: false; reason: CredentialsReason; message: string };

/** `credentialsNamespaces`: where Secrets are watched (controller config); empty = all namespaces. */
export function readCredentials(secrets: SecretLookup, ref: NamespacedObjectReference, credentialsNamespaces: readonly string[] = []): CredentialsResult {
  if (credentialsNamespaces.length > 0 && !credentialsNamespaces.includes(ref.namespace)) {
    const message = `Secret ${ref.namespace}/${ref.name} is not readable: namespace ${ref.namespace} is not one of the credentialsNamespaces (${credentialsNamespaces.join(', ')})`;
    return { found: false, reason: HOST_REASONS.CredentialsNotFound, message };
  }
  const secret = secrets.get(ref.namespace, ref.name);
  if (secret === undefined) {
    return { found: false, reason: HOST_REASONS.CredentialsNotFound, message: `Secret ${ref.namespace}/${ref.name} of type ${SSH_AUTH_SECRET_TYPE} not found` };
  }
  const privateKey = decodeField(secret, PRIVATE_KEY_FIELD);
  if (privateKey === undefined || privateKey.trim() === '') {
    return { found: false, reason: HOST_REASONS.CredentialsInvalid, message: `Secret ${ref.namespace}/${ref.name} has no '${PRIVATE_KEY_FIELD}' key` };
  }
  const passphrase = decodeField(secret, PASSPHRASE_FIELD);
  return { found: true, credentials: passphrase === undefined ? { privateKey } : { privateKey, passphrase } };
}

/** A Secret's `data` values are base64; `stringData` exists only in requests, never in stored objects. */
function decodeField(secret: V1Secret, field: string): string | undefined {
  const encoded = secret.data?.[field];
  return encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8');
}

/**
 * An SshCredentialsError as a HostCredentialsError (reason CredentialsInvalid) naming the Secret the key came
 * from: `Secret ns/name: <detail>`. Any other error is returned as it is.
 */
export function asSecretProblem(hostName: string, ref: NamespacedObjectReference, error: unknown): unknown {
  if (!(error instanceof SshCredentialsError)) return error;
  return new HostCredentialsError(hostName, HOST_REASONS.CredentialsInvalid, ref, `Secret ${ref.namespace}/${ref.name}: ${error.detail}`, { cause: error });
}
