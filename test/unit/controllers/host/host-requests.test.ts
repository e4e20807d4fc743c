import { expect } from 'chai';
import type { Host } from '../../../../src/api/v1alpha1/host.js';
import type { VirtualMachine } from '../../../../src/api/v1alpha1/virtual-machine.js';
import { deletingHostOf, hostsUsingSecret } from '../../../../src/controllers/host/host-requests.js';

const host = (name: string, deleting = false): Host => ({
  metadata: { name, ...(deleting ? { deletionTimestamp: new Date() } : {}) },
  spec: { address: 'a', user: 'u', credentialsSecretRef: { namespace: 'keys', name: `${name}-ssh` }, hostKeys: ['k'] },
});
const vmOn = (hostName?: string): VirtualMachine => ({ metadata: { namespace: 'apps', name: 'web' }, spec: {} as VirtualMachine['spec'], ...(hostName === undefined ? {} : { status: { host: hostName } }) });

describe('[REQ-01] Host controller mapped watches', () => {
  const hosts = new Map([['hv1', host('hv1')], ['hv2', host('hv2', true)]]);
  const lookup = { get: (_namespace: undefined, name: string) => hosts.get(name) };

  it('maps a Secret to every Host that references it', () => {
    expect(hostsUsingSecret([...hosts.values()], { metadata: { namespace: 'keys', name: 'hv2-ssh' } })).to.deep.equal([{ name: 'hv2' }]);
  });

  it('maps a VirtualMachine to its Host only while that Host is being deleted', () => {
    expect(deletingHostOf(lookup, vmOn('hv2'))).to.deep.equal([{ name: 'hv2' }]);
    expect(deletingHostOf(lookup, vmOn('hv1'))).to.deep.equal([]);
    expect(deletingHostOf(lookup, vmOn('absent'))).to.deep.equal([]);
    expect(deletingHostOf(lookup, vmOn())).to.deep.equal([]);
  });
});
