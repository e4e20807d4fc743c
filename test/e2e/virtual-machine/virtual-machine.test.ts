import { expect } from 'chai';
import { dump } from 'js-yaml';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestApiServer, type TestApiServer } from '../../support/apiserver/index.js';
import { guestBootedMarker } from '../../support/guest/guest-domain.js';
import { waitForSerialMarker } from '../../support/guest/serial-log.js';
import { startHosts, stopHosts, type TestHost } from '../../support/hosts/index.js';
import { kubectl, type KubectlResult } from '../../support/kubectl.js';
import { startOperatorProcess, type OperatorProcess } from '../operator/operator-process.js';
import { until } from '../../support/until.js';

const CRD_DIR = fileURLToPath(new URL('../../../crds', import.meta.url));
const SYSTEM = 'virtfleet-system';
const APPS = 'apps';
const CACHE_DIR = '/var/lib/virtfleet/cache';
const CONSOLE_DIR = '/var/log/virtfleet/console';
const BOOT_DISK = '/opt/virtfleet-guest/disk.img';

interface VmJson {
  metadata: { uid: string };
  status?: { printableStatus?: string; host?: string; domainUUID?: string; conditions?: Array<{ type: string; status: string; reason: string; message: string }> };
}

describe('[REQ-01][REQ-03] VirtualMachines end to end: kubectl, the operator process, two Docker libvirt hosts, virsh as the oracle', function () {
  this.timeout(600_000);
  let server: TestApiServer;
  let hosts: TestHost[] = [];
  let workDir: string;
  let operator: OperatorProcess | undefined;
  let auditPath: string;
  let digest: string;

  const k = async (args: string[], stdin?: string): Promise<KubectlResult> => kubectl(args, { kubeconfig: server.kubeconfigPath, cacheDir: join(workDir, 'kube-cache'), ...(stdin === undefined ? {} : { stdin }) });
  const ok = async (args: string[], stdin?: string): Promise<string> => {
    const result = await k(args, stdin);
    expect(result.code, `kubectl ${args.join(' ')}: ${result.stderr}`).to.equal(0);
    return result.stdout;
  };
  const host = (index: number): TestHost => hosts[index] as TestHost;
  const getVm = async (name: string): Promise<VmJson> => JSON.parse(await ok(['-n', APPS, 'get', 'vm', name, '-o', 'json'])) as VmJson;
  const waitStatus = async (name: string, status: string, timeoutMs = 120_000): Promise<VmJson> =>
    until(`vm/${name} ${status}`, timeoutMs, async () => {
      const vm = await getVm(name);
      return vm.status?.printableStatus === status ? vm : undefined;
    });
  const domstate = async (index: number, domain: string): Promise<string> => (await host(index).virsh(['domstate', domain])).stdout.trim();
  const vmManifest = (name: string, spec: Record<string, unknown>): string =>
    dump({ apiVersion: 'virtfleet.io/v1alpha1', kind: 'VirtualMachine', metadata: { name, namespace: APPS }, spec: { memory: '64Mi', ...spec } });
  const blankDisk = [{ name: 'data', source: { blank: { size: '16Mi' } } }];
  /** State-changing actions on hosts recorded so far (libvirt changes and SSH commands). */
  const hostActions = async (): Promise<string[]> => (await readFile(auditPath, 'utf8')).split('\n').filter((line) => /"action":"(libvirt\.|ssh\.exec)/.test(line));

  before(async function () {
    this.timeout(900_000);
    [server, hosts] = await Promise.all([startTestApiServer({ crdDir: CRD_DIR }), startHosts(2, { namePrefix: 'vm-e2e' })]);
    workDir = await mkdtemp(join(tmpdir(), 'virtfleet-vm-e2e-'));
    auditPath = join(workDir, 'audit.log');
    const configDir = join(workDir, 'config');
    await mkdir(configDir);
    await writeFile(join(configDir, 'controller_config.yaml'), [
      'metricsAddress: "127.0.0.1:0"', 'logLevel: info', `credentialsNamespaces: [${SYSTEM}]`, 'leaderElection:', `  leaseNamespace: ${SYSTEM}`,
      'audit:', '  sink: file', `  path: ${auditPath}`, '',
    ].join('\n'));
    await writeFile(join(configDir, 'ssh_config.yaml'), 'reconnect:\n  baseDelayMs: 100\n  maxDelayMs: 1000\n');
    await writeFile(join(configDir, 'libvirt_config.yaml'), [
      'storagePool:', '  name: default', '  path: /var/lib/libvirt/images',
      'domainDefaults:', '  type: qemu', '  machine: pc', `  consoleLogDir: ${CONSOLE_DIR}`, '',
    ].join('\n'));
    await writeFile(join(configDir, 'transfer_config.yaml'), `cacheDir: ${CACHE_DIR}\n`);
    for (const namespace of [SYSTEM, APPS]) await ok(['create', 'namespace', namespace]);
    // The image cache of host 0 holds the bootable disk under its digest (what an ImageTransfer would leave).
    const hashed = await host(0).exec(['sh', '-c', `mkdir -p ${CACHE_DIR} && sha256sum ${BOOT_DISK} | cut -d' ' -f1`]);
    digest = `sha256:${hashed.stdout.trim()}`;
    expect(digest).to.match(/^sha256:[0-9a-f]{64}$/);
    await host(0).exec(['cp', BOOT_DISK, `${CACHE_DIR}/${digest.replace(':', '-')}`]);
    operator = await startOperatorProcess({ configDir, kubeconfig: server.kubeconfigPath, podName: 'virtfleet-vm-e2e-0' });
    const manifests = hosts.map((testHost, index) => {
      const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: `hv${index}-ssh`, namespace: SYSTEM }, type: 'kubernetes.io/ssh-auth', stringData: { 'ssh-privatekey': testHost.clientPrivateKey } };
      const hostObject = {
        apiVersion: 'virtfleet.io/v1alpha1', kind: 'Host', metadata: { name: `hv${index}`, labels: { 'virtfleet.io/zone': 'e2e' } },
        spec: { address: testHost.address, port: testHost.sshPort, user: testHost.user, credentialsSecretRef: { namespace: SYSTEM, name: `hv${index}-ssh` }, hostKeys: [testHost.hostKeyLine] },
      };
      return `${dump(secret)}---\n${dump(hostObject)}`;
    });
    await ok(['apply', '-f', '-'], manifests.join('---\n'));
    await ok(['wait', '--for=condition=Ready', 'host/hv0', 'host/hv1', '--timeout=180s']);
  });

  afterEach(function () {
    if (this.currentTest?.state !== 'failed') return;
    const warnings = (operator?.lines ?? []).filter((line) => /"level":"(warn|error)"|"controller":"virtual-machine"/.test(line)).slice(-30);
    console.log(`operator warnings and errors (last ${warnings.length}):\n${warnings.join('\n')}`);
  });

  after(async () => {
    if (process.env['VIRTFLEET_E2E_LOG'] !== undefined) await writeFile(process.env['VIRTFLEET_E2E_LOG'], (operator?.lines ?? []).join('\n'));
    await operator?.stop('SIGKILL');
    await stopHosts(hosts);
    await server?.stop();
    if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
  });

  it('boots a VM applied with kubectl from a qcow2 overlay on the image cache, with its cloud-init seed', async () => {
    const token = `hello-from-e2e-${Date.now()}`;
    await ok(['apply', '-f', '-'], vmManifest('boot', {
      hostName: 'hv0', memory: '128Mi',
      disks: [{ name: 'root', source: { image: { url: 'https://images.example.test/guest.img', digest } } }],
      cloudInit: { userData: `#cloud-config\n# ${token}\n` },
    }));
    const vm = await waitStatus('boot', 'Running', 180_000);
    expect(vm.status?.host).to.equal('hv0');
    expect(vm.status?.domainUUID).to.equal(vm.metadata.uid);
    expect(await domstate(0, `${APPS}_boot`)).to.equal('running');
    const serial = await waitForSerialMarker(host(0), `${CONSOLE_DIR}/${APPS}_boot.log`, `VIRTFLEET-CLOUDINIT: # ${token}`, 240_000);
    expect(serial).to.contain(guestBootedMarker);
    const volumes = (await host(0).virsh(['vol-list', 'default'])).stdout;
    expect(volumes).to.contain(`vf-${vm.metadata.uid}-root.qcow2`);
    const info = await host(0).exec(['qemu-img', 'info', '-U', '--output=json', `/var/lib/libvirt/images/vf-${vm.metadata.uid}-root.qcow2`]);
    expect(JSON.parse(info.stdout)).to.include({ format: 'qcow2', 'backing-filename': `${CACHE_DIR}/${digest.replace(':', '-')}` });
  });

  it('a second apply and a reconcile of the unchanged VM make no state-changing call on the host', async () => {
    await waitStatus('boot', 'Running');
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const before = await hostActions();
    await ok(['apply', '-f', '-'], vmManifest('boot', {
      hostName: 'hv0', memory: '128Mi',
      disks: [{ name: 'root', source: { image: { url: 'https://images.example.test/guest.img', digest } } }],
      cloudInit: { userData: (await getVmUserData('boot')) },
    }));
    await ok(['-n', APPS, 'annotate', 'vm', 'boot', 'e2e/poke=1', '--overwrite']);
    await new Promise((resolve) => setTimeout(resolve, 4000));
    expect(await hostActions()).to.deep.equal(before);
  });

  async function getVmUserData(name: string): Promise<string> {
    const vm = JSON.parse(await ok(['-n', APPS, 'get', 'vm', name, '-o', 'json'])) as { spec: { cloudInit: { userData: string } } };
    return vm.spec.cloudInit.userData;
  }

  it('runStrategy Halted keeps the domain defined and shut off', async () => {
    await ok(['apply', '-f', '-'], vmManifest('halted', { hostName: 'hv1', runStrategy: 'Halted', disks: blankDisk }));
    await waitStatus('halted', 'Stopped');
    expect(await domstate(1, `${APPS}_halted`)).to.equal('shut off');
    // A stopped VM still holds its CPU and memory on the Host (the scheduler counts placed VMs, started or not):
    // hv1 has 2 CPUs, so every hv1 case gives its VM back for the next one.
    await ok(['-n', APPS, 'delete', 'vm', 'halted', '--timeout=60s']);
  });

  it('delete with deletionPolicy Delete removes domain and volumes; Orphan keeps the volumes', async () => {
    await ok(['apply', '-f', '-'], `${vmManifest('gone', { hostName: 'hv1', disks: blankDisk })}---\n${vmManifest('kept', { hostName: 'hv1', disks: blankDisk, deletionPolicy: 'Orphan' })}`);
    const gone = await waitStatus('gone', 'Running');
    const kept = await waitStatus('kept', 'Running');
    await ok(['-n', APPS, 'delete', 'vm', 'gone', 'kept', '--timeout=60s']);
    const domains = (await host(1).virsh(['list', '--all', '--name'])).stdout;
    expect(domains).to.not.contain(`${APPS}_gone`);
    expect(domains).to.not.contain(`${APPS}_kept`);
    const volumes = (await host(1).virsh(['vol-list', 'default'])).stdout;
    expect(volumes).to.not.contain(`vf-${gone.metadata.uid}-`);
    expect(volumes).to.contain(`vf-${kept.metadata.uid}-data.qcow2`);
  });

  it('never touches a foreign domain that has the VM\'s domain name', async () => {
    const foreign = `<domain type='qemu'><name>${APPS}_clash</name><memory unit='MiB'>32</memory><os><type arch='x86_64' machine='pc'>hvm</type></os></domain>`;
    await host(1).exec(['sh', '-c', `cat > /tmp/clash.xml <<'EOF'\n${foreign}\nEOF`]);
    expect((await host(1).virsh(['define', '/tmp/clash.xml'])).code).to.equal(0);
    const before = (await host(1).virsh(['dumpxml', `${APPS}_clash`])).stdout;
    await ok(['apply', '-f', '-'], vmManifest('clash', { hostName: 'hv1', disks: blankDisk }));
    const vm = await until('clash DomainNameTaken', 60_000, async () => {
      const current = await getVm('clash');
      return current.status?.conditions?.some((condition) => condition.reason === 'DomainNameTaken') ? current : undefined;
    });
    expect(vm.status?.conditions?.find((condition) => condition.type === 'Synchronized')?.message).to.contain('does not own');
    expect((await host(1).virsh(['dumpxml', `${APPS}_clash`])).stdout).to.equal(before);
    await ok(['-n', APPS, 'delete', 'vm', 'clash', '--timeout=60s']);
    expect((await host(1).virsh(['dumpxml', `${APPS}_clash`])).stdout, 'deleting the VM leaves the foreign domain alone').to.equal(before);
  });

  it('runStrategy Manual starts only when the virtfleet.io/power annotation asks', async () => {
    await ok(['apply', '-f', '-'], vmManifest('manual', { hostName: 'hv1', runStrategy: 'Manual', disks: blankDisk }));
    await waitStatus('manual', 'Stopped');
    expect(await domstate(1, `${APPS}_manual`)).to.equal('shut off');
    await ok(['-n', APPS, 'annotate', 'vm', 'manual', 'virtfleet.io/power=on@1']);
    await waitStatus('manual', 'Running');
    expect(await domstate(1, `${APPS}_manual`)).to.equal('running');
    await ok(['-n', APPS, 'delete', 'vm', 'manual', '--timeout=60s']);
  });

  it('memory larger than any Host: Unschedulable with InsufficientCapacity naming memory', async () => {
    await ok(['apply', '-f', '-'], vmManifest('huge', { memory: '4Ti', hostSelector: { matchLabels: { 'virtfleet.io/zone': 'e2e' } } }));
    const vm = await waitStatus('huge', 'Unschedulable');
    const scheduled = vm.status?.conditions?.find((condition) => condition.type === 'Scheduled');
    expect(scheduled).to.include({ status: 'False', reason: 'InsufficientCapacity' });
    expect(scheduled?.message).to.match(/hv0: memory \(asks 4194304Mi/);
    expect(await ok(['-n', APPS, 'describe', 'vm', 'huge'])).to.match(/Warning\s+InsufficientCapacity/);
  });

  it('a missing Host is Pending with HostNotFound; an invalid spec is refused naming the field', async () => {
    await ok(['apply', '-f', '-'], vmManifest('lost', { hostName: 'nowhere' }));
    const vm = await waitStatus('lost', 'Pending');
    expect(vm.status?.conditions?.find((condition) => condition.type === 'Scheduled')).to.include({ status: 'False', reason: 'HostNotFound' });
    const invalid = await k(['apply', '-f', '-'], vmManifest('bad', { runStrategy: 'Sometimes' }));
    expect(invalid.code).to.not.equal(0);
    expect(invalid.stderr).to.contain('spec.runStrategy');
  });

  it('runStrategy Always starts the guest again after virsh destroy, with an Event', async () => {
    await ok(['apply', '-f', '-'], vmManifest('always', { hostName: 'hv1', disks: blankDisk }));
    await waitStatus('always', 'Running');
    expect(await domstate(1, `${APPS}_always`)).to.equal('running');
    expect((await host(1).virsh(['destroy', `${APPS}_always`])).code).to.equal(0);
    await until('always running again', 30_000, async () => (await domstate(1, `${APPS}_always`)) === 'running' ? true : undefined);
    const described = await ok(['-n', APPS, 'describe', 'vm', 'always']);
    expect(described).to.match(/Warning\s+DomainStarted\s+.*restarted after a failure/);
  });

});
