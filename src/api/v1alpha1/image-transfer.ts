/** [REQ-01] ImageTransfer: copies one disk image to Hosts, resumable and verified. Mirrors crds/imagetransfers.virtfleet.io.yaml. */
import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { Condition } from './condition.js';
import type { LabelSelector, LocalObjectReference, Quantity } from './meta.js';

export const TRANSFER_PHASES = ['Pending', 'Transferring', 'Verifying', 'Succeeded', 'Failed'] as const;
export type TransferPhase = (typeof TRANSFER_PHASES)[number];

export const IMAGE_FORMATS = ['raw', 'qcow2'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

export interface UrlSource {
  url: string;
  /** Secret whose keys and values are sent as HTTP request headers. */
  headersSecretRef?: LocalObjectReference;
}

export interface HostFileSource {
  /** Host name. */
  name: string;
  /** Absolute path on that host. */
  path: string;
}

export interface VolumeSource {
  host: string;
  pool: string;
  name: string;
}

/** Exactly one of `url`, `host` or `volume`. */
export interface TransferSource {
  url?: UrlSource;
  host?: HostFileSource;
  volume?: VolumeSource;
}

/** A pool or a path, not both; neither means the host's image cache. */
export interface TransferDestination {
  host: string;
  pool?: string;
  path?: string;
}

/**
 * Immutable once created. Exactly one of `destinations` or `hostSelector`; `digest` is required for URL sources (for
 * a host or volume source it is computed on the source host, and every destination then needs a path).
 */
export interface ImageTransferSpec {
  source: TransferSource;
  /** `sha256:<64 hex>`. */
  digest?: string;
  destinations?: TransferDestination[];
  hostSelector?: LabelSelector;
  /** Unset keeps the source format. */
  format?: ImageFormat;
  /** Bytes per second per destination; unset means the transfer config's limit. */
  bandwidthLimit?: Quantity;
  /** Unset means the transfer config's value. */
  inactivityTimeoutSeconds?: number;
}

export interface DestinationStatus {
  host: string;
  phase?: TransferPhase;
  bytesTransferred?: number;
  /** Bytes sent over SSH to this host, over all attempts (holes and cache hits send nothing). */
  bytesSent?: number;
  attempts?: number;
  resumedFromBytes?: number;
  verified?: boolean;
  path?: string;
  /** Reason of the last failure (e.g. Stalled, SourceNotFound, DigestMismatch). */
  reason?: string;
  message?: string;
}

export interface ImageTransferStatus {
  phase?: TransferPhase;
  bytesTotal?: number;
  bytesTransferred?: number;
  /** e.g. "42%". */
  progress?: string;
  /** e.g. "112MiB/s". */
  rate?: string;
  /** Duration left, e.g. "1m30s". */
  eta?: string;
  destinations?: DestinationStatus[];
  /** `sha256:<hex>` of a host or volume source, computed on its host, when spec.digest is unset. */
  sourceDigest?: string;
  /** Types in IMAGE_TRANSFER_CONDITIONS. */
  conditions?: Condition[];
  startTime?: string;
  completionTime?: string;
  observedGeneration?: number;
}

export interface ImageTransfer {
  apiVersion?: string;
  kind?: string;
  metadata?: V1ObjectMeta;
  spec: ImageTransferSpec;
  status?: ImageTransferStatus;
}
