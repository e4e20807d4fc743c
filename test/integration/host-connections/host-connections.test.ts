import { expect } from 'chai';
import type { V1Secret } from '@kubernetes/client-node';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstValueFrom, take, toArray } from 'rxjs';
import type { Host } from '../../../src/api/v1alpha1/host.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { HostCredentialsError, HostNotFoundError } from '../../../src/errors/host-errors.js';
import { InvalidSpecError } from '../../../src/errors/invalid-spec-error.js';
import { HostKeyMismatchError } from '../../../src/errors/ssh-errors.js';
import { HostConnections } from '../../../src/hosts/host-connections.js';
import { fingerprintOf } from '../../../src/security/host-key-policy.js';
import { AuditLog } from '../../../src/security/audit-log.js';
import { generateKey, startTestSshd, type KeyPair, type TestSshd } from '../../support/sshd/index.js';

const shipped = loadConfig(fileURLToPath(new URL('../../../config/', import.meta.url)));

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the promise to reject');
}

describe('[REQ-01][REQ-02] HostConnections: one shared way to reach a Host by name (real sshd)', function () {
  this.timeout(60_000);
  let sshd: TestSshd;
  let keyDir: string;
  let rotatedKey: KeyPair;
  const hosts = new Map<string, Host>();
  const secrets = new Map<string, V1Secret>();
  let connections: HostConnections;

  const putSecret = (name: string, privateKey: string): void => {
    secrets.set(`keys/${name}`, { metadata: { namespace: 'keys', name }, type: 'kubernetes.io/ssh-auth', data: { 'ssh-privatekey': Buffer.from(privateKey).toString('base64') } });
  };
  const putHost = (name: string, spec: Partial<Host['spec']> = {}): void => {
    hosts.set(name, {
      metadata: { name },
      spec: { address: sshd.address, port: sshd.port, user: sshd.user, credentialsSecretRef: { namespace: 'keys', name: `${name}-ssh` }, hostKeys: [sshd.hostKey.publicKey], ...spec },
    });
  };

  before(async () => {
    keyDir = await mkdtemp(join(tmpdir(), 'host-connections-'));
    rotatedKey = await generateKey(keyDir, 'rotated', 'ed25519');
    sshd = await startTestSshd({ authorizedKeys: [rotatedKey.publicKey] });
  });
  after(async () => {
    await sshd?.stop();
    await rm(keyDir, { recursive: true, force: true });
  });

  beforeEach(() => {
    hosts.clear();
    secrets.clear();
    connections = new HostConnections({
      hosts: { get: (_namespace, name) => hosts.get(name) },
      secrets: { get: (namespace, name) => secrets.get(`${namespace}/${name}`) },
      ssh: { ...shipped.ssh, reconnect: { baseDelayMs: 10, maxDelayMs: 50 } },
      libvirt: shipped.libvirt,
      audit: new AuditLog({ write: () => true }, { controller: 'host-connections-test' }),
    });
  });
  afterEach(async () => connections.closeAll());

  it('opens a Host by name, returns the verified fingerprint and the session, and reuses both on the next open', async () => {
    putSecret('hv1-ssh', sshd.clientKey.privateKey);
    putHost('hv1');
    const signal = new AbortController().signal;
    const first = await connections.open('hv1', signal);
    expect(first.fingerprint).to.equal(fingerprintOf(Buffer.from(sshd.hostKey.publicKey.split(' ')[1] ?? '', 'base64')));
    expect((await first.session.exec(['echo', 'hello'])).stdout).to.equal('hello\n');
    const second = await connections.open('hv1', signal);
    expect(second.session).to.equal(first.session);
    expect(second.libvirt).to.equal(first.libvirt);
    expect(first.session.connectionCount).to.equal(1);
  });

  it('replaces the session and the libvirt client when the Secret or the pins change, compared as parsed pins', async () => {
    putSecret('hv1-ssh', sshd.clientKey.privateKey);
    putHost('hv1');
    const signal = new AbortController().signal;
    const before = await connections.open('hv1', signal);
    putSecret('hv1-ssh', rotatedKey.privateKey);
    const rotated = await connections.open('hv1', signal);
    expect(rotated.session).to.not.equal(before.session);
    expect(rotated.libvirt).to.not.equal(before.libvirt);
    putHost('hv1', { hostKeys: [before.fingerprint] });
    const samePin = await connections.open('hv1', signal);
    expect(samePin.session, 'the same key pinned by fingerprint is the same pin').to.equal(rotated.session);
    putHost('hv1', { hostKeys: [before.fingerprint, `SHA256:${'B'.repeat(43)}`] });
    const repinned = await connections.open('hv1', signal);
    expect(repinned.session).to.not.equal(rotated.session);
    expect(repinned.fingerprint).to.equal(before.fingerprint);
  });

  it('throws typed errors naming what is missing: the Host, its Secret, a readable key, a valid pin, the pinned key', async () => {
    const signal = new AbortController().signal;
    expect(await rejectionOf(connections.open('absent', signal))).to.be.instanceOf(HostNotFoundError);
    putHost('hv1');
    const noSecret = await rejectionOf(connections.open('hv1', signal));
    expect(noSecret).to.be.instanceOf(HostCredentialsError);
    expect(noSecret).to.include({ reason: 'CredentialsNotFound', retryable: false });
    expect(noSecret.message).to.equal('Secret keys/hv1-ssh of type kubernetes.io/ssh-auth not found');
    putSecret('hv1-ssh', 'not a private key');
    const unreadable = await rejectionOf(connections.open('hv1', signal));
    expect(unreadable).to.be.instanceOf(HostCredentialsError);
    expect(unreadable).to.include({ reason: 'CredentialsInvalid', retryable: false });
    expect(unreadable.message).to.match(/^Secret keys\/hv1-ssh: cannot read the private key/);
    putSecret('hv1-ssh', sshd.clientKey.privateKey);
    putHost('hv1', { hostKeys: ['not a key'] });
    const badPin = await rejectionOf(connections.open('hv1', signal));
    expect(badPin).to.be.instanceOf(InvalidSpecError);
    expect(badPin.message).to.match(/^spec\.hostKeys: hostKeys\[0\]/);
    putHost('hv1', { hostKeys: [`SHA256:${'A'.repeat(43)}`] });
    expect(await rejectionOf(connections.open('hv1', signal))).to.be.instanceOf(HostKeyMismatchError);
  });

  it('reports a lost connection on drops() with the Host name, and not a close on purpose', async () => {
    putSecret('hv1-ssh', sshd.clientKey.privateKey);
    putHost('hv1');
    const signal = new AbortController().signal;
    const drops = firstValueFrom(connections.drops().pipe(take(1), toArray()));
    await connections.open('hv1', signal);
    await sshd.kill();
    const [drop] = await drops;
    expect(drop?.host).to.equal('hv1');
    await sshd.start();
    const reopened = await connections.open('hv1', signal);
    expect(reopened.session.connectionCount).to.equal(2);
    const seen: string[] = [];
    const subscription = connections.drops().subscribe((lost) => seen.push(lost.host));
    await connections.forget('hv1');
    await new Promise((resolve) => setTimeout(resolve, 200));
    subscription.unsubscribe();
    expect(seen).to.deep.equal([]);
  });
});
