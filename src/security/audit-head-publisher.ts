/**
 * [REQ-05] Anchors the audit chain outside the file: every `intervalMs`, and once more on `stop()`, writes the
 * audit log's chain head into the annotations of a ConfigMap (names and format in audit-head.ts), creating the
 * ConfigMap when it does not exist. It writes only when the head moved since this process last published it
 * (or since the file was opened), so a standby replica, which audits nothing, never overwrites the leader's
 * head. A failed write is logged and retried at the next tick; it never stops the operator, and the final write
 * on shutdown is given up after STOP_TIMEOUT_MS.
 */
import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { isNotFound } from '../controller/api-errors.js';
import { systemClock, type Clock, type TimerHandle } from '../time/clock.js';
import { silentLogger, type RuntimeLogger } from '../controller/runtime-logger.js';
import type { ControllerConfig } from '../config/types.js';
import type { ChainHead } from './audit-file.js';
import { FILE_ANNOTATION, HEAD_ANNOTATION, PUBLISHED_ANNOTATION, WRITER_ANNOTATION, formatChainHead, headConfigMapName } from './audit-head.js';
import type { AuditLog } from './audit-log.js';

const mergePatchOptions = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** How often a moved head is published while running. */
export const AUDIT_HEAD_PUBLISH_INTERVAL_MS = 30_000;
/** How long stop() waits for the final write. */
export const STOP_TIMEOUT_MS = 5_000;

export interface AuditHeadPublisherOptions {
  api: Pick<CoreV1Api, 'patchNamespacedConfigMap' | 'createNamespacedConfigMap'>;
  namespace: string;
  name: string;
  /** This replica's identity, recorded as the writer. */
  identity: string;
  /** The audit file the head belongs to. */
  file: string;
  /** The current head, e.g. `() => audit.chainHead`. */
  head: () => ChainHead;
  intervalMs: number;
  clock?: Clock;
  logger?: RuntimeLogger;
}

export class AuditHeadPublisher {
  private readonly clock: Clock;
  private readonly logger: RuntimeLogger;
  private published: string;
  private timer: TimerHandle | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: AuditHeadPublisherOptions) {
    this.clock = options.clock ?? systemClock;
    this.logger = (options.logger ?? silentLogger).child({ configMap: `${options.namespace}/${options.name}` });
    this.published = formatChainHead(options.head());
  }

  start(): void {
    if (this.timer !== undefined || this.stopped) return;
    this.schedule();
  }

  /**
   * Stops the timer and publishes the final head (after a write already under way), giving up after
   * STOP_TIMEOUT_MS so that an unreachable API server cannot hold up shutdown.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    let deadline: TimerHandle | undefined;
    const timedOut = new Promise<void>((resolve) => {
      deadline = this.clock.setTimeout(() => {
        this.logger.warn('audit chain head not published at shutdown: the API server did not answer in time', { timeoutMs: STOP_TIMEOUT_MS });
        resolve();
      }, STOP_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.inFlight.then(() => this.publishIfMoved()), timedOut]);
    } finally {
      deadline?.cancel();
    }
  }

  private schedule(): void {
    this.timer = this.clock.setTimeout(() => {
      this.inFlight = this.publishIfMoved().finally(() => {
        if (!this.stopped) this.schedule();
      });
    }, this.options.intervalMs);
  }

  /** Writes the head when it differs from the last one published; logs and keeps going on failure. */
  private async publishIfMoved(): Promise<void> {
    const head = formatChainHead(this.options.head());
    if (head === this.published) return;
    try {
      await this.write(head);
      this.published = head;
    } catch (error) {
      this.logger.warn('audit chain head not published', { head, error: error instanceof Error ? error.message : String(error) });
    }
  }

  private async write(head: string): Promise<void> {
    const { api, namespace, name } = this.options;
    const annotations = {
      [HEAD_ANNOTATION]: head,
      [WRITER_ANNOTATION]: this.options.identity,
      [FILE_ANNOTATION]: this.options.file,
      [PUBLISHED_ANNOTATION]: new Date(this.clock.now()).toISOString(),
    };
    try {
      await api.patchNamespacedConfigMap({ namespace, name, body: { metadata: { annotations } } }, mergePatchOptions);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await api.createNamespacedConfigMap({ namespace, body: { metadata: { name, namespace, annotations } } });
    }
  }
}

/**
 * The publisher for the operator's audit log: the file sink's head goes to `<leaseName>-audit-head` in the
 * leader-election namespace; undefined for the stdout sink, whose chain starts anew in every process.
 */
export function auditHeadPublisherFor(
  config: ControllerConfig,
  wiring: { kubeConfig: KubeConfig; audit: AuditLog; identity: string; logger?: RuntimeLogger },
): AuditHeadPublisher | undefined {
  if (config.audit.sink !== 'file') return undefined;
  const { audit } = wiring;
  return new AuditHeadPublisher({
    api: wiring.kubeConfig.makeApiClient(CoreV1Api),
    namespace: config.leaderElection.leaseNamespace,
    name: headConfigMapName(config.leaderElection.leaseName),
    identity: wiring.identity,
    file: config.audit.path,
    head: () => audit.chainHead,
    intervalMs: AUDIT_HEAD_PUBLISH_INTERVAL_MS,
    ...(wiring.logger === undefined ? {} : { logger: wiring.logger }),
  });
}
