/** [REQ-01] metav1.LabelSelector semantics over an object's labels: every matchLabels pair and every expression must hold. */
import type { LabelSelector, LabelSelectorRequirement } from './meta.js';

function requirementHolds(labels: Record<string, string>, requirement: LabelSelectorRequirement): boolean {
  const present = Object.hasOwn(labels, requirement.key);
  const value = labels[requirement.key];
  switch (requirement.operator) {
    case 'In':
      return present && (requirement.values ?? []).includes(value ?? '');
    case 'NotIn':
      return !present || !(requirement.values ?? []).includes(value ?? '');
    case 'Exists':
      return present;
    case 'DoesNotExist':
      return !present;
  }
}

/** An empty selector matches everything, as in Kubernetes. */
export function matchesLabelSelector(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const actual = labels ?? {};
  const pairsHold = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => actual[key] === value);
  return pairsHold && (selector.matchExpressions ?? []).every((requirement) => requirementHolds(actual, requirement));
}
