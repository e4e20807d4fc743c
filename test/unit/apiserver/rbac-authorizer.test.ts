import { expect } from 'chai';
import { ACCESS_KEYS } from '../../../src/apiserver/access-control-types.js';
import { ConfigError } from '../../../src/errors/config-error.js';
import { parseTokenFile, TokenAuthenticator } from '../../../src/apiserver/authentication.js';
import { RbacAuthorizer, ruleAllows, type StoredObjects } from '../../../src/apiserver/rbac-authorizer.js';
import type { RequestAttributes } from '../../../src/apiserver/request-attributes.js';
import type { KubeObject } from '../../../src/apiserver/types.js';
import type { IncomingMessage } from 'node:http';

const request = (verb: string, resource: string, extra: Partial<Extract<RequestAttributes, { kind: 'resource' }>> = {}): RequestAttributes => ({ kind: 'resource', verb, group: 'virtfleet.io', resource, subresource: '', namespace: 'team-a', name: '', ...extra });

function storeOf(objects: Array<[string, KubeObject]>): StoredObjects {
  return {
    list: (key, namespace) => objects.filter(([k, o]) => k === key && (namespace === undefined || o.metadata.namespace === namespace)).map(([, o]) => o),
    get: (key, namespace, name) => objects.find(([k, o]) => k === key && o.metadata.namespace === namespace && o.metadata.name === name)?.[1],
  };
}

describe('[REQ-05] RBAC rule matching and bindings of the API server', () => {
  const cases: Array<[string, Parameters<typeof ruleAllows>[0], RequestAttributes, boolean]> = [
    ['exact verb, group and resource', { verbs: ['get'], apiGroups: ['virtfleet.io'], resources: ['hosts'] }, request('get', 'hosts'), true],
    ['another verb', { verbs: ['get'], apiGroups: ['virtfleet.io'], resources: ['hosts'] }, request('list', 'hosts'), false],
    ['another group', { verbs: ['get'], apiGroups: [''], resources: ['hosts'] }, request('get', 'hosts'), false],
    ['a subresource needs its own entry', { verbs: ['update'], apiGroups: ['virtfleet.io'], resources: ['hosts'] }, request('update', 'hosts', { subresource: 'status' }), false],
    ['resource/subresource', { verbs: ['update'], apiGroups: ['virtfleet.io'], resources: ['hosts/status'] }, request('update', 'hosts', { subresource: 'status' }), true],
    ['*/subresource', { verbs: ['update'], apiGroups: ['virtfleet.io'], resources: ['*/status'] }, request('update', 'hosts', { subresource: 'status' }), true],
    ['wildcards', { verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, request('force-delete', 'hosts'), true],
    ['resourceNames match the name', { verbs: ['patch'], apiGroups: ['virtfleet.io'], resources: ['hosts'], resourceNames: ['hv1'] }, request('patch', 'hosts', { name: 'hv1' }), true],
    ['resourceNames refuse other names and none', { verbs: ['patch'], apiGroups: ['virtfleet.io'], resources: ['hosts'], resourceNames: ['hv1'] }, request('patch', 'hosts'), false],
    ['nonResourceURLs with a trailing *', { verbs: ['get'], nonResourceURLs: ['/logs/*'] }, { kind: 'nonResource', verb: 'get', path: '/logs/x' }, true],
    ['resource rules do not grant paths', { verbs: ['get'], apiGroups: ['*'], resources: ['*'] }, { kind: 'nonResource', verb: 'get', path: '/logs' }, false],
  ];
  for (const [name, rule, attributes, allowed] of cases) {
    it(`rule: ${name}`, () => expect(ruleAllows(rule, attributes)).to.equal(allowed));
  }

  const viewRole: KubeObject = { metadata: { name: 'view-vms', labels: { aggregate: 'view' } }, rules: [{ verbs: ['get'], apiGroups: ['virtfleet.io'], resources: ['virtualmachines'] }] } as KubeObject;
  const hostsRole: KubeObject = { metadata: { name: 'hosts', labels: { aggregate: 'view' } }, rules: [{ verbs: ['get'], apiGroups: ['virtfleet.io'], resources: ['hosts'] }] } as KubeObject;
  const aggregated: KubeObject = { metadata: { name: 'view' }, aggregationRule: { clusterRoleSelectors: [{ matchExpressions: [{ key: 'aggregate', operator: 'In', values: ['view'] }] }] }, rules: [] } as KubeObject;
  const alice = { name: 'alice', groups: ['system:authenticated'] };
  const sa = { name: 'system:serviceaccount:ops:robot', groups: [] };
  const authorizer = new RbacAuthorizer(
    storeOf([
      [ACCESS_KEYS.clusterRoles, viewRole],
      [ACCESS_KEYS.clusterRoles, hostsRole],
      [ACCESS_KEYS.clusterRoles, aggregated],
      [ACCESS_KEYS.roleBindings, { metadata: { name: 'b', namespace: 'team-a' }, roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'alice' }] } as KubeObject],
      [ACCESS_KEYS.roles, { metadata: { name: 'leases', namespace: 'ops' }, rules: [{ verbs: ['update'], apiGroups: ['coordination.k8s.io'], resources: ['leases'] }] } as KubeObject],
      [ACCESS_KEYS.roleBindings, { metadata: { name: 'r', namespace: 'ops' }, roleRef: { kind: 'Role', name: 'leases' }, subjects: [{ kind: 'ServiceAccount', name: 'robot' }] } as KubeObject],
    ]),
  );

  it('grants an aggregated ClusterRole\'s selected rules through a RoleBinding, in its namespace only', () => {
    expect([authorizer.authorize(alice, request('get', 'virtualmachines')), authorizer.authorize(alice, request('get', 'hosts')), authorizer.authorize(alice, request('get', 'virtualmachines', { namespace: 'other' })), authorizer.authorize(alice, request('get', 'virtualmachines', { namespace: '' }))]).to.deep.equal([true, true, false, false]);
  });

  it('matches a ServiceAccount subject without namespace to the binding\'s namespace', () => {
    const lease = request('update', 'leases', { group: 'coordination.k8s.io', namespace: 'ops' });
    expect([authorizer.authorize(sa, lease), authorizer.authorize({ name: 'system:serviceaccount:other:robot', groups: [] }, lease)]).to.deep.equal([true, false]);
  });

  it('lets system:masters do everything and every user review its own access', () => {
    expect(authorizer.authorize({ name: 'root', groups: ['system:masters'] }, request('delete', 'hosts', { namespace: '' }))).to.equal(true);
    expect(authorizer.authorize({ name: 'bob', groups: [] }, request('create', 'selfsubjectaccessreviews', { group: 'authorization.k8s.io', namespace: '' }))).to.equal(true);
    expect(authorizer.authorize({ name: 'bob', groups: [] }, request('get', 'virtualmachines'))).to.equal(false);
  });

  it('reads kube-apiserver\'s static token file format and adds the implied groups', () => {
    const users = parseTokenFile('# comment\n\nt1,alice,uid1,"team-a,ops"\nt2,system:serviceaccount:ops:robot,uid2\n', 'tokens.csv');
    const authenticator = new TokenAuthenticator('admin-token', users);
    const as = (token: string) => authenticator.authenticate({ headers: { authorization: `Bearer ${token}` } } as IncomingMessage);
    expect(as('t1')).to.deep.equal({ name: 'alice', groups: ['team-a', 'ops', 'system:authenticated'] });
    expect(as('t2')).to.deep.equal({ name: 'system:serviceaccount:ops:robot', groups: ['system:serviceaccounts', 'system:serviceaccounts:ops', 'system:authenticated'] });
    expect(as('admin-token')).to.deep.equal({ name: 'system:admin', groups: ['system:masters', 'system:authenticated'] });
    expect(as('t3')).to.equal(undefined);
    expect(() => parseTokenFile('t,u,1\nonly-a-token', 'tokens.csv')).to.throw(ConfigError).with.property('problems').that.deep.equals([{ file: 'tokens.csv', line: 2, path: '', message: 'expected token,user,uid[,"group1,group2"]' }]);
  });
});
