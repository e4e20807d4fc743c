/** [REQ-02] Everything needed to reach one host: where, as whom, with which key, and which host keys to trust. */
import type { PinnedHostKeys } from '../security/host-key-policy.js';

export interface SshTarget {
  /** Name used in logs, audit records and metrics (the Host resource's name). */
  host: string;
  address: string;
  port: number;
  user: string;
  /** OpenSSH or PEM private key (ed25519, ecdsa or rsa). Never logged. */
  privateKey: string | Buffer;
  passphrase?: string;
  /** The pinned host keys, parsed once at the edge (pinHostKeys); nothing is auto-accepted. */
  hostKeys: PinnedHostKeys;
}

/** True when two targets would open the same kind of connection (a changed key or address needs a new one). */
export function sameTarget(a: SshTarget, b: SshTarget): boolean {
  return (
    a.host === b.host &&
    a.address === b.address &&
    a.port === b.port &&
    a.user === b.user &&
    a.passphrase === b.passphrase &&
    String(a.privateKey) === String(b.privateKey) &&
    a.hostKeys.fingerprints.size === b.hostKeys.fingerprints.size &&
    [...a.hostKeys.fingerprints].every((fingerprint) => b.hostKeys.fingerprints.has(fingerprint))
  );
}
