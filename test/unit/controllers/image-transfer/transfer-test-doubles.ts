/**
 * [REQ-01][REQ-04] Test doubles for the ImageTransfer controller's unit tests: an in-memory ImageTransfer API
 * counting mutating calls (resourceVersion checks, deletion held by finalizers), an engine job driven by the test,
 * hosts whose commands are recorded, and an Event recorder. No network.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { BehaviorSubject } from 'rxjs';
import type { Host } from '../../../../src/api/v1alpha1/host.js';
import type { TransferConfig } from '../../../../src/config/types.js';
import type { ImageTransfer, ImageTransferSpec } from '../../../../src/api/v1alpha1/image-transfer.js';
import { IMAGE_TRANSFER_RESOURCE } from '../../../../src/hosts/watch-keys.js';
import type { TransferEventSink } from '../../../../src/controllers/image-transfer/transfer-events.js';
import type { TransferHostAccess } from '../../../../src/controllers/image-transfer/transfer-hosts.js';
import type { TransferJob } from '../../../../src/transfer/transfer-job.js';
import type { DestinationProgress, TransferProgress } from '../../../../src/transfer/transfer-progress.js';
import { overallBytes, overallPhase } from '../../../../src/transfer/transfer-progress.js';
import type { TransferHost, TransferPlan, TransferVolumeStorage } from '../../../../src/transfer/transfer-plan.js';
import type { ExecResult } from '../../../../src/ssh/remote-process.js';
import { LibvirtError, LibvirtErrorCode } from '../../../../src/libvirt/libvirt-error.js';
import type { StoragePoolRef } from '../../../../src/libvirt/rpc/remote-types.js';
import { InMemoryResources } from '../../support/in-memory-resources.js';

export const DIGEST_HEX = 'ab'.repeat(32);

export const transferConfig: TransferConfig = {
  chunkSizeBytes: 8 * 2 ** 20, parallelStreams: 1, concurrency: { perHost: 2, global: 8 }, bandwidthLimitBytesPerSecond: 0, resume: true,
  inactivityTimeoutSeconds: 120, cacheDir: '/cache', allowedUrlSchemes: ['https', 'http'],
};

export function transferObject(name: string, spec: Partial<ImageTransferSpec> = {}): ImageTransfer {
  return {
    apiVersion: 'virtfleet.io/v1alpha1', kind: 'ImageTransfer',
    metadata: { namespace: 'apps', name, uid: `uid-${name}`, generation: 1 },
    spec: { source: { url: { url: 'https://images.example.test/disk.raw' } }, digest: `sha256:${DIGEST_HEX}`, destinations: [{ host: 'hv1' }, { host: 'hv2' }], ...spec },
  };
}

export function hostObject(name: string, labels: Record<string, string> = {}, imageCacheDir?: string): Host {
  return {
    metadata: { name, labels },
    spec: { address: '192.0.2.1', user: 'root', credentialsSecretRef: { namespace: 'virtfleet-system', name: 'ssh' }, hostKeys: ['SHA256:x'], ...(imageCacheDir ? { imageCacheDir } : {}) },
  };
}

export class InMemoryTransfers extends InMemoryResources<ImageTransfer> {
  constructor() {
    super(IMAGE_TRANSFER_RESOURCE);
  }
}

/** An engine job the test drives: `update` publishes progress, `finish` settles `done`. */
export class FakeJob implements TransferJob {
  readonly subject: BehaviorSubject<TransferProgress>;
  readonly done: Promise<TransferProgress>;
  cancelled = false;
  stopped = false;
  private settle!: (progress: TransferProgress) => void;

  constructor(readonly plan: TransferPlan) {
    const destinations = plan.destinations.map((d): DestinationProgress => ({
      host: d.host.name, path: d.path, phase: 'Pending', bytesTransferred: 0, bytesSent: 0, attempts: 0, resumedFromBytes: 0, verified: false, alreadyPresent: false,
    }));
    this.subject = new BehaviorSubject<TransferProgress>({ phase: 'Pending', bytesTotal: 0, bytesTransferred: 0, destinations, source: { bytesRead: 0, rangedReads: 0 } });
    this.done = new Promise((resolve) => (this.settle = resolve));
  }

  get progress$() {
    return this.subject.asObservable();
  }

  get progress(): TransferProgress {
    return this.subject.getValue();
  }

  /** Publishes progress with each destination changed by `change`. */
  update(bytesTotal: number, change: (d: DestinationProgress) => Partial<DestinationProgress>): void {
    const destinations = this.progress.destinations.map((d) => ({ ...d, ...change(d) }));
    const progress = { phase: overallPhase(destinations), bytesTotal, bytesTransferred: overallBytes(destinations), destinations, source: this.progress.source };
    this.subject.next(progress);
    if (progress.phase === 'Succeeded' || progress.phase === 'Failed') this.settle(progress);
  }

  async cancel(): Promise<void> {
    this.cancelled = true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
  }
}

/** Hosts whose commands are recorded and answer exit 0 (or throw when `unreachable`). */
export class FakeTransferHosts implements TransferHostAccess {
  readonly commands: string[] = [];
  readonly unreachable = new Set<string>();

  host(name: string): TransferHost {
    const exec = async (argv: readonly string[]): Promise<ExecResult> => {
      if (this.unreachable.has(name)) throw Object.assign(new Error(`${name} unreachable`), { name: 'SshConnectError' });
      this.commands.push(`${name}: ${argv.join(' ')}`);
      return { code: 0, stdout: '', stderr: '' };
    };
    return { name, session: { exec, spawn: async () => { throw new Error('spawn not used'); } } };
  }

  /** Storage pools by `<host>/<pool>`: their libvirt description. */
  readonly pools = new Map<string, string>();

  storage(name: string): TransferVolumeStorage {
    const unused = async (): Promise<never> => { throw new Error(`${name}: libvirt storage not used by the controller's own steps`); };
    const lookupPoolByName = async (pool: string): Promise<StoragePoolRef> => {
      if (!this.pools.has(`${name}/${pool}`)) throw new LibvirtError('StoragePoolLookupByName', { code: LibvirtErrorCode.NoStoragePool, domain: 18, message: `no pool ${pool}`, level: 2 });
      return { name: pool, uuid: `uuid-${pool}` };
    };
    const poolXml = async (pool: StoragePoolRef): Promise<string> => this.pools.get(`${name}/${pool.name}`)!;
    return { lookupPoolByName, poolXml, lookupVolumeByName: unused, volumePath: unused, refreshPool: unused };
  }
}

export class RecordingEvents implements TransferEventSink {
  readonly events: string[] = [];

  async event(_object: KubernetesObject, type: 'Normal' | 'Warning', reason: string): Promise<void> {
    this.events.push(`${type} ${reason}`);
  }
}
