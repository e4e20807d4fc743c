import { expect } from 'chai';
import type { V1Secret } from '@kubernetes/client-node';
import { readCredentials, type SecretLookup } from '../../../src/hosts/host-credentials.js';

const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nkey\n-----END OPENSSH PRIVATE KEY-----\n';

function lookupOf(...secrets: V1Secret[]): SecretLookup {
  return { get: (namespace, name) => secrets.find((s) => s.metadata?.namespace === namespace && s.metadata?.name === name) };
}

const sshSecret: V1Secret = {
  metadata: { namespace: 'keys', name: 'hv1-ssh' },
  type: 'kubernetes.io/ssh-auth',
  data: { 'ssh-privatekey': Buffer.from(KEY).toString('base64') },
};

describe('[REQ-05] Host credentials from the cache of SSH-auth Secrets in the credentials namespaces', () => {
  it('reads the private key of a Secret in a credentials namespace', () => {
    const result = readCredentials(lookupOf(sshSecret), { namespace: 'keys', name: 'hv1-ssh' }, ['keys', 'more-keys']);
    expect(result).to.deep.equal({ found: true, credentials: { privateKey: KEY } });
  });

  it('reads from any namespace when no credentials namespaces are configured', () => {
    expect(readCredentials(lookupOf(sshSecret), { namespace: 'keys', name: 'hv1-ssh' }).found).to.equal(true);
  });

  it('names the credentials namespaces when a Host points at a Secret outside them', () => {
    const result = readCredentials(lookupOf(sshSecret), { namespace: 'keys', name: 'hv1-ssh' }, ['virtfleet-system']);
    expect(result).to.deep.equal({
      found: false,
      reason: 'CredentialsNotFound',
      message: 'Secret keys/hv1-ssh is not readable: namespace keys is not one of the credentialsNamespaces (virtfleet-system)',
    });
  });

  it('says which Secret type it looked for when the Secret is not cached', () => {
    const result = readCredentials(lookupOf(), { namespace: 'keys', name: 'hv1-ssh' }, ['keys']);
    expect(result).to.deep.equal({ found: false, reason: 'CredentialsNotFound', message: 'Secret keys/hv1-ssh of type kubernetes.io/ssh-auth not found' });
  });
});
