/**
 * [REQ-01] Folding of repeated Events, as client-go's EventCorrelator: the same (involved object, type, reason,
 * message, source) seen again becomes a PATCH of the existing Event (count + 1, lastTimestamp) instead of a new
 * Event. Remembers at most `maxEntries` Events, least recently used evicted first.
 */
export interface InvolvedObject {
  apiVersion?: string;
  kind: string;
  namespace?: string;
  name: string;
  uid?: string;
}

export interface EventSpec {
  involvedObject: InvolvedObject;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  component: string;
}

export interface RecordedEvent {
  namespace: string;
  name: string;
  count: number;
  firstTimestamp: string;
}

export type EventAction =
  | { kind: 'create'; namespace: string; name: string }
  | { kind: 'patch'; previous: RecordedEvent; count: number };

export class EventCorrelator {
  private readonly recorded = new Map<string, RecordedEvent>();
  private sequence = 0;

  constructor(private readonly maxEntries = 4096) {}

  /** What to send for `event` observed at `nowMs`: a new Event, or a count bump of the one already written. */
  decide(event: EventSpec, nowMs: number): EventAction {
    const previous = this.recorded.get(correlationKey(event));
    if (previous !== undefined) return { kind: 'patch', previous, count: previous.count + 1 };
    const { involvedObject } = event;
    return {
      kind: 'create',
      namespace: involvedObject.namespace || 'default',
      name: `${involvedObject.name}.${(BigInt(nowMs) * 1_000_000n + BigInt(this.sequence++ % 1_000_000)).toString(16)}`,
    };
  }

  /** Remembers the Event as written, so the next identical one folds into it. */
  remember(event: EventSpec, recorded: RecordedEvent): void {
    const key = correlationKey(event);
    this.recorded.delete(key);
    this.recorded.set(key, recorded);
    if (this.recorded.size > this.maxEntries) {
      const oldest = this.recorded.keys().next().value;
      if (oldest !== undefined) this.recorded.delete(oldest);
    }
  }

  /** Drops the memory of an Event the server no longer has (expired), so the next one is created afresh. */
  forget(event: EventSpec): void {
    this.recorded.delete(correlationKey(event));
  }
}

function correlationKey(event: EventSpec): string {
  const o = event.involvedObject;
  return JSON.stringify([o.apiVersion, o.kind, o.namespace, o.name, o.uid, event.type, event.reason, event.message, event.component]);
}
