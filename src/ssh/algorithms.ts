/**
 * [REQ-05] Translates the allowlists of ssh_config.yaml into ssh2's `algorithms` option. ssh2 uses exactly the
 * lists it is given, so a server that offers none of them fails the handshake ("no matching ..."), which
 * ssh-connection.ts turns into an SshAlgorithmError. AEAD ciphers carry their own integrity, so no MAC is
 * negotiated for them; the hmac list only matters if a non-AEAD cipher were ever allowed.
 */
import type { Algorithms } from 'ssh2';
import type { SshConfig } from '../config/types.js';

export function toSsh2Algorithms(allow: SshConfig['algorithms']): Algorithms {
  return {
    cipher: allow.ciphers as Algorithms['cipher'],
    kex: allow.kex as Algorithms['kex'],
    serverHostKey: allow.serverHostKey as Algorithms['serverHostKey'],
    hmac: allow.hmac as Algorithms['hmac'],
    compress: ['none'],
  };
}

/** Negotiated algorithms as reported by ssh2's 'handshake' event. */
export interface NegotiatedAlgorithms {
  kex: string;
  serverHostKey: string;
  cipher: string;
}
