/**
 * [REQ-01] SelfSubjectAccessReview (`kubectl auth can-i`): the server knows one identity, the holder of its bearer
 * token, and that identity may do everything, so every review is answered allowed. Nothing is stored.
 */
import { checkIdentity } from './object-lifecycle.js';
import type { KubeObject, ResourceType } from './types.js';

export function isAccessReview(type: ResourceType): boolean {
  return type.group === 'authorization.k8s.io' && type.plural === 'selfsubjectaccessreviews';
}

export function answerAccessReview(type: ResourceType, review: KubeObject): KubeObject {
  checkIdentity(type, undefined, review);
  return { ...review, metadata: { ...review.metadata, creationTimestamp: null as unknown as string }, status: { allowed: true, reason: 'the API server has a single identity, allowed everything' } };
}
