import { celEnv, isCelError, parse, plan, type CelInput } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { expect } from 'chai';
import { named, ofKind, render, type K8sObject } from './render-chart.js';

interface Policy {
  spec: {
    failurePolicy: string;
    matchConstraints: { resourceRules: Array<{ apiGroups: string[]; operations: string[]; resources: string[] }> };
    variables: Array<{ name: string; expression: string }>;
    validations: Array<{ expression: string; messageExpression: string; reason: string }>;
  };
}

const environment = celEnv({ funcs: strings });
const AUTHORIZER = /authorizer\.group\('virtfleet\.io'\)\.resource\('hosts'\)\.check\('([a-z-]+)'\)\.allowed\(\)/g;

function toCel(value: unknown): CelInput {
  if (Array.isArray(value)) return value.map(toCel);
  if (value !== null && typeof value === 'object') return new Map(Object.entries(value).map(([key, item]) => [key, toCel(item)]));
  return value as CelInput;
}

function evaluate(expression: string, bindings: Record<string, CelInput>): unknown {
  const result = (plan(environment, parse(expression)) as (ctx: Record<string, CelInput>) => unknown)(bindings);
  if (isCelError(result)) throw new Error(`${expression}: ${result.message}`);
  return result;
}

/**
 * Evaluates the policy as the API server would for one request. The authorizer library's checks are bound to
 * booleans (`granted` lists the verbs the requester holds on hosts.virtfleet.io); evaluating the library itself
 * is the test API server's part.
 */
function admit(policy: Policy, resource: string, object: object, oldObject: object | null, granted: string[]): string[] {
  const bindings: Record<string, CelInput> = { request: toCel({ resource: { group: 'virtfleet.io', resource } }), object: toCel(object), oldObject: oldObject === null ? null : toCel(oldObject) };
  const variables = new Map<string, CelInput>();
  for (const variable of policy.spec.variables) variables.set(variable.name, evaluate(variable.expression, { ...bindings, variables }) as CelInput);
  const withVerbs = (expression: string): string => expression.replace(AUTHORIZER, (_call, verb: string) => String(granted.includes(verb)));
  return policy.spec.validations
    .filter((validation) => evaluate(withVerbs(validation.expression), { ...bindings, variables }) !== true)
    .map((validation) => String(evaluate(validation.messageExpression, { ...bindings, variables })));
}

const transfer = (spec: object, annotations?: Record<string, string>) => ({ metadata: { name: 't', ...(annotations ? { annotations } : {}) }, spec: { digest: 'sha256:00', ...spec } });
const fromUrl = { source: { url: { url: 'https://images.example/debian.qcow2' } }, destinations: [{ host: 'hv1', pool: 'default' }] };
const fromHostPath = { source: { host: { name: 'hv1', path: '/srv/images/debian.qcow2' } }, destinations: [{ host: 'hv2', path: '/var/lib/images/debian.qcow2' }] };
const FORCE = { 'virtfleet.io/force-delete': 'true' };

describe('[REQ-05] Helm chart helm/virtfleet: the admission policy for sensitive operations', function () {
  this.timeout(60_000);
  let objects: K8sObject[];
  let policy: Policy;

  before(async () => {
    objects = await render();
    policy = named(objects, 'ValidatingAdmissionPolicy', 'vf-virtfleet-sensitive-operations') as unknown as Policy;
  });

  it('binds the policy with Deny for creates and updates of every virtfleet kind, failing closed; off with admissionPolicy.enabled=false', async () => {
    const binding = named(objects, 'ValidatingAdmissionPolicyBinding', 'vf-virtfleet-sensitive-operations') as unknown as { spec: unknown };
    expect(binding.spec).to.deep.equal({ policyName: 'vf-virtfleet-sensitive-operations', validationActions: ['Deny'] });
    expect(policy.spec.failurePolicy).to.equal('Fail');
    expect(policy.spec.matchConstraints.resourceRules).to.deep.equal([{ apiGroups: ['virtfleet.io'], apiVersions: ['*'], operations: ['CREATE', 'UPDATE'], resources: ['hosts', 'virtualmachines', 'imagetransfers'] }]);
    const off = await render('--set', 'admissionPolicy.enabled=false');
    expect([...ofKind(off, 'ValidatingAdmissionPolicy'), ...ofKind(off, 'ValidatingAdmissionPolicyBinding')]).to.deep.equal([]);
  });

  it('lets anyone create a transfer without host paths, and only holders of use-host-paths one with them, naming the paths', () => {
    expect(admit(policy, 'imagetransfers', transfer(fromUrl), null, [])).to.deep.equal([]);
    expect(admit(policy, 'imagetransfers', transfer(fromHostPath), null, [])).to.deep.equal([
      'raw host paths (/srv/images/debian.qcow2, /var/lib/images/debian.qcow2) need the verb use-host-paths on hosts.virtfleet.io (granted by vf-virtfleet-admin)',
    ]);
    expect(admit(policy, 'imagetransfers', transfer(fromHostPath), null, ['use-host-paths'])).to.deep.equal([]);
  });

  it('checks only host paths an update adds, so updates of an existing transfer (the operator\'s own) pass', () => {
    expect(admit(policy, 'imagetransfers', transfer({ ...fromHostPath, bandwidthLimit: '100Mi' }), transfer(fromHostPath), [])).to.deep.equal([]);
    const added = { ...fromUrl, destinations: [{ host: 'hv1', pool: 'default' }, { host: 'hv3', path: '/etc/cron.d/x' }] };
    expect(admit(policy, 'imagetransfers', transfer(added), transfer(fromUrl), [])).to.deep.equal([
      'raw host paths (/etc/cron.d/x) need the verb use-host-paths on hosts.virtfleet.io (granted by vf-virtfleet-admin)',
    ]);
  });

  it('lets only holders of force-delete set or change the virtfleet.io/force-delete annotation, on any kind', () => {
    const message = 'the annotation virtfleet.io/force-delete needs the verb force-delete on hosts.virtfleet.io (granted by vf-virtfleet-admin)';
    for (const resource of ['hosts', 'virtualmachines', 'imagetransfers']) {
      const plain = transfer(fromUrl);
      const forced = transfer(fromUrl, FORCE);
      expect(admit(policy, resource, forced, plain, []), resource).to.deep.equal([message]);
      expect(admit(policy, resource, forced, null, []), resource).to.deep.equal([message]);
      expect(admit(policy, resource, forced, plain, ['force-delete']), resource).to.deep.equal([]);
      expect(admit(policy, resource, forced, forced, []), resource).to.deep.equal([]);
      expect(admit(policy, resource, transfer(fromUrl, { other: 'x' }), plain, []), resource).to.deep.equal([]);
    }
  });

  it('asks the authorizer only for the two dedicated verbs on hosts.virtfleet.io', () => {
    const verbs = policy.spec.validations.flatMap((validation) => [...validation.expression.matchAll(AUTHORIZER)].map((match) => match[1]));
    expect(verbs).to.deep.equal(['use-host-paths', 'force-delete']);
    expect(policy.spec.validations.every((validation) => validation.reason === 'Forbidden')).to.equal(true);
  });
});
