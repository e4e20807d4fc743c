/**
 * [REQ-01] HTTP verbs on resource URLs: reads (get, list, watch) go to ResourceReads; create, update, patch,
 * delete and deletecollection here. Dry run is honoured from the query and from a DeleteOptions body; a body
 * that is not a JSON object is a 400; a PUT of a custom resource must name the resourceVersion it replaces.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { userOf, type AccessControl } from './access-control.js';
import { answerAccessReview, isAccessReview } from './access-review.js';
import { parseFieldValidation } from './admission.js';
import { readBody, sendJson } from './http-io.js';
import { patchObject } from './patch-service.js';
import { decodeProtobufObject } from './protobuf-decode.js';
import { booleanParam } from './query-params.js';
import { ResourceReads, selectorOf } from './resource-reads.js';
import type { DeleteOptions, ResourceService, WriteOptions } from './resource-service.js';
import { badRequest, invalid, methodNotAllowed, pageNotFound, unsupportedMediaType } from './status-errors.js';
import { apiVersionOf, typeKeyOf, type KubeObject, type ResourceType } from './types.js';
import type { WatchHub } from './watch-hub.js';

export interface ResourceTarget {
  type: ResourceType;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string;
}

const PROTOBUF = 'application/vnd.kubernetes.protobuf';

function parseJsonObject<T>(text: string, what: string): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw badRequest(`the object provided is unrecognized (must be of type ${what}): couldn't get version/kind; json parse error: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw badRequest(`the object provided is unrecognized (must be of type ${what}): couldn't get version/kind; json parse error: json: cannot unmarshal ${Array.isArray(parsed) ? 'array' : typeof parsed} into Go value of type struct`);
  }
  return parsed as T;
}

function checkDryRun(values: unknown): boolean {
  const list = values === undefined || values === null ? [] : Array.isArray(values) ? values : [values];
  const unsupported = list.find((d) => d !== 'All');
  if (unsupported !== undefined) throw badRequest(`dryRun: Unsupported value: ${JSON.stringify(unsupported)}: supported values: "All"`);
  return list.length > 0;
}

interface DeleteBody extends DeleteOptions {
  dryRun?: string[];
}

export class ResourceHandler {
  private readonly reads: ResourceReads;

  constructor(
    private readonly service: ResourceService,
    watches: WatchHub,
    now: () => Date,
    private readonly access: AccessControl,
  ) {
    this.reads = new ResourceReads(service, watches, now);
  }

  async handle(request: IncomingMessage, response: ServerResponse, target: ResourceTarget, query: URLSearchParams): Promise<void> {
    const { type, name, subresource } = target;
    if (subresource !== '' && (subresource !== 'status' || !type.hasStatus)) throw pageNotFound(request.url ?? '');
    const method = request.method ?? 'GET';
    if (isAccessReview(type) && (method !== 'POST' || name !== undefined)) throw methodNotAllowed();
    if (method === 'GET') return name === undefined ? this.reads.list(request, response, target, query) : this.reads.get(request, response, target, query);
    if (name === undefined && method !== 'POST' && method !== 'DELETE') throw methodNotAllowed();
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
        const object = protobuf ? decodeProtobufObject(bytes) : parseJsonObject<KubeObject>(body, 'Object');
        if (isAccessReview(type)) return sendJson(response, 201, answerAccessReview(type, object, (attributes) => this.access.allows(userOf(request)!, attributes)));
        const result = this.service.create(type, target.namespace, object, options);
        await this.service.store.durable();
        return sendJson(response, 201, result.object, result.warnings);
      }
      case 'PUT': {
        const incoming = parseJsonObject<KubeObject>(body, 'Object');
        if (type.custom && !incoming.metadata?.resourceVersion) {
          throw invalid(type, name!, [{ reason: 'FieldValueInvalid', field: 'metadata.resourceVersion', message: 'Invalid value: 0x0: must be specified for an update' }]);
        }
        const old = this.service.get(type, target.namespace, name!);
        const result = this.service.update(type, old, incoming, subresource, options);
        await this.service.store.durable();
        return sendJson(response, 200, result.object, result.warnings);
      }
      case 'PATCH': {
        const force = booleanParam(query, 'force');
        const result = patchObject(this.service, { type, namespace: target.namespace, name: name!, contentType, body, subresource, force, options });
        await this.service.store.durable();
        return sendJson(response, result.created ? 201 : 200, result.object, result.warnings);
      }
      case 'DELETE': {
        const deleteOptions = body.trim() === '' ? {} : parseJsonObject<DeleteBody>(body, 'DeleteOptions');
        const dryRun = options.dryRun || checkDryRun(deleteOptions.dryRun);
        if (name !== undefined) {
          const deleted = this.service.delete(type, target.namespace, name, deleteOptions, dryRun);
          await this.service.store.durable();
          return sendJson(response, 200, deleted);
        }
        const matches = selectorOf(query, type);
        const items = this.service.store.list(typeKeyOf(type), target.namespace).filter(matches).map((o) => this.service.delete(type, target.namespace ?? o.metadata.namespace, o.metadata.name!, deleteOptions, dryRun));
        await this.service.store.durable();
        return sendJson(response, 200, { apiVersion: apiVersionOf(type), kind: type.listKind, metadata: { resourceVersion: String(this.service.store.currentResourceVersion) }, items });
      }
      default:
        throw methodNotAllowed();
    }
  }

  private writeOptions(request: IncomingMessage, query: URLSearchParams): WriteOptions {
    const agent = (request.headers['user-agent'] ?? 'unknown').split('/')[0] ?? 'unknown';
    const isApply = (request.headers['content-type'] ?? '').startsWith('application/apply-patch');
    return {
      fieldManager: query.get('fieldManager') ?? (isApply ? '' : agent),
      fieldValidation: parseFieldValidation(query.get('fieldValidation')),
      dryRun: checkDryRun(query.getAll('dryRun')),
      user: userOf(request),
    };
  }
}
