import { expect } from 'chai';
import { binaryQuantity, inspectHypervisor } from '../../../../src/controllers/host/inspect-hypervisor.js';
import { hostsUsingSecret } from '../../../../src/controllers/host/host-requests.js';
import type { Host } from '../../../../src/api/v1alpha1/host.js';
import { domainXml, fixedHypervisor } from './host-test-doubles.js';

describe('[REQ-01] Host reconciler steps: hypervisor inspection and the Secret mapping', () => {
  const quantities: Array<[bigint, string]> = [
    [0n, '0'],
    [1000n, '1000'],
    [1024n, '1Ki'],
    [1536n * 1024n * 1024n, '1536Mi'],
    [16n << 30n, '16Gi'],
    [3n << 40n, '3Ti'],
    [(1n << 30n) + 1n, '1073741825'],
  ];
  for (const [bytes, quantity] of quantities) {
    it(`writes ${bytes} bytes as the exact quantity ${quantity}`, () => {
      expect(binaryQuantity(bytes)).to.equal(quantity);
    });
  }

  it('counts only the domains that carry virtfleet owner metadata', async () => {
    const facts = await inspectHypervisor(fixedHypervisor(4, 8 * 1024 * 1024, [
      domainXml('mine', 2, 512, { namespace: 'a', uid: '1' }),
      domainXml('theirs', 8, 4096),
    ]));
    expect(facts).to.deep.equal({
      libvirtVersion: '9.0.0',
      hypervisorVersion: '7.2.0',
      capacity: { cpus: 4, memory: '8Gi' },
      allocated: { cpus: 2, memory: '512Mi' },
      vmCount: 1,
    });
  });

  it('reports zero allocation on a host without virtfleet domains', async () => {
    const facts = await inspectHypervisor(fixedHypervisor(2, 1024 * 1024));
    expect(facts.allocated).to.deep.equal({ cpus: 0, memory: '0' });
    expect(facts.vmCount).to.equal(0);
  });

  it('maps a Secret to exactly the Hosts whose credentialsSecretRef names it', () => {
    const host = (name: string, namespace: string, secret: string): Host => ({
      metadata: { name },
      spec: { address: 'h', user: 'root', hostKeys: [], credentialsSecretRef: { namespace, name: secret } },
    });
    const hosts = [host('a', 'ops', 'ssh'), host('b', 'ops', 'other'), host('c', 'dev', 'ssh'), host('d', 'ops', 'ssh')];
    expect(hostsUsingSecret(hosts, { metadata: { namespace: 'ops', name: 'ssh' } })).to.deep.equal([{ name: 'a' }, { name: 'd' }]);
    expect(hostsUsingSecret(hosts, { metadata: { namespace: 'kube-system', name: 'ssh' } })).to.deep.equal([]);
  });
});
