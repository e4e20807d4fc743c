/**
 * [REQ-04] What the transfer engine is asked to do: one source, the destinations (a host and a final path on
 * it), the expected SHA-256 and the limits. No Kubernetes types: the ImageTransfer controller builds a plan from a
 * resource, a test or a benchmark builds one by hand.
 */
import type { AuditResourceRef } from '../security/audit-record.js';
import type { StorageOperations } from '../libvirt/operations/storage-operations.js';
import type { HostSession } from '../ssh/host-session.js';
import { SchemeNotAllowedError } from './transfer-errors.js';

/** The part of a host's SSH session the engine uses. */
export type TransferHostSession = Pick<HostSession, 'exec' | 'spawn'>;

export interface TransferHost {
  /** Host name (the Host resource's name), used in audit records and progress. */
  name: string;
  session: TransferHostSession;
}

/**
 * The libvirt calls a volume source or a pool destination needs (the host's LibvirtClient.storage): look up a
 * volume's path, read a pool's description (its directory), and refresh a pool so it lists a file written into it.
 */
export type TransferVolumeStorage = Pick<StorageOperations, 'lookupPoolByName' | 'lookupVolumeByName' | 'volumePath' | 'poolXml' | 'refreshPool'>;

export type TransferSource =
  | { kind: 'url'; url: string; headers?: Readonly<Record<string, string>> }
  | { kind: 'host'; host: TransferHost; path: string }
  | { kind: 'volume'; host: TransferHost; storage: TransferVolumeStorage; pool: string; name: string };

export type ImageFormat = 'raw' | 'qcow2';

export interface TransferDestination {
  host: TransferHost;
  /** Absolute final path; `<path>.part` and `<path>.part.manifest` are staged beside it. */
  path: string;
  /** A cache path is named by its digest: a file already there is the image, with no further check. */
  cache?: boolean;
  /** The path is a volume in this libvirt storage pool: the pool is refreshed once the file is in place, so libvirt lists it. */
  pool?: { name: string; storage: TransferVolumeStorage };
}

export interface TransferLimits {
  chunkSizeBytes: number;
  /** Bytes per second per destination; 0 = unlimited. */
  bandwidthLimitBytesPerSecond: number;
  /** A destination that makes no progress for this long is dropped from the attempt and retried. */
  inactivityTimeoutMs: number;
  /** Attempts per destination before a retryable failure becomes final. */
  maxAttempts: number;
}

export interface TransferPlan {
  source: TransferSource;
  destinations: TransferDestination[];
  /**
   * Lowercase hex SHA-256 of the source's bytes. Unset for a host or volume source only: the engine computes it on
   * the source host first (source-digest.ts).
   */
  sha256?: string;
  limits: TransferLimits;
  /**
   * The format the destination files must have; when the source's (probed by qemu-img on the destination) differs,
   * the verified file is converted with `qemu-img convert` on the host. The digest stays the source's. Unset: as is.
   */
  format?: ImageFormat;
  /** What audit records name as the resource the files are written for. */
  resource?: AuditResourceRef;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** `<cacheDir>/sha256-<hex>`: where an image goes on a host when the destination names no pool or path. */
export function cachePath(cacheDir: string, sha256: string): string {
  return `${cacheDir.replace(/\/+$/, '')}/sha256-${sha256}`;
}

/** `sha256:<hex>` to `<hex>`; throws a TypeError naming the expected form. */
export function parseDigest(digest: string): string {
  const hex = digest.startsWith('sha256:') ? digest.slice('sha256:'.length) : '';
  if (!SHA256_HEX.test(hex)) throw new TypeError(`digest "${digest}" is not of the form sha256:<64 lowercase hex digits>`);
  return hex;
}

/** Throws SchemeNotAllowedError for a URL whose scheme is not allowed, TypeError for a malformed one. */
export function checkSourceAllowed(source: TransferSource, allowedSchemes: readonly string[]): void {
  if (source.kind !== 'url') return;
  const scheme = new URL(source.url).protocol.replace(/:$/, '');
  if (!allowedSchemes.includes(scheme) || !['http', 'https'].includes(scheme)) throw new SchemeNotAllowedError(scheme, allowedSchemes);
}

/** Where a final path's staged file and manifest live. */
export function stagingPaths(finalPath: string): { part: string; manifest: string } {
  return { part: `${finalPath}.part`, manifest: `${finalPath}.part.manifest` };
}

export function describeSource(source: TransferSource): string {
  if (source.kind === 'url') return redactUrl(source.url);
  return source.kind === 'host' ? `${source.host.name}:${source.path}` : `${source.host.name}:volume ${source.pool}/${source.name}`;
}

/** A URL without user info or query (either may carry a token). */
function redactUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}
