/**
 * [REQ-01][REQ-05] The API server's certificate authority and serving certificate (EC P-256, SHA-256, via
 * `selfsigned`): a CA kept by its owner, and a server certificate it signs for the listen address, 127.0.0.1
 * and localhost.
 */
import { isIP } from 'node:net';
import { generate } from 'selfsigned';

export interface CertificateAuthority {
  caPem: string;
  caKeyPem: string;
}

export interface ServerCertificates {
  caPem: string;
  certPem: string;
  keyPem: string;
}

export interface CertificateOptions {
  /** Sign with this CA instead of a new one. */
  ca?: CertificateAuthority;
  /** Extra names or addresses the server certificate is valid for. */
  hosts?: string[];
  /** Validity of the server certificate (default 7 days; a new CA gets ten times as long). */
  validityDays?: number;
}

const DAY_MS = 24 * 3600_000;

export async function createCertificateAuthority(validityDays: number): Promise<CertificateAuthority> {
  const ca = await generate([{ name: 'commonName', value: 'virtfleet-apiserver-ca' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: new Date(Date.now() - 60_000),
    notAfterDate: new Date(Date.now() + validityDays * DAY_MS),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  return { caPem: ca.cert, caKeyPem: ca.private };
}

export async function createServerCertificates(options: CertificateOptions = {}): Promise<ServerCertificates & CertificateAuthority> {
  const validityDays = options.validityDays ?? 7;
  const ca = options.ca ?? (await createCertificateAuthority(validityDays * 10));
  const names = [...new Set(['127.0.0.1', 'localhost', ...(options.hosts ?? [])])];
  const altNames = names.map((name) => (isIP(name) !== 0 ? { type: 7 as const, ip: name } : { type: 2 as const, value: name }));
  const server = await generate([{ name: 'commonName', value: 'virtfleet-apiserver' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: new Date(Date.now() - 60_000),
    notAfterDate: new Date(Date.now() + validityDays * DAY_MS),
    ca: { key: ca.caKeyPem, cert: ca.caPem },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  return { ...ca, certPem: server.cert, keyPem: server.private };
}
