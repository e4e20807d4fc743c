/**
 * [REQ-05] Pinned host keys. A host is trusted only when the key it presents during key exchange matches one of
 * its pinned entries: an OpenSSH public-key line (`ssh-ed25519 AAAA... comment`) or a fingerprint
 * (`SHA256:<base64 without padding>`, as `ssh-keygen -lf` prints). There is no "accept on first use".
 */
import { createHash } from 'node:crypto';

export interface PinnedHostKeys {
  readonly fingerprints: ReadonlySet<string>;
}

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;
const KEY_LINE = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(?:256|384|521)|sk-[a-z0-9@.-]+)\s+([A-Za-z0-9+/]+={0,2})(?:\s.*)?$/;

/** SHA-256 fingerprint of a raw SSH public key blob, in OpenSSH's notation. */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** Parses pinned entries; a malformed entry throws a TypeError naming its index, so a typo never widens trust. */
export function pinHostKeys(entries: readonly string[]): PinnedHostKeys {
  if (entries.length === 0) throw new TypeError('hostKeys: at least one pinned host key is required');
  const fingerprints = new Set<string>();
  entries.forEach((raw, index) => {
    const entry = raw.trim();
    if (FINGERPRINT.test(entry)) {
      fingerprints.add(entry);
      return;
    }
    const line = KEY_LINE.exec(entry);
    if (!line?.[2]) {
      throw new TypeError(`hostKeys[${index}]: expected an OpenSSH public key line or a SHA256: fingerprint`);
    }
    fingerprints.add(fingerprintOf(Buffer.from(line[2], 'base64')));
  });
  return { fingerprints };
}

export function isPinned(pins: PinnedHostKeys, keyBlob: Buffer): boolean {
  return pins.fingerprints.has(fingerprintOf(keyBlob));
}
