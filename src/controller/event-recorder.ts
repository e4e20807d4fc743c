/**
 * [REQ-01] Records core/v1 Events on the object a reconciler works on. Repeats fold into one Event (count,
 * lastTimestamp) through the EventCorrelator; writes are sequential so concurrent repeats fold too. Recording is
 * best effort, as in client-go: a failed write is logged, never thrown into the reconcile. Messages are truncated.
 */
import { CoreV1Api, PatchStrategy, setHeaderOptions, type CoreV1Event, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { truncateMessage } from '../errors/truncate-message.js';
import { isNotFound } from './api-errors.js';
import { systemClock, type Clock } from '../time/clock.js';
import { EventCorrelator, type EventSpec } from './event-correlator.js';
import { silentLogger, type RuntimeLogger } from './runtime-logger.js';

const mergePatchOptions = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export interface EventRecorderOptions {
  /** `source.component`, e.g. `virtfleet-controller`. */
  component: string;
  clock?: Clock;
  logger?: RuntimeLogger;
}

export class EventRecorder {
  private readonly api: Pick<CoreV1Api, 'createNamespacedEvent' | 'patchNamespacedEvent'>;
  private readonly correlator = new EventCorrelator();
  private readonly clock: Clock;
  private readonly logger: RuntimeLogger;
  private pending: Promise<void> = Promise.resolve();

  constructor(kubeConfig: KubeConfig, private readonly options: EventRecorderOptions) {
    this.api = kubeConfig.makeApiClient(CoreV1Api);
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
  }

  /** Records the Event; resolves once it is written (or its failure logged). */
  event(object: KubernetesObject, type: EventSpec['type'], reason: string, message: string): Promise<void> {
    const spec: EventSpec = {
      involvedObject: {
        apiVersion: object.apiVersion,
        kind: object.kind ?? '',
        namespace: object.metadata?.namespace,
        name: object.metadata?.name ?? '',
        uid: object.metadata?.uid,
      },
      type,
      reason,
      message: truncateMessage(message),
      component: this.options.component,
    };
    this.pending = this.pending.then(() => this.write(spec));
    return this.pending;
  }

  private async write(spec: EventSpec): Promise<void> {
    const now = new Date(this.clock.now());
    const action = this.correlator.decide(spec, now.getTime());
    try {
      if (action.kind === 'patch') {
        const { namespace, name, firstTimestamp } = action.previous;
        try {
          await this.api.patchNamespacedEvent({ namespace, name, body: { count: action.count, lastTimestamp: now.toISOString() } }, mergePatchOptions);
          this.correlator.remember(spec, { ...action.previous, count: action.count, firstTimestamp });
          return;
        } catch (error) {
          if (!isNotFound(error)) throw error;
          this.correlator.forget(spec);
          return this.write(spec);
        }
      }
      const body: CoreV1Event = {
        metadata: { name: action.name, namespace: action.namespace },
        involvedObject: spec.involvedObject,
        type: spec.type,
        reason: spec.reason,
        message: spec.message,
        count: 1,
        firstTimestamp: now,
        lastTimestamp: now,
        source: { component: spec.component },
        reportingComponent: spec.component,
      };
      await this.api.createNamespacedEvent({ namespace: action.namespace, body });
      this.correlator.remember(spec, { namespace: action.namespace, name: action.name, count: 1, firstTimestamp: now.toISOString() });
    } catch (error) {
      this.logger.warn('event not recorded', { reason: spec.reason, object: spec.involvedObject.name, error: String(error) });
    }
  }
}
