/**
 * [REQ-05] RBAC authorization from the stored Roles, ClusterRoles, RoleBindings and ClusterRoleBindings, with
 * the rule matching of Kubernetes' RBAC authorizer: verbs, API groups, resources (`*`, `resource/subresource`,
 * `* /subresource`), resourceNames, nonResourceURLs (trailing `*`); a RoleBinding grants in its namespace only, a
 * ClusterRoleBinding everywhere. A ClusterRole with an aggregationRule holds the rules of the ClusterRoles its
 * selectors match (computed here at evaluation, where kube-controller-manager would write them into the
 * object). `system:masters` may do everything; every authenticated user may read discovery and health and
 * review its own access, as the bootstrap roles system:discovery, system:public-info-viewer and
 * system:basic-user grant in a cluster.
 */
import { ACCESS_KEYS } from './access-control-types.js';
import { MASTERS_GROUP, type UserInfo } from './authentication.js';
import { matchesLabelSelector, type LabelSelector } from './label-selector.js';
import type { RequestAttributes, ResourceAttributes } from './request-attributes.js';
import type { KubeObject } from './types.js';

export interface PolicyRule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

interface Subject {
  kind: 'User' | 'Group' | 'ServiceAccount';
  name: string;
  namespace?: string;
}

interface Binding extends KubeObject {
  roleRef?: { kind: 'Role' | 'ClusterRole'; name: string };
  subjects?: Subject[];
}

interface ClusterRole extends KubeObject {
  rules?: PolicyRule[];
  aggregationRule?: { clusterRoleSelectors?: LabelSelector[] };
}

/** The store reads the authorizer needs. */
export interface StoredObjects {
  list(typeKey: string, namespace?: string): KubeObject[];
  get(typeKey: string, namespace: string | undefined, name: string): KubeObject | undefined;
}

const PUBLIC_PATHS = ['/api', '/api/*', '/apis', '/apis/*', '/openapi', '/openapi/*', '/version', '/version/', '/healthz', '/livez', '/readyz'];
const SELF_REVIEWS = new Set(['authorization.k8s.io/selfsubjectaccessreviews', 'authorization.k8s.io/selfsubjectrulesreviews', 'authentication.k8s.io/selfsubjectreviews']);

const contains = (list: string[] | undefined, value: string): boolean => (list ?? []).some((item) => item === '*' || item === value);

function resourceMatches(rule: PolicyRule, request: ResourceAttributes): boolean {
  const combined = request.subresource === '' ? request.resource : `${request.resource}/${request.subresource}`;
  return (rule.resources ?? []).some((r) => r === '*' || r === combined || (request.subresource !== '' && r === `*/${request.subresource}`));
}

/** Whether one policy rule allows the request (Kubernetes' RuleAllows). */
export function ruleAllows(rule: PolicyRule, request: RequestAttributes): boolean {
  if (!contains(rule.verbs, request.verb)) return false;
  if (request.kind === 'nonResource') {
    return (rule.nonResourceURLs ?? []).some((url) => url === '*' || url === request.path || (url.endsWith('*') && request.path.startsWith(url.slice(0, -1))));
  }
  if (!contains(rule.apiGroups, request.group) || !resourceMatches(rule, request)) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(request.name);
}

function appliesTo(subject: Subject, user: UserInfo, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return subject.name === user.name;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount':
      return user.name === `system:serviceaccount:${subject.namespace ?? bindingNamespace}:${subject.name}`;
    default:
      return false;
  }
}

export class RbacAuthorizer {
  constructor(private readonly store: StoredObjects) {}

  /** Allowed or not; the denial's reason is empty, as RBAC's own is. */
  authorize(user: UserInfo, request: RequestAttributes): boolean {
    if (user.groups.includes(MASTERS_GROUP)) return true;
    if (request.kind === 'nonResource' && PUBLIC_PATHS.some((path) => ruleAllows({ verbs: ['get', 'head'], nonResourceURLs: [path] }, request))) return true;
    if (request.kind === 'resource' && request.verb === 'create' && SELF_REVIEWS.has(`${request.group}/${request.resource}`)) return true;
    return this.rulesFor(user, request.kind === 'resource' ? request.namespace : '').some((rule) => ruleAllows(rule, request));
  }

  /** Every rule that applies to `user` in `namespace` ('' = cluster scope: ClusterRoleBindings only). */
  rulesFor(user: UserInfo, namespace: string): PolicyRule[] {
    const rules: PolicyRule[] = [];
    for (const binding of this.store.list(ACCESS_KEYS.clusterRoleBindings) as Binding[]) {
      if (binding.roleRef?.kind === 'ClusterRole' && (binding.subjects ?? []).some((s) => appliesTo(s, user, ''))) rules.push(...this.clusterRoleRules(binding.roleRef.name));
    }
    if (namespace === '') return rules;
    for (const binding of this.store.list(ACCESS_KEYS.roleBindings, namespace) as Binding[]) {
      if (binding.roleRef === undefined || !(binding.subjects ?? []).some((s) => appliesTo(s, user, namespace))) continue;
      if (binding.roleRef.kind === 'ClusterRole') rules.push(...this.clusterRoleRules(binding.roleRef.name));
      else rules.push(...(((this.store.get(ACCESS_KEYS.roles, namespace, binding.roleRef.name) as ClusterRole | undefined)?.rules) ?? []));
    }
    return rules;
  }

  private clusterRoleRules(name: string, visiting = new Set<string>()): PolicyRule[] {
    const role = this.store.get(ACCESS_KEYS.clusterRoles, undefined, name) as ClusterRole | undefined;
    if (role === undefined || visiting.has(name)) return [];
    const selectors = role.aggregationRule?.clusterRoleSelectors;
    if (selectors === undefined) return role.rules ?? [];
    visiting.add(name);
    const members = (this.store.list(ACCESS_KEYS.clusterRoles) as ClusterRole[]).filter(
      (other) => other.metadata.name !== name && selectors.some((selector) => matchesLabelSelector(selector, other.metadata.labels)),
    );
    return members.flatMap((member) => this.clusterRoleRules(member.metadata.name!, visiting));
  }
}
