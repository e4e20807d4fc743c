/**
 * [REQ-01] metav1.Condition handling (apimachinery's meta.SetStatusCondition): setting a condition changes its
 * lastTransitionTime only when its status changes; reason, message and observedGeneration are updated in place.
 * Pure functions: the input array is never mutated. A message is truncated to fit (it may carry a host's text).
 */
import type { Condition } from '../api/v1alpha1/condition.js';
import { truncateMessage } from '../errors/truncate-message.js';

export type ConditionUpdate = Omit<Condition, 'lastTransitionTime'>;

export function setCondition(conditions: readonly Condition[] | undefined, proposed: ConditionUpdate, now: Date): Condition[] {
  const update = { ...proposed, message: truncateMessage(proposed.message) };
  const current = conditions ?? [];
  const existing = current.find((c) => c.type === update.type);
  if (existing === undefined) return [...current, { ...update, lastTransitionTime: toKubeTime(now) }];
  const lastTransitionTime = existing.status === update.status ? existing.lastTransitionTime : toKubeTime(now);
  return current.map((c) => (c === existing ? { ...update, lastTransitionTime } : c));
}

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isConditionTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === 'True';
}

/** metav1.Time serialisation: RFC 3339 without fractional seconds. */
export function toKubeTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}
