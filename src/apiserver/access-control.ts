/**
 * [REQ-05] The access-control step of every request: authenticate the bearer token (401 when unknown), then
 * authorize what the request asks (403 with kube-apiserver's message, `User "u" cannot create resource "r" in
 * API group "g" in the namespace "n"`). Authorization is `AlwaysAllow` unless `RBAC` is configured; either way
 * each user's resource requests are recorded (verb, group, resource, subresource, namespace, allowed), so that a
 * test can compare what an identity used with what it was granted. The user stays attached to the request for
 * admission (request.userInfo and the authorizer of admission policies).
 */
import type { IncomingMessage } from 'node:http';
import type { TokenAuthenticator, UserInfo } from './authentication.js';
import type { RbacAuthorizer } from './rbac-authorizer.js';
import type { RequestAttributes, ResourceAttributes } from './request-attributes.js';
import { ApiError, unauthorized } from './status-errors.js';

export type AuthorizationMode = 'AlwaysAllow' | 'RBAC';

export interface AccessRecord extends Omit<ResourceAttributes, 'name'> {
  allowed: boolean;
}

const users = new WeakMap<IncomingMessage, UserInfo>();

/** The authenticated user of a request that passed access control. */
export function userOf(request: IncomingMessage): UserInfo | undefined {
  return users.get(request);
}

/** kube-apiserver's forbiddenMessage. */
export function forbiddenMessage(user: UserInfo, request: RequestAttributes): string {
  if (request.kind === 'nonResource') return `User ${JSON.stringify(user.name)} cannot ${request.verb} path ${JSON.stringify(request.path)}`;
  const resource = request.subresource === '' ? request.resource : `${request.resource}/${request.subresource}`;
  const scope = request.namespace === '' ? 'at the cluster scope' : `in the namespace ${JSON.stringify(request.namespace)}`;
  return `User ${JSON.stringify(user.name)} cannot ${request.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(request.group)} ${scope}`;
}

/** apierrors.NewForbidden for a group-resource (name omitted when the request names none). */
export function forbiddenError(group: string, resource: string, name: string, why: string): ApiError {
  const qualified = group === '' ? resource : `${resource}.${group}`;
  const subject = qualified === '' ? 'forbidden' : name === '' ? `${qualified} is forbidden` : `${qualified} ${JSON.stringify(name)} is forbidden`;
  return new ApiError(403, 'Forbidden', `${subject}: ${why}`, { ...(name === '' ? {} : { name }), ...(group === '' ? {} : { group }), kind: resource });
}

export class AccessControl {
  private readonly records = new Map<string, Map<string, AccessRecord>>();

  constructor(
    private readonly authenticator: TokenAuthenticator,
    private readonly authorizer: RbacAuthorizer,
    private readonly mode: AuthorizationMode,
  ) {}

  authenticate(request: IncomingMessage): UserInfo {
    const user = this.authenticator.authenticate(request);
    if (user === undefined) throw unauthorized();
    users.set(request, user);
    return user;
  }

  /** Whether `user` may do what `attributes` describe under the configured mode. */
  allows(user: UserInfo, attributes: RequestAttributes): boolean {
    return this.mode === 'AlwaysAllow' || this.authorizer.authorize(user, attributes);
  }

  /** Records the request and throws the 403 when it is not allowed. */
  authorize(user: UserInfo, attributes: RequestAttributes): void {
    const allowed = this.allows(user, attributes);
    if (attributes.kind === 'resource') this.record(user, attributes, allowed);
    if (allowed) return;
    const [group, resource, name] = attributes.kind === 'resource' ? [attributes.group, attributes.resource, attributes.name] : ['', '', ''];
    throw forbiddenError(group, resource, name, forbiddenMessage(user, attributes));
  }

  /** What `userName` asked for so far, one entry per distinct (verb, group, resource, subresource, namespace). */
  recorded(userName: string): AccessRecord[] {
    return [...(this.records.get(userName)?.values() ?? [])];
  }

  private record(user: UserInfo, attributes: ResourceAttributes, allowed: boolean): void {
    const { verb, group, resource, subresource, namespace } = attributes;
    const key = JSON.stringify([verb, group, resource, subresource, namespace, allowed]);
    let byKey = this.records.get(user.name);
    if (byKey === undefined) this.records.set(user.name, (byKey = new Map()));
    if (!byKey.has(key)) byKey.set(key, { verb, group, resource, subresource, namespace, allowed });
  }
}
