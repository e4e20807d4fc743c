import { expect } from 'chai';
import { ACCESS_KEYS } from '../../../src/apiserver/access-control-types.js';
import { ValidatingAdmissionPolicies, type AdmissionAttributes } from '../../../src/apiserver/admission-policy.js';
import type { RequestAttributes } from '../../../src/apiserver/request-attributes.js';
import type { KubeObject, ResourceType } from '../../../src/apiserver/types.js';

const VMS: ResourceType = { group: 'virtfleet.io', version: 'v1alpha1', kind: 'VirtualMachine', listKind: 'VirtualMachineList', plural: 'virtualmachines', singular: 'virtualmachine', namespaced: true, shortNames: [], categories: [], hasStatus: true, custom: true, printerColumns: [] };

function policies(spec: object, binding: object = {}, checks: RequestAttributes[] = []): ValidatingAdmissionPolicies {
  const objects: Array<[string, KubeObject]> = [
    [ACCESS_KEYS.policies, { metadata: { name: 'p' }, spec } as KubeObject],
    [ACCESS_KEYS.policyBindings, { metadata: { name: 'b' }, spec: { policyName: 'p', validationActions: ['Deny'], ...binding } } as KubeObject],
    ['/namespaces', { metadata: { name: 'team-a', labels: { tier: 'gold' } } }],
  ];
  const store = {
    list: (key: string) => objects.filter(([k]) => k === key).map(([, o]) => o),
    get: (key: string, _namespace: string | undefined, name: string) => objects.find(([k, o]) => k === key && o.metadata.name === name)?.[1],
  };
  return new ValidatingAdmissionPolicies(store, (user, attributes) => {
    checks.push(attributes);
    return user.name === 'root';
  });
}

const request = (overrides: Partial<AdmissionAttributes> = {}): AdmissionAttributes => ({
  operation: 'CREATE', type: VMS, subresource: '', namespace: 'team-a', object: { metadata: { name: 'vm1', labels: { app: 'db' } }, spec: { memory: '1Gi' } }, oldObject: undefined, user: { name: 'alice', groups: ['dev'] }, dryRun: false, ...overrides,
});
const rules = [{ apiGroups: ['virtfleet.io'], apiVersions: ['*'], operations: ['CREATE', 'UPDATE'], resources: ['virtualmachines'] }];
const denyAll = { matchConstraints: { resourceRules: rules }, validations: [{ expression: 'false', message: 'no' }] };

/** The denial's message, or '' when admitted. */
function outcome(admission: ValidatingAdmissionPolicies, attributes: AdmissionAttributes): string {
  try {
    admission.validate(attributes);
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}

describe('[REQ-05] ValidatingAdmissionPolicy matching and evaluation of the API server', () => {
  it('denies in Kubernetes\' words, with the validation\'s reason and code (Invalid, 422, when unset)', () => {
    let thrown: { message: string; code: number; reason: string } | undefined;
    try {
      policies(denyAll).validate(request());
    } catch (error) {
      thrown = error as typeof thrown;
    }
    expect([thrown?.message, thrown?.code, thrown?.reason]).to.deep.equal(["virtualmachines.virtfleet.io \"vm1\" is forbidden: ValidatingAdmissionPolicy 'p' with binding 'b' denied request: no", 422, 'Invalid']);
  });

  it('matches operations, resources and subresources as admission rules do', () => {
    const admission = policies(denyAll);
    expect(outcome(admission, request({ subresource: 'status', operation: 'UPDATE' }))).to.equal('');
    expect(outcome(admission, request({ operation: 'UPDATE', oldObject: { metadata: { name: 'vm1' } } }))).to.contain('denied request: no');
    const statusToo = policies({ ...denyAll, matchConstraints: { resourceRules: [{ ...rules[0], resources: ['virtualmachines/*'] }] } });
    // As apiserver's rule matcher: `resource/*` takes the subresources and (its `*` matching '') the resource itself.
    expect([outcome(statusToo, request({ subresource: 'status' })), outcome(statusToo, request())].map((m) => m.endsWith('denied request: no'))).to.deep.equal([true, true]);
  });

  it('honours object and namespace selectors, excludeResourceRules and matchConditions', () => {
    const cases: Array<[object, object, boolean]> = [
      [{ matchConstraints: { resourceRules: rules, objectSelector: { matchLabels: { app: 'web' } } } }, {}, false],
      [{ matchConstraints: { resourceRules: rules, namespaceSelector: { matchLabels: { tier: 'gold' } } } }, {}, true],
      [{ matchConstraints: { resourceRules: rules, excludeResourceRules: rules } }, {}, false],
      [{ matchConstraints: { resourceRules: rules }, matchConditions: [{ name: 'dev', expression: "'dev' in request.userInfo.groups" }] }, {}, true],
      [{ matchConstraints: { resourceRules: rules }, matchConditions: [{ name: 'ops', expression: "'ops' in request.userInfo.groups" }] }, {}, false],
      [{ matchConstraints: { resourceRules: rules } }, { matchResources: { objectSelector: { matchLabels: { app: 'web' } } } }, false],
    ];
    expect(cases.map(([spec, binding]) => outcome(policies({ ...spec, validations: denyAll.validations }, binding), request()) !== '')).to.deep.equal(cases.map(([, , denied]) => denied));
  });

  it('evaluates variables, messageExpression and the authorizer library for the requesting user', () => {
    const checks: RequestAttributes[] = [];
    const spec = {
      matchConstraints: { resourceRules: rules },
      variables: [{ name: 'memory', expression: 'object.spec.memory' }],
      validations: [{
        expression: "authorizer.group('virtfleet.io').resource('hosts').namespace(request.namespace).check('use-host-paths').allowed() || authorizer.requestResource.check('approve').allowed()",
        messageExpression: "'memory ' + variables.memory + ' needs approval'",
        reason: 'Forbidden',
      }],
    };
    expect(outcome(policies(spec, {}, checks), request())).to.contain("denied request: memory 1Gi needs approval");
    expect(checks).to.deep.equal([
      { kind: 'resource', verb: 'use-host-paths', group: 'virtfleet.io', resource: 'hosts', subresource: '', namespace: 'team-a', name: '' },
      { kind: 'resource', verb: 'approve', group: 'virtfleet.io', resource: 'virtualmachines', subresource: '', namespace: 'team-a', name: 'vm1' },
    ]);
    expect(outcome(policies(spec), request({ user: { name: 'root', groups: [] } }))).to.equal('');
  });

  it('fails closed on an expression error unless failurePolicy is Ignore, and only warns with the Warn action', () => {
    const broken = { matchConstraints: { resourceRules: rules }, validations: [{ expression: 'object.spec.missing == 1' }] };
    expect(outcome(policies(broken), request())).to.contain("denied request: expression 'object.spec.missing == 1' resulted in error");
    expect(outcome(policies({ ...broken, failurePolicy: 'Ignore' }), request())).to.equal('');
    expect(policies(denyAll, { validationActions: ['Warn'] }).validate(request())).to.deep.equal(["Validation failed for ValidatingAdmissionPolicy 'p' with binding 'b': no"]);
  });
});
