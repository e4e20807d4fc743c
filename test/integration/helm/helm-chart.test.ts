import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { CHART, NAMESPACE, REPO, helm, loadRenderedConfig, only, render, type K8sObject } from './render-chart.js';

interface Container {
  args: string[];
  env: Array<{ name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }>;
  ports: Array<{ name: string; containerPort: number }>;
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext: { allowPrivilegeEscalation: boolean; readOnlyRootFilesystem: boolean; runAsNonRoot: boolean; capabilities: { drop: string[]; add?: string[] } };
  volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}
interface PodSpec {
  serviceAccountName: string;
  securityContext: Record<string, unknown>;
  containers: Container[];
  volumes: Array<{ name: string } & Record<string, unknown>>;
}
type Deployment = K8sObject & { spec: { replicas: number; template: { metadata: { annotations: Record<string, string> }; spec: PodSpec } } };

function deploymentOf(objects: K8sObject[]): Deployment {
  return only(objects, 'Deployment') as Deployment;
}

function controllerContainer(objects: K8sObject[]): Container {
  return deploymentOf(objects).spec.template.spec.containers[0] as Container;
}

describe('[REQ-05] Helm chart helm/virtfleet: Deployment, configuration and CRDs', function () {
  this.timeout(60_000);
  let objects: K8sObject[];

  before(async () => {
    objects = await render();
  });

  it('passes helm lint', async () => {
    const output = await helm(['lint', CHART]);
    expect(output).to.contain('0 chart(s) failed');
  });

  it('ships CRDs identical to the repository crds/', async () => {
    const repoCrds = (await readdir(join(REPO, 'crds'))).sort();
    expect((await readdir(join(CHART, 'crds'))).sort()).to.deep.equal(repoCrds);
    for (const file of repoCrds) {
      expect(await readFile(join(CHART, 'crds', file), 'utf8'), file).to.equal(await readFile(join(REPO, 'crds', file), 'utf8'));
    }
    const withCrds = await render('--include-crds');
    expect(withCrds.filter((object) => object.kind === 'CustomResourceDefinition').map((crd) => crd.metadata.name).sort())
      .to.deep.equal(['hosts.virtfleet.io', 'imagetransfers.virtfleet.io', 'virtualmachines.virtfleet.io']);
  });

  it('runs one non-root, read-only, capability-less replica with RuntimeDefault seccomp, probes and resources', () => {
    const deployment = deploymentOf(objects);
    expect(deployment.spec.replicas).to.equal(1);
    expect(deployment.spec.template.spec.securityContext).to.deep.include({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(deployment.spec.template.spec.serviceAccountName).to.equal(only(objects, 'ServiceAccount').metadata.name);
    const container = controllerContainer(objects);
    expect(container.securityContext).to.deep.include({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true });
    expect(container.securityContext.capabilities).to.deep.equal({ drop: ['ALL'] });
    expect(container.args).to.deep.equal(['run', '--config-dir', '/etc/virtfleet']);
    expect(container.env).to.deep.include({ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } });
    expect(container.livenessProbe.httpGet).to.deep.equal({ path: '/healthz', port: 'metrics' });
    expect(container.readinessProbe.httpGet).to.deep.equal({ path: '/readyz', port: 'metrics' });
    expect(container.resources.requests).to.have.keys('cpu', 'memory');
    expect(container.resources.limits).to.have.key('memory');
    expect(container.volumeMounts).to.deep.include({ name: 'config', mountPath: '/etc/virtfleet', readOnly: true });
  });

  it('writes the audit log to a volume of its own at the directory of config.controller.audit.path', async () => {
    const config = await loadRenderedConfig(objects);
    expect(config.controller.audit).to.deep.equal({ sink: 'file', path: '/var/log/virtfleet/audit.log' });
    const pod = deploymentOf(objects).spec.template.spec;
    expect(pod.volumes.find((volume) => volume.name === 'audit')).to.deep.equal({ name: 'audit', emptyDir: { sizeLimit: '1Gi' } });
    expect(controllerContainer(objects).volumeMounts).to.deep.include({ name: 'audit', mountPath: '/var/log/virtfleet' });

    const claimed = await render('--set', 'config.controller.audit.path=/audit/chain.log', '--set', 'auditVolume.emptyDir=null', '--set', 'auditVolume.persistentVolumeClaim.claimName=audit');
    expect(deploymentOf(claimed).spec.template.spec.volumes.find((volume) => volume.name === 'audit')).to.deep.equal({ name: 'audit', persistentVolumeClaim: { claimName: 'audit' } });
    expect(controllerContainer(claimed).volumeMounts).to.deep.include({ name: 'audit', mountPath: '/audit' });

    const toStdout = await render('--set', 'config.controller.audit.sink=stdout');
    expect(deploymentOf(toStdout).spec.template.spec.volumes.map((volume) => volume.name)).to.deep.equal(['config', 'tmp']);
    expect(controllerContainer(toStdout).volumeMounts.map((mount) => mount.name)).to.deep.equal(['config', 'tmp']);
  });

  it('renders configuration files the operator accepts, with leader election in the release namespace and metrics on the container port', async () => {
    const config = await loadRenderedConfig(objects);
    expect(config.controller.leaderElection).to.include({ enabled: true, leaseNamespace: NAMESPACE });
    const container = controllerContainer(objects);
    const port = container.ports.find((p) => p.name === 'metrics')?.containerPort;
    expect(config.controller.metricsAddress).to.equal(`0.0.0.0:${port}`);
    const service = only(objects, 'Service') as unknown as { spec: { ports: Array<{ port: number; targetPort: string }> } };
    expect(service.spec.ports).to.deep.equal([{ name: 'metrics', port, targetPort: 'metrics', protocol: 'TCP' }]);
  });

  it('carries value overrides into the configuration files and the Deployment, and a config change changes the checksum that rolls the pods', async () => {
    const overridden = await render('--set', 'config.ssh.connectTimeoutMs=2500', '--set', 'metrics.port=9090', '--set', 'replicaCount=2', '--set', 'config.controller.leaderElection.leaseNamespace=elsewhere');
    const config = await loadRenderedConfig(overridden);
    expect(config.ssh.connectTimeoutMs).to.equal(2500);
    expect(config.controller.metricsAddress).to.equal('0.0.0.0:9090');
    expect(config.controller.leaderElection.leaseNamespace).to.equal('elsewhere');
    expect(deploymentOf(overridden).spec.replicas).to.equal(2);
    const checksum = (of: K8sObject[]): string | undefined => deploymentOf(of).spec.template.metadata.annotations['checksum/config'];
    expect(checksum(objects)).to.match(/^[0-9a-f]{64}$/);
    expect(checksum(overridden)).to.match(/^[0-9a-f]{64}$/).and.not.equal(checksum(objects));
    expect(checksum(await render('--set', 'replicaCount=2'))).to.equal(checksum(objects));
  });
});
