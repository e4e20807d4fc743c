/** [REQ-01] Shapes shared by the virtfleet resources: quantities, label selectors, object references. */

/** A Kubernetes quantity such as `2Gi`, `512Mi` or a plain number of bytes. */
export type Quantity = number | string;

export const LABEL_SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;
export type LabelSelectorOperator = (typeof LABEL_SELECTOR_OPERATORS)[number];

export interface LabelSelectorRequirement {
  key: string;
  operator: LabelSelectorOperator;
  /** Non-empty for In and NotIn, empty for Exists and DoesNotExist. */
  values?: string[];
}

/** Selects Hosts by their metadata.labels (same semantics as metav1.LabelSelector). */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** Reference to an object in the referring object's namespace. */
export interface LocalObjectReference {
  name: string;
}

/** Reference to a namespaced object from a cluster-scoped one. */
export interface NamespacedObjectReference {
  namespace: string;
  name: string;
}
