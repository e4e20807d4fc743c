/**
 * [REQ-01][REQ-05] SelfSubjectAccessReview (`kubectl auth can-i`): answered by the server's authorization for the
 * requesting user (everything allowed unless RBAC is configured, see access-control.ts). Nothing is stored.
 */
import { checkIdentity } from './object-lifecycle.js';
import type { RequestAttributes } from './request-attributes.js';
import type { KubeObject, ResourceType } from './types.js';

interface ReviewSpec {
  resourceAttributes?: { namespace?: string; verb?: string; group?: string; resource?: string; subresource?: string; name?: string };
  nonResourceAttributes?: { path?: string; verb?: string };
}

export function isAccessReview(type: ResourceType): boolean {
  return type.group === 'authorization.k8s.io' && type.plural === 'selfsubjectaccessreviews';
}

function attributesOf(spec: ReviewSpec): RequestAttributes {
  const nonResource = spec.nonResourceAttributes;
  if (nonResource !== undefined) return { kind: 'nonResource', verb: nonResource.verb ?? '', path: nonResource.path ?? '' };
  const r = spec.resourceAttributes ?? {};
  return { kind: 'resource', verb: r.verb ?? '', group: r.group ?? '', resource: r.resource ?? '', subresource: r.subresource ?? '', namespace: r.namespace ?? '', name: r.name ?? '' };
}

export function answerAccessReview(type: ResourceType, review: KubeObject, allows: (attributes: RequestAttributes) => boolean): KubeObject {
  checkIdentity(type, undefined, review);
  const allowed = allows(attributesOf((review.spec ?? {}) as ReviewSpec));
  return { ...review, metadata: { ...review.metadata, creationTimestamp: null as unknown as string }, status: { allowed } };
}
