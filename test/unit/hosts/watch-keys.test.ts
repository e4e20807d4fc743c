import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../../src/config/load-config.js';
import { Manager } from '../../../src/controller/manager.js';
import { HOST_RESOURCE, SECRET_RESOURCE, SSH_AUTH_SECRET_SELECTOR, hostInformer, sshAuthSecretInformer } from '../../../src/hosts/watch-keys.js';
import { unusedKubeConfig } from '../support/in-memory-resources.js';

const shipped = loadConfig(fileURLToPath(new URL('../../../config/', import.meta.url)));

describe('[REQ-01] shared watch keys: one Host and one ssh-auth Secret informer per process, whichever controller asks', () => {
  // Never contacted: informers are only created, not started.
  const kubeConfig = unusedKubeConfig();
  const manager = new Manager({ kubeConfig, identity: 'watch-keys', config: shipped.controller });

  it('returns the same Host informer to every caller', () => {
    const first = hostInformer(manager);
    expect(hostInformer(manager)).to.equal(first);
    expect(manager.informerFor(HOST_RESOURCE)).to.equal(first);
  });

  it('returns the same ssh-auth Secret informer for the same credentials namespaces, in any order', () => {
    const first = sshAuthSecretInformer(manager, kubeConfig, ['keys', 'more-keys']);
    expect(sshAuthSecretInformer(manager, kubeConfig, ['more-keys', 'keys'])).to.equal(first);
    expect(sshAuthSecretInformer(manager, kubeConfig)).to.not.equal(first);
  });

  it('names the core Secret kind and selects only kubernetes.io/ssh-auth Secrets', () => {
    expect(SECRET_RESOURCE).to.deep.equal({ group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true });
    expect(SSH_AUTH_SECRET_SELECTOR).to.equal('type=kubernetes.io/ssh-auth');
    expect(HOST_RESOURCE).to.include({ group: 'virtfleet.io', plural: 'hosts', kind: 'Host', namespaced: false });
  });
});
