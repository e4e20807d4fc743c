/**
 * [REQ-01][REQ-03] The VirtualMachine e2e suites' shared setup: the test API server, container hosts with their
 * Secrets and Host objects (Ready), the operator as a child process (file audit sink), and the kubectl/virsh
 * helpers both suites use. The image cache of host 0 holds the bootable test disk under its digest (what an
 * ImageTransfer would leave there).
 */
import { expect } from 'chai';
import { dump } from 'js-yaml';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestApiServer, type TestApiServer } from '../../support/apiserver/index.js';
import { startHosts, stopHosts, type TestHost } from '../../support/hosts/index.js';
import { kubectl, type KubectlResult } from '../../support/kubectl.js';
import { until } from '../../support/until.js';
import { startOperatorProcess, type OperatorProcess } from '../operator/operator-process.js';

const CRD_DIR = fileURLToPath(new URL('../../../crds', import.meta.url));
export const SYSTEM = 'virtfleet-system';
export const APPS = 'apps';
export const CACHE_DIR = '/var/lib/virtfleet/cache';
export const CONSOLE_DIR = '/var/log/virtfleet/console';
export const POOL_DIR = '/var/lib/libvirt/images';
const BOOT_DISK = '/opt/virtfleet-guest/disk.img';

export interface VmJson {
  metadata: { uid: string; name: string; finalizers?: string[] };
  spec: Record<string, unknown>;
  status?: { printableStatus?: string; host?: string; domainUUID?: string; conditions?: Array<{ type: string; status: string; reason: string; message: string }> };
}

export interface VmE2eOptions {
  namePrefix: string;
  /** Extra Host spec fields (cpuAllocationRatio, maxConcurrentOperations), per host index. */
  hostSpec?: (index: number) => Record<string, unknown>;
}

export class VmE2eEnv {
  server!: TestApiServer;
  hosts: TestHost[] = [];
  workDir!: string;
  configDir!: string;
  auditPath!: string;
  /** sha256:<hex> of the bootable test disk in host 0's image cache. */
  digest!: string;
  operator: OperatorProcess | undefined;

  constructor(private readonly options: VmE2eOptions) {}

  async start(): Promise<void> {
    [this.server, this.hosts] = await Promise.all([startTestApiServer({ crdDir: CRD_DIR }), startHosts(2, { namePrefix: this.options.namePrefix })]);
    this.workDir = await mkdtemp(join(tmpdir(), `virtfleet-${this.options.namePrefix}-`));
    this.auditPath = join(this.workDir, 'audit.log');
    this.configDir = join(this.workDir, 'config');
    await mkdir(this.configDir);
    await writeFile(join(this.configDir, 'controller_config.yaml'), [
      'metricsAddress: "127.0.0.1:0"', 'logLevel: info', `credentialsNamespaces: [${SYSTEM}]`, 'leaderElection:', `  leaseNamespace: ${SYSTEM}`,
      'audit:', '  sink: file', `  path: ${this.auditPath}`, '',
    ].join('\n'));
    await writeFile(join(this.configDir, 'ssh_config.yaml'), 'reconnect:\n  baseDelayMs: 100\n  maxDelayMs: 1000\n');
    await writeFile(join(this.configDir, 'libvirt_config.yaml'), [
      'storagePool:', '  name: default', `  path: ${POOL_DIR}`,
      'domainDefaults:', '  type: qemu', '  machine: pc', `  consoleLogDir: ${CONSOLE_DIR}`, '',
    ].join('\n'));
    await writeFile(join(this.configDir, 'transfer_config.yaml'), `cacheDir: ${CACHE_DIR}\n`);
    for (const namespace of [SYSTEM, APPS]) await this.ok(['create', 'namespace', namespace]);
    const hashed = await this.host(0).exec(['sh', '-c', `mkdir -p ${CACHE_DIR} && sha256sum ${BOOT_DISK} | cut -d' ' -f1`]);
    this.digest = `sha256:${hashed.stdout.trim()}`;
    expect(this.digest).to.match(/^sha256:[0-9a-f]{64}$/);
    await this.host(0).exec(['cp', BOOT_DISK, `${CACHE_DIR}/${this.digest.replace(':', '-')}`]);
    await this.startOperator();
    const manifests = this.hosts.map((testHost, index) => {
      const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: `hv${index}-ssh`, namespace: SYSTEM }, type: 'kubernetes.io/ssh-auth', stringData: { 'ssh-privatekey': testHost.clientPrivateKey } };
      const hostObject = {
        apiVersion: 'virtfleet.io/v1alpha1', kind: 'Host', metadata: { name: `hv${index}`, labels: { 'virtfleet.io/zone': 'e2e' } },
        spec: {
          address: testHost.address, port: testHost.sshPort, user: testHost.user, credentialsSecretRef: { namespace: SYSTEM, name: `hv${index}-ssh` }, hostKeys: [testHost.hostKeyLine],
          ...this.options.hostSpec?.(index),
        },
      };
      return `${dump(secret)}---\n${dump(hostObject)}`;
    });
    await this.ok(['apply', '-f', '-'], manifests.join('---\n'));
    await this.ok(['wait', '--for=condition=Ready', 'host/hv0', 'host/hv1', '--timeout=180s']);
  }

  /** Starts the operator (again); the same pod name takes the Lease back at once. */
  async startOperator(): Promise<OperatorProcess> {
    this.operator = await startOperatorProcess({ configDir: this.configDir, kubeconfig: this.server.kubeconfigPath, podName: `virtfleet-${this.options.namePrefix}-0`, startTimeoutMs: 180_000 });
    return this.operator;
  }

  /** The operator's warnings, errors and VM controller lines, for a failed test's output. */
  recentOperatorLines(): string[] {
    return (this.operator?.lines ?? []).filter((line) => /"level":"(warn|error)"|"controller":"virtual-machine"/.test(line)).slice(-30);
  }

  async stop(): Promise<void> {
    if (process.env['VIRTFLEET_E2E_LOG'] !== undefined) await writeFile(process.env['VIRTFLEET_E2E_LOG'], (this.operator?.lines ?? []).join('\n'));
    await this.operator?.stop('SIGKILL');
    await stopHosts(this.hosts);
    await this.server?.stop();
    if (this.workDir !== undefined) await rm(this.workDir, { recursive: true, force: true });
  }

  host(index: number): TestHost {
    return this.hosts[index] as TestHost;
  }

  k(args: string[], stdin?: string): Promise<KubectlResult> {
    return kubectl(args, { kubeconfig: this.server.kubeconfigPath, cacheDir: join(this.workDir, 'kube-cache'), ...(stdin === undefined ? {} : { stdin }) });
  }

  async ok(args: string[], stdin?: string): Promise<string> {
    const result = await this.k(args, stdin);
    expect(result.code, `kubectl ${args.join(' ')}: ${result.stderr}`).to.equal(0);
    return result.stdout;
  }

  async getVm(name: string): Promise<VmJson> {
    return JSON.parse(await this.ok(['-n', APPS, 'get', 'vm', name, '-o', 'json'])) as VmJson;
  }

  async listVms(): Promise<VmJson[]> {
    return (JSON.parse(await this.ok(['-n', APPS, 'get', 'vm', '-o', 'json'])) as { items: VmJson[] }).items;
  }

  waitStatus(name: string, status: string, timeoutMs = 120_000): Promise<VmJson> {
    return until(`vm/${name} ${status}`, timeoutMs, async () => {
      const vm = await this.getVm(name);
      return vm.status?.printableStatus === status ? vm : undefined;
    });
  }

  /** Waits until the VM has a condition of `type` with `reason`. */
  waitCondition(name: string, type: string, reason: string, timeoutMs = 60_000): Promise<VmJson> {
    return until(`vm/${name} ${type}=${reason}`, timeoutMs, async () => {
      const vm = await this.getVm(name);
      return vm.status?.conditions?.some((condition) => condition.type === type && condition.reason === reason) ? vm : undefined;
    });
  }

  async domstate(index: number, domain: string): Promise<string> {
    return (await this.host(index).virsh(['domstate', domain])).stdout.trim();
  }

  /** Names of every domain on host `index` (virsh list --all --name). */
  async domains(index: number): Promise<string[]> {
    return (await this.host(index).virsh(['list', '--all', '--name'])).stdout.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  }

  /** Names of the volumes in the pool on host `index`. */
  async volumes(index: number): Promise<string[]> {
    const listed = await this.host(index).exec(['ls', '-1', POOL_DIR]);
    return listed.stdout.split('\n').filter((line) => line !== '');
  }

  vmManifest(name: string, spec: Record<string, unknown>): string {
    return dump({ apiVersion: 'virtfleet.io/v1alpha1', kind: 'VirtualMachine', metadata: { name, namespace: APPS }, spec: { memory: '64Mi', ...spec } });
  }

  /** State-changing actions on hosts recorded so far (libvirt changes and SSH commands), as JSON lines. */
  async hostActions(): Promise<string[]> {
    return (await readFile(this.auditPath, 'utf8')).split('\n').filter((line) => /"action":"(libvirt\.|ssh\.exec)/.test(line));
  }
}

export const blankDisk = [{ name: 'data', source: { blank: { size: '16Mi' } } }];
