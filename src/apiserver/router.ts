/** [REQ-01] Routes a request of the API server: health, version, discovery, OpenAPI and resource URLs. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { coreVersions, groupDocument, groupList, resourceList, VERSION_INFO } from './discovery.js';
import { sendError, sendJson } from './http-io.js';
import { groupVersionDocument, openApiIndex } from './openapi.js';
import { openApiV2 } from './openapi-v2.js';
import type { AccessControl } from './access-control.js';
import type { UserInfo } from './authentication.js';
import { resourceAttributes } from './request-attributes.js';
import type { ResourceHandler, ResourceTarget } from './resource-handler.js';
import type { ResourceRegistry } from './resource-registry.js';
import { pageNotFound } from './status-errors.js';

const PUBLIC_PATHS = new Set(['/healthz', '/readyz', '/livez', '/version']);

/** Resolves `[namespaces/<ns>/]<plural>[/<name>[/<subresource>]]` within one group-version. */
export function resolveResource(registry: ResourceRegistry, group: string, version: string, segments: string[]): ResourceTarget | undefined {
  const [first, second, third, ...rest] = segments;
  if (first === 'namespaces' && second !== undefined && third !== undefined) {
    const type = registry.find(group, version, third);
    if (type?.namespaced) {
      if (rest.length > 2) return undefined;
      return { type, namespace: second, name: rest[0], subresource: rest[1] ?? '' };
    }
  }
  if (first === undefined) return undefined;
  const type = registry.find(group, version, first);
  if (type === undefined || segments.length > 3) return undefined;
  if (type.namespaced && second !== undefined) return undefined;
  return { type, namespace: undefined, name: second, subresource: third ?? '' };
}

export class Router {
  constructor(
    private readonly registry: ResourceRegistry,
    private readonly resources: ResourceHandler,
    private readonly access: AccessControl,
    private readonly serverAddress: () => string,
  ) {}

  async route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      const url = new URL(request.url ?? '/', 'https://localhost');
      const path = url.pathname.replace(/\/+$/, '') || '/';
      const user = PUBLIC_PATHS.has(path) ? undefined : this.access.authenticate(request);
      if (!this.routeStatic(path, request, response)) await this.routeResource(request, response, path, url.searchParams, user);
    } catch (error) {
      sendError(response, error);
    }
  }

  private routeStatic(path: string, request: IncomingMessage, response: ServerResponse): boolean {
    const segments = path.split('/').filter((s) => s !== '');
    let body: unknown;
    if (path === '/healthz' || path === '/readyz' || path === '/livez') {
      response.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
      return true;
    }
    if (path === '/openapi/v2') {
      const { contentType, body: document } = openApiV2(this.registry, request.headers.accept);
      response.writeHead(200, { 'Content-Type': contentType, 'Content-Length': String(document.length) }).end(document);
      return true;
    }
    if (path === '/version') body = VERSION_INFO;
    else if (path === '/api') body = coreVersions(this.serverAddress());
    else if (path === '/api/v1') body = resourceList(this.registry, '', 'v1');
    else if (path === '/apis') body = groupList(this.registry);
    else if (segments[0] === 'apis' && segments.length === 2) body = groupDocument(this.registry, segments[1]!) ?? null;
    else if (segments[0] === 'apis' && segments.length === 3) body = resourceList(this.registry, segments[1]!, segments[2]!) ?? null;
    else if (path === '/openapi/v3') body = openApiIndex(this.registry);
    else if (path === '/openapi/v3/api/v1') body = groupVersionDocument(this.registry, '', 'v1');
    else if (segments[0] === 'openapi' && segments[1] === 'v3' && segments[2] === 'apis' && segments.length === 5) body = groupVersionDocument(this.registry, segments[3]!, segments[4]!) ?? null;
    else return false;
    if (body === null || body === undefined) throw pageNotFound(path);
    sendJson(response, 200, body);
    return true;
  }

  private async routeResource(request: IncomingMessage, response: ServerResponse, path: string, query: URLSearchParams, user: UserInfo | undefined): Promise<void> {
    const segments = path.split('/').filter((s) => s !== '').map(decodeURIComponent);
    let target: ResourceTarget | undefined;
    if (segments[0] === 'api' && segments[1] === 'v1') target = resolveResource(this.registry, '', 'v1', segments.slice(2));
    if (segments[0] === 'apis' && segments.length >= 4) target = resolveResource(this.registry, segments[1]!, segments[2]!, segments.slice(3));
    if (target === undefined) throw pageNotFound(path);
    if (user !== undefined) this.access.authorize(user, resourceAttributes(request.method ?? 'GET', target, query));
    await this.resources.handle(request, response, target, query);
  }
}
