/**
 * [REQ-01][REQ-04] Step "plan": an ImageTransfer's spec, the Host cache and transfer_config become the engine's
 * TransferPlan. Destinations are `spec.destinations` or every Host matching `spec.hostSelector` (once a transfer has
 * started, the Hosts its status names, so a restart resumes the same set); a destination without a path goes to
 * the Host's image cache, `<imageCacheDir>/sha256-<hex>`. Headers come from the `headersSecretRef` Secret, the URL
 * scheme is checked against transfer_config `allowedUrlSchemes`.
 *
 * Outcomes: a plan; `waiting` (a Host or the headers Secret does not exist, named in the message: the transfer stays
 * Pending, re-checked on a Host change and periodically); or a terminal OperatorError (InvalidSpecError, SchemeNotAllowedError) for a spec
 * this operator cannot carry out. A destination `pool` is a volume named after the ImageTransfer in that libvirt
 * pool's directory (a pool that does not exist waits, named; one whose volumes are not files is refused). Refused
 * by name: a URL source without `digest` (a host or volume source without one has it computed on its host by the
 * engine, and then every destination needs a path), and `format` with a destination in the image cache (a cache
 * file is named by the source's digest, so it must hold the source's bytes; conversion, qemu-img on the
 * destination, is for destinations with a path).
 */
import { IMAGE_TRANSFER_REASONS } from '../../api/v1alpha1/condition.js';
import type { Host } from '../../api/v1alpha1/host.js';
import type { ImageTransfer } from '../../api/v1alpha1/image-transfer.js';
import { matchesLabelSelector } from '../../api/v1alpha1/label-selector.js';
import { quantityToBytes } from '../../api/v1alpha1/quantity.js';
import type { TransferConfig } from '../../config/types.js';
import { InvalidSpecError } from '../../errors/invalid-spec-error.js';
import type { AuditResourceRef } from '../../security/audit-record.js';
import { cachePath, checkSourceAllowed, parseDigest, type TransferDestination, type TransferPlan, type TransferSource } from '../../transfer/transfer-plan.js';
import { isLibvirtNotFound } from '../../libvirt/libvirt-error.js';
import { parsePoolXml } from '../../libvirt/storage-xml.js';
import type { TransferHostAccess } from './transfer-hosts.js';

/** Attempts per destination for retryable failures: unreachable hosts and stalls are retried (with the engine's capped backoff) until they recover or the transfer is deleted. */
export const RETRY_ATTEMPTS = 1_000_000;

export interface PlanInputs {
  hosts: { get(namespace: undefined, name: string): Host | undefined; list(): Host[] };
  access: TransferHostAccess;
  config: TransferConfig;
  /** Reads a Secret's data in the transfer's namespace (undefined when it does not exist). */
  readSecret: (namespace: string, name: string) => Promise<Record<string, string> | undefined>;
}

export type PlanOutcome =
  | { kind: 'plan'; plan: TransferPlan }
  | { kind: 'waiting'; reason: string; message: string };

export function auditRef(transfer: ImageTransfer): AuditResourceRef {
  const { namespace, name = '', uid, generation } = transfer.metadata ?? {};
  return { kind: 'ImageTransfer', name, ...(namespace === undefined ? {} : { namespace }), ...(uid === undefined ? {} : { uid }), ...(generation === undefined ? {} : { generation }) };
}

/** Where a destination goes: its path; for a pool destination, the pool (its path is found through libvirt, resolvePools). */
interface DestinationTarget {
  host: string;
  path: string;
  cache: boolean;
  pool?: string;
}

/** The destination Host names and paths, without touching any host (pool destinations get their path later). */
function destinationTargets(transfer: ImageTransfer, inputs: Pick<PlanInputs, 'hosts' | 'config'>, sha256: string | undefined): DestinationTarget[] {
  const { spec } = transfer;
  const started = transfer.status?.destinations?.filter((d) => d.path !== undefined);
  if (spec.hostSelector !== undefined && started !== undefined && started.length > 0) {
    return started.map((d) => ({ host: d.host, path: d.path ?? '', cache: true }));
  }
  const listed: ReadonlyArray<{ host: string; pool?: string; path?: string }> = spec.destinations ?? inputs.hosts.list()
    .filter((host) => matchesLabelSelector(spec.hostSelector ?? {}, host.metadata?.labels))
    .map((host) => ({ host: host.metadata?.name ?? '' }));
  return listed.map((destination, index) => {
    if (destination.pool !== undefined) return { host: destination.host, path: '', cache: false, pool: destination.pool };
    if (destination.path !== undefined) return { host: destination.host, path: destination.path, cache: false };
    if (sha256 === undefined) {
      const field = spec.destinations === undefined ? 'spec.hostSelector' : `spec.destinations[${index}]`;
      throw new InvalidSpecError(field, 'without spec.digest every destination needs a path: a file in the image cache is named by its digest');
    }
    const cacheDir = inputs.hosts.get(undefined, destination.host)?.spec.imageCacheDir ?? inputs.config.cacheDir;
    return { host: destination.host, path: cachePath(cacheDir, sha256), cache: true };
  });
}

export async function planTransfer(transfer: ImageTransfer, inputs: PlanInputs): Promise<PlanOutcome> {
  const { spec } = transfer;
  if (spec.digest === undefined && spec.source.url !== undefined) throw new InvalidSpecError('spec.digest', 'a digest (sha256:<hex>) is required for a URL source');
  let sha256: string | undefined;
  try {
    sha256 = spec.digest === undefined ? undefined : parseDigest(spec.digest);
  } catch (error) {
    throw new InvalidSpecError('spec.digest', (error as Error).message, { cause: error });
  }
  const source = await planSource(transfer, inputs);
  if ('reason' in source) return source;
  checkSourceAllowed(source, inputs.config.allowedUrlSchemes);
  const targets = destinationTargets(transfer, inputs, sha256);
  if (targets.length === 0) return { kind: 'waiting', reason: IMAGE_TRANSFER_REASONS.HostNotFound, message: 'no Host matches spec.hostSelector' };
  const missing = targets.filter((target) => inputs.hosts.get(undefined, target.host) === undefined).map((target) => target.host);
  if (missing.length > 0) return { kind: 'waiting', reason: IMAGE_TRANSFER_REASONS.HostNotFound, message: `destination Host ${missing.join(', ')} does not exist` };
  if (spec.format !== undefined && targets.some((target) => target.cache)) {
    throw new InvalidSpecError('spec.format', 'format conversion needs a path on every destination: the image cache keeps the source\'s bytes under its digest');
  }
  const resolved = await resolvePools(transfer, targets, inputs);
  if (!Array.isArray(resolved)) return resolved;
  const destinations: TransferDestination[] = resolved.map((target) => ({
    host: inputs.access.host(target.host), path: target.path, cache: target.cache,
    ...(target.pool === undefined ? {} : { pool: { name: target.pool, storage: inputs.access.storage(target.host) } }),
  }));
  const bandwidth = spec.bandwidthLimit === undefined ? inputs.config.bandwidthLimitBytesPerSecond : quantityToBytes('spec.bandwidthLimit', spec.bandwidthLimit);
  const plan: TransferPlan = {
    source,
    destinations,
    ...(sha256 === undefined ? {} : { sha256 }),
    limits: {
      chunkSizeBytes: inputs.config.chunkSizeBytes,
      bandwidthLimitBytesPerSecond: bandwidth,
      inactivityTimeoutMs: (spec.inactivityTimeoutSeconds ?? inputs.config.inactivityTimeoutSeconds) * 1000,
      maxAttempts: RETRY_ATTEMPTS,
    },
    ...(spec.format === undefined ? {} : { format: spec.format }),
    resource: auditRef(transfer),
  };
  return { kind: 'plan', plan };
}

type Waiting = PlanOutcome & { kind: 'waiting' };

/** Pool types whose volumes are files in the pool's target directory. */
const FILE_POOL_TYPES = new Set(['dir', 'fs', 'netfs']);

/**
 * The targets with the path of each pool destination filled in: `<pool directory>/<transfer name>` (the volume is
 * named after the ImageTransfer), read from the pool's description through the Host's libvirt connection. A pool
 * that does not exist (yet) waits, named; a pool whose volumes are not files is refused.
 */
async function resolvePools(transfer: ImageTransfer, targets: readonly DestinationTarget[], inputs: PlanInputs): Promise<DestinationTarget[] | Waiting> {
  const resolved: DestinationTarget[] = [];
  for (const [index, target] of targets.entries()) {
    if (target.pool === undefined) {
      resolved.push(target);
      continue;
    }
    const storage = inputs.access.storage(target.host);
    let xml: string;
    try {
      xml = await storage.poolXml(await storage.lookupPoolByName(target.pool));
    } catch (error) {
      if (!isLibvirtNotFound(error)) throw error;
      return { kind: 'waiting', reason: IMAGE_TRANSFER_REASONS.PoolNotFound, message: `storage pool ${target.pool} (spec.destinations[${index}].pool) does not exist on Host ${target.host}` };
    }
    const pool = parsePoolXml(xml);
    if (!FILE_POOL_TYPES.has(pool.type) || pool.targetPath === undefined) {
      throw new InvalidSpecError(`spec.destinations[${index}].pool`, `storage pool ${target.pool} on Host ${target.host} is of type ${pool.type}; only pools of files (${[...FILE_POOL_TYPES].join(', ')}) take an image`);
    }
    resolved.push({ ...target, path: `${pool.targetPath.replace(/\/+$/, '')}/${transfer.metadata?.name ?? ''}` });
  }
  return resolved;
}

async function planSource(transfer: ImageTransfer, inputs: PlanInputs): Promise<TransferSource | Waiting> {
  const { source } = transfer.spec;
  if (source.host !== undefined) {
    if (inputs.hosts.get(undefined, source.host.name) === undefined) return { kind: 'waiting', reason: IMAGE_TRANSFER_REASONS.HostNotFound, message: `source Host ${source.host.name} does not exist` };
    return { kind: 'host', host: inputs.access.host(source.host.name), path: source.host.path };
  }
  if (source.volume !== undefined) {
    const { host, pool, name } = source.volume;
    if (inputs.hosts.get(undefined, host) === undefined) return { kind: 'waiting', reason: IMAGE_TRANSFER_REASONS.HostNotFound, message: `source Host ${host} does not exist` };
    return { kind: 'volume', host: inputs.access.host(host), storage: inputs.access.storage(host), pool, name };
  }
  const url = source.url;
  if (url === undefined) throw new InvalidSpecError('spec.source', 'exactly one of url, host or volume is required');
  try {
    new URL(url.url);
  } catch {
    throw new InvalidSpecError('spec.source.url.url', `"${url.url}" is not a URL`);
  }
  if (url.headersSecretRef === undefined) return { kind: 'url', url: url.url };
  const namespace = transfer.metadata?.namespace ?? '';
  const headers = await inputs.readSecret(namespace, url.headersSecretRef.name);
  if (headers === undefined) return { kind: 'waiting', reason: IMAGE_TRANSFER_REASONS.SecretNotFound, message: `headers Secret ${namespace}/${url.headersSecretRef.name} (spec.source.url.headersSecretRef) does not exist` };
  return { kind: 'url', url: url.url, headers };
}
