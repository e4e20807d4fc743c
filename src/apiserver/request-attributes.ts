/**
 * [REQ-05] What a request asks to do, in the terms of Kubernetes authorization: a resource request (verb,
 * API group, resource, subresource, namespace, name) or a non-resource one (verb and path).
 */
import type { ResourceTarget } from './resource-handler.js';

export interface ResourceAttributes {
  verb: string;
  group: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
}

export interface NonResourceAttributes {
  verb: string;
  path: string;
}

export type RequestAttributes = ({ kind: 'resource' } & ResourceAttributes) | ({ kind: 'nonResource' } & NonResourceAttributes);

/** The verb of a resource request: get/list/watch for GET by name and collection, create, update, patch, delete(collection). */
export function verbOf(method: string, named: boolean, query: URLSearchParams): string {
  switch (method) {
    case 'GET':
    case 'HEAD': {
      const watch = query.get('watch');
      if (watch === 'true' || watch === '1') return 'watch';
      return named ? 'get' : 'list';
    }
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return named ? 'delete' : 'deletecollection';
    default:
      return method.toLowerCase();
  }
}

export function resourceAttributes(method: string, target: ResourceTarget, query: URLSearchParams): RequestAttributes {
  return {
    kind: 'resource',
    verb: verbOf(method, target.name !== undefined, query),
    group: target.type.group,
    resource: target.type.plural,
    subresource: target.subresource,
    namespace: target.namespace ?? '',
    name: target.name ?? '',
  };
}

export function nonResourceAttributes(method: string, path: string): RequestAttributes {
  const verbs: Record<string, string> = { GET: 'get', HEAD: 'head', POST: 'post', PUT: 'put', PATCH: 'patch', DELETE: 'delete' };
  return { kind: 'nonResource', verb: verbs[method] ?? method.toLowerCase(), path };
}
