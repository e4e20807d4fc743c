/** [REQ-01] HTTP verbs on resource URLs: get, list (with chunking), watch, create, update, patch and delete. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseFieldValidation } from './admission.js';
import { readBody, sendJson } from './http-io.js';
import { patchObject } from './patch-service.js';
import { decodeProtobufObject } from './protobuf-decode.js';
import type { ResourceService, WriteOptions } from './resource-service.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import { badRequest, expired, methodNotAllowed, pageNotFound, unsupportedMediaType } from './status-errors.js';
import { toTable, wantsTable, type IncludeObject } from './table.js';
import { apiVersionOf, typeKeyOf, type KubeObject, type ResourceType } from './types.js';
import type { WatchHub } from './watch-hub.js';

export interface ResourceTarget {
  type: ResourceType;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string;
}

const PROTOBUF = 'application/vnd.kubernetes.protobuf';

interface ContinueToken {
  rv: number;
  start: number;
}

function parseJsonBody<T>(text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw badRequest(`the object provided is unrecognized (must be of type ${'Object'}): couldn't get version/kind; json parse error: ${(error as Error).message}`);
  }
}

export class ResourceHandler {
  constructor(
    private readonly service: ResourceService,
    private readonly watches: WatchHub,
    private readonly now: () => Date,
  ) {}

  async handle(request: IncomingMessage, response: ServerResponse, target: ResourceTarget, query: URLSearchParams): Promise<void> {
    const { type, name, subresource } = target;
    if (subresource !== '' && (subresource !== 'status' || !type.hasStatus)) throw pageNotFound(request.url ?? '');
    const method = request.method ?? 'GET';
    if (method === 'GET') return name === undefined ? this.list(request, response, target, query) : this.get(request, response, target, query);
    if (name === undefined && method !== 'POST') throw methodNotAllowed();
    if (name !== undefined && method === 'POST') throw methodNotAllowed();
    const options = this.writeOptions(request, query);
    const contentType = request.headers['content-type'] ?? 'application/json';
    const protobuf = contentType.startsWith(PROTOBUF) && method === 'POST';
    if (method !== 'PATCH' && method !== 'DELETE' && !contentType.startsWith('application/json') && !protobuf) {
      throw unsupportedMediaType(contentType, ['application/json']);
    }
    const bytes = await readBody(request);
    const body = bytes.toString('utf8');
    switch (method) {
      case 'POST': {
        const object = protobuf ? decodeProtobufObject(bytes) : parseJsonBody<KubeObject>(body);
        const result = this.service.create(type, target.namespace, object, options);
        return sendJson(response, 201, result.object, result.warnings);
      }
      case 'PUT': {
        const old = this.service.get(type, target.namespace, name!);
        const result = this.service.update(type, old, parseJsonBody<KubeObject>(body), subresource, options);
        return sendJson(response, 200, result.object, result.warnings);
      }
      case 'PATCH': {
        const force = query.get('force') === 'true';
        const result = patchObject(this.service, { type, namespace: target.namespace, name: name!, contentType, body, subresource, force, options });
        return sendJson(response, result.created ? 201 : 200, result.object, result.warnings);
      }
      case 'DELETE': {
        const deleteOptions = body.trim() === '' ? {} : parseJsonBody<{ preconditions?: { uid?: string; resourceVersion?: string } }>(body);
        const deleted = this.service.delete(type, target.namespace, name!, deleteOptions, options.dryRun);
        return sendJson(response, 200, deleted);
      }
      default:
        throw methodNotAllowed();
    }
  }

  private writeOptions(request: IncomingMessage, query: URLSearchParams): WriteOptions {
    const agent = (request.headers['user-agent'] ?? 'unknown').split('/')[0] ?? 'unknown';
    const dryRun = query.getAll('dryRun');
    if (dryRun.some((d) => d !== 'All')) throw badRequest(`dryRun: Unsupported value: ${JSON.stringify(dryRun[0])}: supported values: "All"`);
    const isApply = (request.headers['content-type'] ?? '').startsWith('application/apply-patch');
    return {
      fieldManager: query.get('fieldManager') ?? (isApply ? '' : agent),
      fieldValidation: parseFieldValidation(query.get('fieldValidation')),
      dryRun: dryRun.length > 0,
    };
  }

  private get(request: IncomingMessage, response: ServerResponse, target: ResourceTarget, query: URLSearchParams): void {
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

  private list(request: IncomingMessage, response: ServerResponse, target: ResourceTarget, query: URLSearchParams): void {
    const { type, namespace } = target;
    const labels = parseLabelSelector(query.get('labelSelector'));
    const fields = parseFieldSelector(query.get('fieldSelector'), type);
    const matches = (o: KubeObject): boolean => labels(o) && fields(o);
    const asTable = wantsTable(request.headers.accept);
    const includeObject = (query.get('includeObject') as IncludeObject | null) ?? 'Metadata';
    const store = this.service.store;
    if (query.get('watch') === 'true' || query.get('watch') === '1') {
      const timeout = query.get('timeoutSeconds');
      return this.watches.serve(request, response, {
        type,
        namespace,
        matches,
        resourceVersion: query.get('resourceVersion'),
        timeoutSeconds: timeout === null ? undefined : Number(timeout),
        allowBookmarks: query.get('allowWatchBookmarks') === 'true',
        render: (object, first) =>
          asTable ? toTable(type, [object], { includeObject, withColumnDefinitions: first, resourceVersion: object.metadata.resourceVersion ?? '', now: this.now().getTime() }) : object,
      });
    }
    const requested = Number(query.get('resourceVersion') ?? '0');
    if (query.get('resourceVersionMatch') === 'Exact' && requested < store.oldestResourceVersion) {
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
    const limit = Number(query.get('limit') ?? '0');
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
