/**
 * [REQ-05] What the chart grants the operator, as (verb, group, resource[/subresource], scope) entries, and the
 * comparison with what the operator's identity was seen doing (AccessRecord of the test API server).
 */
import type { AccessRecord } from '../../../src/apiserver/access-control.js';
import type { K8sObject, PolicyRule } from '../helm/render-chart.js';

export interface Grant {
  verb: string;
  group: string;
  resource: string;
  /** '*' for the ClusterRole (every namespace and the cluster scope), else the Role's namespace. */
  scope: string;
}

export const grantKey = (grant: Grant): string => `${grant.verb} ${grant.group === '' ? 'core' : grant.group}/${grant.resource} @ ${grant.scope}`;

/** The grants of the ClusterRoles and Roles bound to `serviceAccount` (namespace/name) in the rendered chart. */
export function grantsOf(objects: K8sObject[], serviceAccount: string): Grant[] {
  const [saNamespace, saName] = serviceAccount.split('/');
  const bindings = objects.filter((o) => (o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding') && ((o.subjects ?? []) as Array<{ kind: string; name: string; namespace?: string }>).some((s) => s.kind === 'ServiceAccount' && s.name === saName && s.namespace === saNamespace));
  return bindings.flatMap((binding) => {
    const ref = binding.roleRef as { kind: string; name: string };
    const role = objects.find((o) => o.kind === ref.kind && o.metadata.name === ref.name && (ref.kind === 'ClusterRole' || o.metadata.namespace === binding.metadata.namespace));
    if (role === undefined) throw new Error(`${binding.kind} ${binding.metadata.name} refers to a missing ${ref.kind} ${ref.name}`);
    const scope = binding.kind === 'ClusterRoleBinding' ? '*' : binding.metadata.namespace!;
    return ((role.rules ?? []) as PolicyRule[]).flatMap((rule) => rule.apiGroups.flatMap((group) => rule.resources.flatMap((resource) => rule.verbs.map((verb) => ({ verb, group, resource, scope })))));
  });
}

export function grantUses(grant: Grant, record: AccessRecord): boolean {
  const resource = record.subresource === '' ? record.resource : `${record.resource}/${record.subresource}`;
  return grant.verb === record.verb && grant.group === record.group && grant.resource === resource && (grant.scope === '*' || grant.scope === record.namespace);
}

export const recordKey = (record: AccessRecord): string =>
  `${record.verb} ${record.group === '' ? 'core' : record.group}/${record.subresource === '' ? record.resource : `${record.resource}/${record.subresource}`} @ ${record.namespace === '' ? '(cluster)' : record.namespace}`;
