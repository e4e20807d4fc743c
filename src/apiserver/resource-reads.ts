/**
 * [REQ-01] Reads on resource URLs: get, list (with chunking) and watch, with label and field selectors, Table
 * output, and resourceVersion semantics of kube-apiserver: a version newer than the server's is answered with
 * 504 "Too large resource version" (ResourceVersionTooLarge) instead of being served.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './http-io.js';
import { booleanParam, integerParam } from './query-params.js';
import type { ResourceService } from './resource-service.js';
import { parseFieldSelector, parseLabelSelector, type ObjectMatcher } from './selectors.js';
import { ApiError, badRequest, expired } from './status-errors.js';
import { toTable, wantsTable, type IncludeObject } from './table.js';
import { apiVersionOf, typeKeyOf, type KubeObject, type ResourceType } from './types.js';
import type { WatchHub } from './watch-hub.js';

export interface ReadTarget {
  type: ResourceType;
  namespace: string | undefined;
  name: string | undefined;
}

interface ContinueToken {
  rv: number;
  start: number;
}

export function tooLargeResourceVersion(requested: number, current: number): ApiError {
  return new ApiError(504, 'Timeout', `Too large resource version: ${requested}, current: ${current}`, {
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
    retryAfterSeconds: 1,
  });
}

/** The requested resourceVersion as a number (undefined for "" and "0"), refused when it is newer than the store. */
function requestedVersion(query: URLSearchParams, current: number): number | undefined {
  const text = query.get('resourceVersion');
  if (text === null || text === '' || text === '0') return undefined;
  if (!/^\d+$/.test(text)) throw badRequest(`invalid resource version: ${text}`);
  const requested = Number(text);
  if (requested > current) throw tooLargeResourceVersion(requested, current);
  return requested;
}

export function selectorOf(query: URLSearchParams, type: ResourceType): ObjectMatcher {
  const labels = parseLabelSelector(query.get('labelSelector'));
  const fields = parseFieldSelector(query.get('fieldSelector'), type);
  return (o: KubeObject): boolean => labels(o) && fields(o);
}

export class ResourceReads {
  constructor(
    private readonly service: ResourceService,
    private readonly watches: WatchHub,
    private readonly now: () => Date,
  ) {}

  get(request: IncomingMessage, response: ServerResponse, target: ReadTarget, query: URLSearchParams): void {
    requestedVersion(query, this.service.store.currentResourceVersion);
    const object = this.service.get(target.type, target.namespace, target.name!);
    if (!wantsTable(request.headers.accept)) return sendJson(response, 200, object);
    const table = toTable(target.type, [object], {
      includeObject: (query.get('includeObject') as IncludeObject | null) ?? 'Metadata',
      withColumnDefinitions: true,
      resourceVersion: object.metadata.resourceVersion ?? '',
      now: this.now().getTime(),
    });
    return sendJson(response, 200, table);
  }

  list(request: IncomingMessage, response: ServerResponse, target: ReadTarget, query: URLSearchParams): void {
    const { type, namespace } = target;
    const matches = selectorOf(query, type);
    const asTable = wantsTable(request.headers.accept);
    const includeObject = (query.get('includeObject') as IncludeObject | null) ?? 'Metadata';
    const store = this.service.store;
    const requested = requestedVersion(query, store.currentResourceVersion);
    if (booleanParam(query, 'watch')) {
      return this.watches.serve(request, response, {
        type,
        namespace,
        matches,
        resourceVersion: requested === undefined ? query.get('resourceVersion') : String(requested),
        timeoutSeconds: integerParam(query, 'timeoutSeconds'),
        allowBookmarks: booleanParam(query, 'allowWatchBookmarks'),
        render: (object, first) =>
          asTable ? toTable(type, [object], { includeObject, withColumnDefinitions: first, resourceVersion: object.metadata.resourceVersion ?? '', now: this.now().getTime() }) : object,
      });
    }
    if (query.get('resourceVersionMatch') === 'Exact' && (requested ?? 0) < store.oldestResourceVersion) {
      throw expired('The resourceVersion for the provided list is too old.');
    }
    let start = 0;
    const continueParam = query.get('continue');
    if (continueParam) {
      const token = JSON.parse(Buffer.from(continueParam, 'base64').toString('utf8')) as ContinueToken;
      if (token.rv < store.oldestResourceVersion) {
        throw expired('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.');
      }
      start = token.start;
    }
    const all = store.list(typeKeyOf(type), namespace).filter(matches);
    const limit = integerParam(query, 'limit') ?? 0;
    const items = limit > 0 ? all.slice(start, start + limit) : all.slice(start);
    const rv = String(store.currentResourceVersion);
    const more = limit > 0 && start + limit < all.length;
    const continueToken = more ? Buffer.from(JSON.stringify({ rv: store.currentResourceVersion, start: start + limit } satisfies ContinueToken)).toString('base64') : undefined;
    if (asTable) {
      return sendJson(response, 200, toTable(type, items, { includeObject, withColumnDefinitions: true, resourceVersion: rv, continueToken, now: this.now().getTime() }));
    }
    const metadata = { resourceVersion: rv, ...(continueToken ? { continue: continueToken, remainingItemCount: all.length - start - limit } : {}) };
    return sendJson(response, 200, { apiVersion: apiVersionOf(type), kind: type.listKind, metadata, items });
  }
}
