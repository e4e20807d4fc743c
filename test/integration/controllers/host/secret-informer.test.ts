import { expect } from 'chai';
import { CoreV1Api, KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { fileURLToPath } from 'node:url';
import type { Host } from '../../../../src/api/v1alpha1/host.js';
import { loadConfig } from '../../../../src/config/load-config.js';
import { systemClock } from '../../../../src/time/clock.js';
import { findCondition } from '../../../../src/controller/conditions.js';
import { CustomResourceClient } from '../../../../src/controller/custom-resource-client.js';
import { EventRecorder } from '../../../../src/controller/event-recorder.js';
import type { Informer } from '../../../../src/controller/informer.js';
import { Manager } from '../../../../src/controller/manager.js';
import { hostAccessOver } from '../../../../src/controllers/host/host-access.js';
import { registerHostController } from '../../../../src/controllers/host/host-controller.js';
import { HostConnections } from '../../../../src/hosts/host-connections.js';
import { HOST_RESOURCE, hostInformer, sshAuthSecretInformer } from '../../../../src/hosts/watch-keys.js';
import { AuditLog } from '../../../../src/security/audit-log.js';
import { startTestApiServer, type TestApiServer } from '../../../support/apiserver/index.js';

const REPO = new URL('../../../../', import.meta.url);
const shipped = loadConfig(fileURLToPath(new URL('config/', REPO)));
const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key\n-----END OPENSSH PRIVATE KEY-----\n';

/** Polls until `probe` returns a value; fails after `timeoutMs`. */
async function eventually<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('[REQ-05] Host controller Secret cache: SSH-auth Secrets of the credentials namespaces only, against the test API server', function () {
  this.timeout(30_000);
  let server: TestApiServer;
  let kubeConfig: KubeConfig;
  let core: CoreV1Api;
  let manager: Manager;
  let connections: HostConnections;
  let secrets: Informer<V1Secret>;
  let hosts: CustomResourceClient<Host>;

  const createSecret = (namespace: string, name: string, type?: string): Promise<V1Secret> =>
    core.createNamespacedSecret({ namespace, body: { metadata: { name }, ...(type === undefined ? {} : { type }), stringData: { 'ssh-privatekey': KEY } } });
  const cached = (): string[] => secrets.store.list().map((s) => `${s.metadata?.namespace}/${s.metadata?.name}`).sort();

  before(async () => {
    server = await startTestApiServer({ crdDir: fileURLToPath(new URL('crds', REPO)) });
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(server.kubeconfigPath);
    core = kubeConfig.makeApiClient(CoreV1Api);
    hosts = new CustomResourceClient<Host>(kubeConfig, HOST_RESOURCE);
    for (const name of ['keys', 'more-keys', 'apps']) await core.createNamespace({ body: { metadata: { name } } });
    await createSecret('keys', 'listed-ssh', 'kubernetes.io/ssh-auth');
    await createSecret('keys', 'listed-opaque');
    await createSecret('apps', 'listed-ssh', 'kubernetes.io/ssh-auth');
    const audit = new AuditLog({ write: () => true }, { controller: 'secret-cache' });
    manager = new Manager({
      kubeConfig,
      identity: 'secret-cache',
      config: { ...shipped.controller, resyncPeriodSeconds: 0, leaderElection: { ...shipped.controller.leaderElection, enabled: false } },
    });
    const credentialsNamespaces = ['keys', 'more-keys'];
    connections = new HostConnections({
      hosts: hostInformer(manager).store,
      secrets: sshAuthSecretInformer(manager, kubeConfig, credentialsNamespaces).store,
      credentialsNamespaces,
      ssh: shipped.ssh,
      libvirt: shipped.libvirt,
      audit,
    });
    const registered = registerHostController({
      manager,
      kubeConfig,
      access: hostAccessOver(connections),
      events: new EventRecorder(kubeConfig, { component: 'virtfleet-controller' }),
      clock: systemClock,
      workers: 1,
      credentialsNamespaces,
    });
    secrets = registered.informers[1];
    manager.start();
    await secrets.synced;
  });

  after(async () => {
    await manager?.stop();
    await connections?.closeAll();
    await server?.stop();
  });

  it('lists only the kubernetes.io/ssh-auth Secrets of the credentials namespaces', () => {
    expect(cached()).to.deep.equal(['keys/listed-ssh']);
  });

  it('caches watched SSH-auth Secrets of every credentials namespace and never another Secret', async () => {
    await createSecret('apps', 'later-ssh', 'kubernetes.io/ssh-auth');
    await createSecret('more-keys', 'later-opaque', 'Opaque');
    await createSecret('more-keys', 'later-ssh', 'kubernetes.io/ssh-auth');
    await eventually('more-keys/later-ssh cached', () => (cached().includes('more-keys/later-ssh') ? true : undefined));
    expect(cached()).to.deep.equal(['keys/listed-ssh', 'more-keys/later-ssh']);
    expect(secrets.store.list().every((secret) => secret.type === 'kubernetes.io/ssh-auth')).to.equal(true);
  });

  async function authenticatedCondition(name: string, namespace: string, secretName: string) {
    await hosts.create({
      apiVersion: 'virtfleet.io/v1alpha1',
      kind: 'Host',
      metadata: { name },
      spec: { address: '127.0.0.1', port: 1, user: 'root', credentialsSecretRef: { namespace, name: secretName }, hostKeys: ['SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'] },
    });
    return eventually(`${name} Authenticated condition`, async () => findCondition((await hosts.get(undefined, name))?.status?.conditions, 'Authenticated'));
  }

  it('reports a Host whose Secret is outside the credentials namespaces as CredentialsNotFound, naming them', async () => {
    const condition = await authenticatedCondition('outside', 'apps', 'listed-ssh');
    expect(condition).to.include({ status: 'False', reason: 'CredentialsNotFound' });
    expect(condition.message).to.contain('not one of the credentialsNamespaces (keys, more-keys)');
  });

  it('reports a Host whose Secret is not of type kubernetes.io/ssh-auth as CredentialsNotFound, naming the type', async () => {
    const condition = await authenticatedCondition('opaque', 'keys', 'listed-opaque');
    expect(condition).to.include({ status: 'False', reason: 'CredentialsNotFound' });
    expect(condition.message).to.contain('Secret keys/listed-opaque of type kubernetes.io/ssh-auth not found');
  });
});
