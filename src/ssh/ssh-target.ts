/** [REQ-02] Everything needed to reach one host: where, as whom, with which key, and which host keys to trust. */
export interface SshTarget {
  /** Name used in logs, audit records and metrics (the Host resource's name). */
  host: string;
  address: string;
  port: number;
  user: string;
  /** OpenSSH or PEM private key (ed25519, ecdsa or rsa). Never logged. */
  privateKey: string | Buffer;
  passphrase?: string;
  /** Pinned OpenSSH public-key lines or SHA256: fingerprints. Required; nothing is auto-accepted. */
  hostKeys: readonly string[];
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
    a.hostKeys.length === b.hostKeys.length &&
    a.hostKeys.every((k, i) => k === b.hostKeys[i])
  );
}
