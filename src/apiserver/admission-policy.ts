/**
 * [REQ-05] ValidatingAdmissionPolicies evaluated on creates and updates: each stored binding whose policy
 * matches the request (matchConstraints and the binding's matchResources: resourceRules with operations,
 * groups, versions, resources and subresources, excludeResourceRules, namespaceSelector, objectSelector;
 * matchConditions) has its variables and validations evaluated (admission-cel.ts) over `object`, `oldObject`,
 * `request`, `namespaceObject`, `variables` and `authorizer`; `params` is null (paramKind is not supported).
 * A failure with the Deny action answers as kube-apiserver does:
 * `<resource> "<name>" is forbidden: ValidatingAdmissionPolicy '<p>' with binding '<b>' denied request: <message>`,
 * with the validation's reason (Invalid when unset) and its HTTP code; Warn adds a warning. An expression that
 * errors fails the request unless the policy's failurePolicy is Ignore. Policies do not apply to the
 * admissionregistration.k8s.io kinds themselves; deletes are not evaluated.
 */
import { forbiddenError } from './access-control.js';
import { ACCESS_KEYS } from './access-control-types.js';
import { authorizerValue, evaluateAdmissionExpression, isCelError, type AuthorizerCheck } from './admission-cel.js';
import { ADMIN_USER, MASTERS_GROUP, type UserInfo } from './authentication.js';
import { toCel } from './cel-rules.js';
import { matchesLabelSelector, type LabelSelector } from './label-selector.js';
import type { StoredObjects } from './rbac-authorizer.js';
import { ApiError, type StatusCause } from './status-errors.js';
import type { CelInput } from '@bufbuild/cel';
import type { KubeObject, ResourceType } from './types.js';

export interface AdmissionAttributes {
  operation: 'CREATE' | 'UPDATE';
  type: ResourceType;
  subresource: string;
  namespace: string | undefined;
  object: KubeObject;
  oldObject: KubeObject | undefined;
  user: UserInfo | undefined;
  dryRun: boolean;
}

interface RuleWithOperations {
  apiGroups?: string[];
  apiVersions?: string[];
  operations?: string[];
  resources?: string[];
  resourceNames?: string[];
  scope?: 'Cluster' | 'Namespaced' | '*';
}

interface MatchResources {
  resourceRules?: RuleWithOperations[];
  excludeResourceRules?: RuleWithOperations[];
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
}

interface PolicySpec {
  failurePolicy?: 'Fail' | 'Ignore';
  matchConstraints?: MatchResources;
  matchConditions?: Array<{ name: string; expression: string }>;
  variables?: Array<{ name: string; expression: string }>;
  validations?: Array<{ expression: string; message?: string; messageExpression?: string; reason?: string }>;
}

interface BindingSpec {
  policyName?: string;
  validationActions?: Array<'Deny' | 'Warn' | 'Audit'>;
  matchResources?: MatchResources;
}

/** Writes the server makes itself (CRDs installed at start) are the administrator's. */
const SERVER: UserInfo = { name: ADMIN_USER, groups: [MASTERS_GROUP] };
const CODES: Record<string, number> = { Unauthorized: 401, Forbidden: 403, Invalid: 422, RequestEntityTooLarge: 413 };

const listed = (list: string[] | undefined, value: string): boolean => (list ?? []).some((item) => item === '*' || item === value);

function resourceMatches(patterns: string[] | undefined, resource: string, subresource: string): boolean {
  return (patterns ?? []).some((pattern) => {
    const [main, sub = ''] = pattern.split('/');
    return (main === '*' || main === resource) && (sub === '*' || sub === subresource);
  });
}

function ruleMatches(rule: RuleWithOperations, request: AdmissionAttributes): boolean {
  const { type } = request;
  const scope = rule.scope ?? '*';
  const name = request.object.metadata.name ?? '';
  return (
    listed(rule.operations, request.operation) &&
    listed(rule.apiGroups, type.group) &&
    listed(rule.apiVersions, type.version) &&
    resourceMatches(rule.resources, type.plural, request.subresource) &&
    (scope === '*' || (scope === 'Namespaced') === type.namespaced) &&
    ((rule.resourceNames ?? []).length === 0 || rule.resourceNames!.includes(name))
  );
}

export class ValidatingAdmissionPolicies {
  constructor(
    private readonly store: StoredObjects,
    private readonly check: AuthorizerCheck,
  ) {}

  /** Throws the denial of the first failing Deny binding; returns the warnings of Warn bindings. */
  validate(request: AdmissionAttributes): string[] {
    if (request.type.group === 'admissionregistration.k8s.io') return [];
    const warnings: string[] = [];
    for (const binding of this.store.list(ACCESS_KEYS.policyBindings)) {
      const spec = (binding.spec ?? {}) as BindingSpec;
      const policy = this.store.get(ACCESS_KEYS.policies, undefined, spec.policyName ?? '');
      if (policy === undefined) continue;
      const policySpec = (policy.spec ?? {}) as PolicySpec;
      if (!this.matches(policySpec.matchConstraints, request, true) || !this.matches(spec.matchResources, request, false)) continue;
      const failure = this.evaluate(policySpec, request);
      if (failure === undefined) continue;
      const message = `ValidatingAdmissionPolicy '${policy.metadata.name}' with binding '${binding.metadata.name}' denied request: ${failure.message}`;
      const actions = spec.validationActions ?? [];
      if (actions.includes('Warn')) warnings.push(`Validation failed for ValidatingAdmissionPolicy '${policy.metadata.name}' with binding '${binding.metadata.name}': ${failure.message}`);
      if (actions.includes('Deny')) throw this.denial(request, message, failure.reason);
    }
    return warnings;
  }

  private denial(request: AdmissionAttributes, message: string, reason: string): ApiError {
    const forbidden = forbiddenError(request.type.group, request.type.plural, request.object.metadata.name ?? '', message);
    // Kubernetes' cause carries only the message.
    const causes = [{ message } as StatusCause];
    return new ApiError(CODES[reason] ?? 422, reason, forbidden.message, { ...forbidden.details, causes });
  }

  private matches(match: MatchResources | undefined, request: AdmissionAttributes, rulesRequired: boolean): boolean {
    if (match === undefined) return !rulesRequired;
    const rules = match.resourceRules ?? [];
    if ((rulesRequired || rules.length > 0) && !rules.some((rule) => ruleMatches(rule, request))) return false;
    if ((match.excludeResourceRules ?? []).some((rule) => ruleMatches(rule, request))) return false;
    const objects = [request.object, request.oldObject].filter((o): o is KubeObject => o !== undefined);
    if (match.objectSelector !== undefined && !objects.some((o) => matchesLabelSelector(match.objectSelector, o.metadata.labels))) return false;
    if (match.namespaceSelector === undefined || !request.type.namespaced) return true;
    return matchesLabelSelector(match.namespaceSelector, this.namespaceOf(request)?.metadata.labels);
  }

  private namespaceOf(request: AdmissionAttributes): KubeObject | undefined {
    return request.namespace === undefined ? undefined : this.store.get('/namespaces', undefined, request.namespace);
  }

  /** The first failing validation's message and reason, or undefined when the request passes this policy. */
  private evaluate(spec: PolicySpec, request: AdmissionAttributes): { message: string; reason: string } | undefined {
    const user = request.user ?? SERVER;
    const bindings = this.bindings(request, user);
    const variables = new Map<string, CelInput>();
    bindings.variables = variables;
    const run = (expression: string): { value?: unknown; error?: string } => {
      try {
        const result = evaluateAdmissionExpression(expression, bindings, user, this.check);
        return isCelError(result) ? { error: result.message } : { value: result };
      } catch (error) {
        return { error: (error as Error).message };
      }
    };
    const failed = (expression: string, error: string) => (spec.failurePolicy === 'Ignore' ? undefined : { message: `expression '${expression}' resulted in error: ${error}`, reason: 'Invalid' });
    for (const condition of spec.matchConditions ?? []) {
      const outcome = run(condition.expression);
      if (outcome.error !== undefined) return failed(condition.expression, outcome.error);
      if (outcome.value !== true) return undefined;
    }
    for (const variable of spec.variables ?? []) {
      const outcome = run(variable.expression);
      if (outcome.error !== undefined) return failed(variable.expression, outcome.error);
      variables.set(variable.name, outcome.value as CelInput);
    }
    for (const validation of spec.validations ?? []) {
      const outcome = run(validation.expression);
      if (outcome.error !== undefined) return failed(validation.expression, outcome.error);
      if (outcome.value === true) continue;
      const custom = validation.messageExpression === undefined ? undefined : run(validation.messageExpression).value;
      const message = typeof custom === 'string' && custom.trim() !== '' ? custom : (validation.message ?? `failed expression: ${validation.expression}`);
      return { message, reason: validation.reason ?? 'Invalid' };
    }
    return undefined;
  }

  private bindings(request: AdmissionAttributes, user: UserInfo): Record<string, CelInput> {
    const { type, object, oldObject } = request;
    const name = object.metadata.name ?? '';
    const namespace = request.namespace ?? '';
    const resource = { group: type.group, version: type.version, resource: type.plural };
    const kind = { group: type.group, version: type.version, kind: type.kind };
    const namespaceObject = this.namespaceOf(request);
    return {
      object: toCel(object, type.schema),
      oldObject: oldObject === undefined ? null : toCel(oldObject, type.schema),
      params: null,
      namespaceObject: namespaceObject === undefined ? null : toCel(namespaceObject, undefined),
      request: toCel(
        { kind, resource, subResource: request.subresource, requestKind: kind, requestResource: resource, name, namespace, operation: request.operation, userInfo: { username: user.name, groups: user.groups }, dryRun: request.dryRun },
        undefined,
      ),
      authorizer: authorizerValue({ group: type.group, resource: type.plural, subresource: request.subresource, namespace, name }),
    };
  }
}
