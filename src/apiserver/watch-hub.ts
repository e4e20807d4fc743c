/**
 * [REQ-01] Watch streams: ADDED/MODIFIED/DELETED from a resourceVersion (synthetic ADDED for "" and "0"),
 * selector transitions, BOOKMARKs, timeoutSeconds, periodic server-side close, and the ERROR event with a
 * 410 Expired Status when the requested resourceVersion has been compacted away.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ObjectStore, StoredEvent, WatchEventType } from './object-store.js';
import type { ObjectMatcher } from './selectors.js';
import { badRequest, expired } from './status-errors.js';
import { apiVersionOf, typeKeyOf, type KubeObject, type ResourceType } from './types.js';

export interface WatchRequest {
  type: ResourceType;
  namespace: string | undefined;
  matches: ObjectMatcher;
  resourceVersion: string | null;
  timeoutSeconds: number | undefined;
  allowBookmarks: boolean;
  /** Renders an event's object, e.g. as a Table; `first` is true for the stream's first object. */
  render: (object: KubeObject, first: boolean) => unknown;
}

export interface WatchHubOptions {
  closeAfterMs: number | undefined;
  bookmarkIntervalMs: number;
}

/**
 * What a selector watch sees of a change, as kube-apiserver's watch cache decides it from the object before and
 * after: one that starts matching is ADDED, one that stops matching is DELETED.
 */
export function transition(event: StoredEvent, matches: ObjectMatcher): WatchEventType | undefined {
  const now = matches(event.object);
  const before = event.previous === undefined ? false : matches(event.previous);
  if (event.type === 'ADDED') return now ? 'ADDED' : undefined;
  if (event.type === 'DELETED') return matches(event.previous ?? event.object) ? 'DELETED' : undefined;
  if (now) return before ? 'MODIFIED' : 'ADDED';
  return before ? 'DELETED' : undefined;
}

export class WatchHub {
  private readonly open = new Set<() => void>();

  constructor(
    private readonly store: ObjectStore,
    private readonly options: WatchHubOptions,
  ) {}

  get openCount(): number {
    return this.open.size;
  }

  /** Ends every open watch stream from the server side. */
  dropAll(): void {
    for (const close of [...this.open]) close();
  }

  serve(request: IncomingMessage, response: ServerResponse, watch: WatchRequest): void {
    const typeKey = typeKeyOf(watch.type);
    const startRv = watch.resourceVersion === null || watch.resourceVersion === '' || watch.resourceVersion === '0' ? undefined : Number(watch.resourceVersion);
    if (startRv !== undefined && !Number.isInteger(startRv)) throw badRequest(`invalid resource version: ${watch.resourceVersion}`);
    response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    response.flushHeaders();
    let first = true;
    const write = (type: WatchEventType | 'BOOKMARK' | 'ERROR', object: unknown): void => {
      if (!response.writableEnded && !response.destroyed) response.write(`${JSON.stringify({ type, object })}\n`);
    };
    // With a persisted store, live events arrive once durable, possibly after the list or history sent first
    // already covered them: nothing at or below what was sent is sent again.
    let sentUpTo = 0;
    const deliver = (event: StoredEvent): void => {
      if (event.typeKey !== typeKey) return;
      if (event.resourceVersion !== 0) {
        if (event.resourceVersion <= sentUpTo) return;
        sentUpTo = event.resourceVersion;
      }
      const object = event.object;
      if (watch.namespace !== undefined && object.metadata.namespace !== watch.namespace) return;
      const type = transition(event, watch.matches);
      if (type === undefined) return;
      write(type, watch.render(object, first));
      first = false;
    };

    const timers: NodeJS.Timeout[] = [];
    let unsubscribe = (): void => {};
    const close = (): void => {
      if (!this.open.delete(close)) return;
      unsubscribe();
      for (const timer of timers) clearTimeout(timer);
      if (!response.writableEnded) response.end();
    };
    this.open.add(close);
    response.on('close', close);
    request.on('error', close);

    if (startRv === undefined) {
      for (const object of this.store.list(typeKey, watch.namespace)) deliver({ type: 'ADDED', typeKey, resourceVersion: 0, object });
      sentUpTo = this.store.currentResourceVersion;
    } else {
      const history = this.store.eventsSince(typeKey, startRv);
      if (history.expired) {
        write('ERROR', expired(`too old resource version: ${startRv} (${history.oldest})`).toStatus());
        close();
        return;
      }
      for (const event of history.events) deliver(event);
    }
    unsubscribe = this.store.subscribe(deliver);

    const limits = [watch.timeoutSeconds === undefined ? undefined : watch.timeoutSeconds * 1000, this.options.closeAfterMs].filter((v): v is number => v !== undefined);
    if (limits.length > 0) timers.push(setTimeout(close, Math.min(...limits)));
    if (watch.allowBookmarks) {
      const bookmark = (): void => write('BOOKMARK', { kind: watch.type.kind, apiVersion: apiVersionOf(watch.type), metadata: { resourceVersion: String(this.store.currentResourceVersion) } });
      const interval = setInterval(bookmark, this.options.bookmarkIntervalMs);
      timers.push(interval);
    }
  }
}
