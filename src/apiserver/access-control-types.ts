/**
 * [REQ-05] The access-control kinds the API server stores and evaluates: rbac.authorization.k8s.io/v1 Roles,
 * ClusterRoles, RoleBindings and ClusterRoleBindings (rbac-authorizer.ts), and admissionregistration.k8s.io/v1
 * ValidatingAdmissionPolicies and their bindings (admission-policy.ts). Schemas list their top-level fields;
 * the nested content is kept as written.
 */
import { AGE, core } from './builtin-types.js';
import type { JsonSchema, ResourceType } from './types.js';

const opaque: JsonSchema = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
const opaqueList: JsonSchema = { type: 'array', items: opaque };

function accessType(group: string, kind: string, plural: string, namespaced: boolean, properties: Record<string, JsonSchema>, hasStatus = false): ResourceType {
  return core(kind, plural, namespaced, [AGE], { group, hasStatus, schema: { type: 'object', properties } });
}

const RBAC = 'rbac.authorization.k8s.io';
const ADMISSION = 'admissionregistration.k8s.io';

export const ACCESS_CONTROL_TYPES: ResourceType[] = [
  accessType(RBAC, 'Role', 'roles', true, { rules: opaqueList }),
  accessType(RBAC, 'ClusterRole', 'clusterroles', false, { rules: opaqueList, aggregationRule: opaque }),
  accessType(RBAC, 'RoleBinding', 'rolebindings', true, { roleRef: opaque, subjects: opaqueList }),
  accessType(RBAC, 'ClusterRoleBinding', 'clusterrolebindings', false, { roleRef: opaque, subjects: opaqueList }),
  accessType(ADMISSION, 'ValidatingAdmissionPolicy', 'validatingadmissionpolicies', false, { spec: opaque, status: opaque }, true),
  accessType(ADMISSION, 'ValidatingAdmissionPolicyBinding', 'validatingadmissionpolicybindings', false, { spec: opaque }),
];

/** `group/plural` keys of the kinds above, for the evaluators' store lookups. */
export const ACCESS_KEYS = {
  roles: `${RBAC}/roles`,
  clusterRoles: `${RBAC}/clusterroles`,
  roleBindings: `${RBAC}/rolebindings`,
  clusterRoleBindings: `${RBAC}/clusterrolebindings`,
  policies: `${ADMISSION}/validatingadmissionpolicies`,
  policyBindings: `${ADMISSION}/validatingadmissionpolicybindings`,
} as const;
