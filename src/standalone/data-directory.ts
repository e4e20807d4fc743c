/**
 * [REQ-01][REQ-05] Standalone mode's data directory (mode 0700): the CA and its key, the serving certificate,
 * the bearer token, the SQLite database (its WAL inherits the mode) and the kubeconfig, each secret file
 * 0600. The CA and token are generated once and kept, so kubeconfigs stay valid across restarts; the serving
 * certificate is renewed (by the same CA) when it does not cover the listen address or expires within 30 days.
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { createCertificateAuthority, createServerCertificates, type ServerCertificates } from '../apiserver/tls.js';

const CA_VALIDITY_DAYS = 3650;
const SERVER_VALIDITY_DAYS = 365;
const RENEW_BEFORE_MS = 30 * 24 * 3600_000;

export interface DataDirectory {
  path: string;
  certificates: ServerCertificates;
  token: string;
  databasePath: string;
  kubeconfigPath: string;
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function writeSecret(path: string, content: string): Promise<void> {
  await writeFile(path, content, { mode: 0o600 });
  await chmod(path, 0o600);
}

function covers(certPem: string, host: string): boolean {
  const cert = new X509Certificate(certPem);
  if (new Date(cert.validTo).getTime() - Date.now() < RENEW_BEFORE_MS) return false;
  return isIP(host) !== 0 ? cert.checkIP(host) !== undefined : cert.checkHost(host) !== undefined;
}

/** Creates what is missing in `path` and returns what the API server needs from it. */
export async function openDataDirectory(path: string, host: string): Promise<DataDirectory> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  await chmod(path, 0o700);
  const files = { ca: join(path, 'ca.crt'), caKey: join(path, 'ca.key'), cert: join(path, 'server.crt'), key: join(path, 'server.key'), token: join(path, 'token') };
  let caPem = await readOptional(files.ca);
  let caKeyPem = await readOptional(files.caKey);
  if (caPem === undefined || caKeyPem === undefined) {
    ({ caPem, caKeyPem } = await createCertificateAuthority(CA_VALIDITY_DAYS));
    await writeSecret(files.caKey, caKeyPem);
    await writeFile(files.ca, caPem, { mode: 0o644 });
  }
  let certPem = await readOptional(files.cert);
  let keyPem = await readOptional(files.key);
  if (certPem === undefined || keyPem === undefined || !covers(certPem, host)) {
    ({ certPem, keyPem } = await createServerCertificates({ ca: { caPem, caKeyPem }, hosts: [host], validityDays: SERVER_VALIDITY_DAYS }));
    await writeSecret(files.key, keyPem);
    await writeFile(files.cert, certPem, { mode: 0o644 });
  }
  let token = (await readOptional(files.token))?.trim();
  if (token === undefined || token === '') {
    token = randomBytes(32).toString('hex');
    await writeSecret(files.token, `${token}\n`);
  }
  const databasePath = join(path, 'state.db');
  await writeFile(databasePath, '', { flag: 'a', mode: 0o600 });
  await chmod(databasePath, 0o600);
  return { path, certificates: { caPem, certPem, keyPem }, token, databasePath, kubeconfigPath: join(path, 'kubeconfig') };
}
