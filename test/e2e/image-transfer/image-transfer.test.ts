import { expect } from 'chai';
import { dump } from 'js-yaml';
import { createHash, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestApiServer, type TestApiServer } from '../../support/apiserver/index.js';
import { guestBootedMarker } from '../../support/guest/guest-domain.js';
import { waitForSerialMarker } from '../../support/guest/serial-log.js';
import { startHosts, stopHosts, type TestHost } from '../../support/hosts/index.js';
import { kubectl } from '../../support/kubectl.js';
import { until } from '../../support/until.js';
import { ImageServer } from '../../integration/transfer/image-server.js';
import { hostDigest, listDir } from '../../integration/transfer/transfer-fleet.js';
import { startOperatorProcess, type OperatorProcess } from '../operator/operator-process.js';

const CRD_DIR = fileURLToPath(new URL('../../../crds', import.meta.url));
const SYSTEM = 'virtfleet-system';
const APPS = 'images';
const CACHE_DIR = '/var/lib/virtfleet/images';
const MIB = 2 ** 20;
const CONSOLE_DIR = '/var/log/virtfleet/console';
/** The bootable test disk inside every test host (test/support/guest/), served here by the local HTTP server. */
const BOOT_DISK = '/opt/virtfleet-guest/disk.img';
const run = promisify(execFile);

interface Condition { type: string; status: string; reason: string; message: string }
interface TransferJson {
  status?: {
    phase?: string; bytesTotal?: number; bytesTransferred?: number; progress?: string; sourceDigest?: string;
    destinations?: Array<{ host: string; phase?: string; bytesSent?: number; resumedFromBytes?: number; verified?: boolean; path?: string; attempts?: number }>;
    conditions?: Condition[];
  };
}

const sha256 = (buffer: Buffer): string => createHash('sha256').update(buffer).digest('hex');

describe('[REQ-01][REQ-04] ImageTransfers end to end: kubectl, the operator process, a local HTTP server, two Docker hosts, openssl as the oracle', function () {
  this.timeout(300_000);
  let server: TestApiServer;
  let hosts: TestHost[] = [];
  let workDir: string;
  let configDir: string;
  let operator: OperatorProcess | undefined;
  const images = new ImageServer({ ranges: true });
  const small = randomBytes(12 * MIB + 4321);
  const slow = randomBytes(32 * MIB + 99);

  const ok = async (args: string[], stdin?: string): Promise<string> => {
    const result = await kubectl(args, { kubeconfig: server.kubeconfigPath, cacheDir: join(workDir, 'kube-cache'), ...(stdin === undefined ? {} : { stdin }) });
    expect(result.code, `kubectl ${args.join(' ')}: ${result.stderr}`).to.equal(0);
    return result.stdout;
  };
  const get = async (name: string): Promise<TransferJson> => JSON.parse(await ok(['-n', APPS, 'get', 'imagetransfer', name, '-o', 'json'])) as TransferJson;
  const waitFor = async (name: string, what: string, test: (t: TransferJson) => boolean, timeoutMs = 120_000): Promise<TransferJson> =>
    until(`imagetransfer/${name} ${what}`, timeoutMs, async () => {
      const transfer = await get(name);
      return test(transfer) ? transfer : undefined;
    }, 250);
  const condition = (transfer: TransferJson, type: string): Condition | undefined => transfer.status?.conditions?.find((c) => c.type === type);
  const apply = (name: string, spec: Record<string, unknown>): Promise<string> =>
    ok(['apply', '-f', '-'], dump({ apiVersion: 'virtfleet.io/v1alpha1', kind: 'ImageTransfer', metadata: { name, namespace: APPS }, spec }));
  const startOperator = async (podName: string): Promise<OperatorProcess> => startOperatorProcess({ configDir, kubeconfig: server.kubeconfigPath, podName });
  const staged = async (dir: string): Promise<string[]> => (await Promise.all(hosts.map((h) => listDir(h, dir)))).flat().filter((f) => f.endsWith('.part') || f.endsWith('.manifest'));

  before(async function () {
    this.timeout(900_000);
    [server, hosts] = await Promise.all([startTestApiServer({ crdDir: CRD_DIR }), startHosts(2, { namePrefix: 'it-e2e' })]);
    await images.start();
    workDir = await mkdtemp(join(tmpdir(), 'virtfleet-it-e2e-'));
    configDir = join(workDir, 'config');
    await mkdir(configDir);
    await writeFile(join(configDir, 'controller_config.yaml'), [
      'metricsAddress: "127.0.0.1:0"', 'logLevel: info', `credentialsNamespaces: [${SYSTEM}]`, 'leaderElection:', '  enabled: false', '',
    ].join('\n'));
    await writeFile(join(configDir, 'ssh_config.yaml'), 'reconnect:\n  baseDelayMs: 100\n  maxDelayMs: 1000\n');
    await writeFile(join(configDir, 'transfer_config.yaml'), `cacheDir: ${CACHE_DIR}\nchunkSizeBytes: 1048576\n`);
    await writeFile(join(configDir, 'libvirt_config.yaml'), [
      'storagePool:', '  name: default', '  path: /var/lib/libvirt/images',
      'domainDefaults:', '  type: qemu', '  machine: pc', `  consoleLogDir: ${CONSOLE_DIR}`, '',
    ].join('\n'));
    for (const namespace of [SYSTEM, APPS]) await ok(['create', 'namespace', namespace]);
    operator = await startOperator('virtfleet-it-e2e-0');
    const manifests = hosts.map((testHost, index) => {
      const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: `hv${index}-ssh`, namespace: SYSTEM }, type: 'kubernetes.io/ssh-auth', stringData: { 'ssh-privatekey': testHost.clientPrivateKey } };
      const hostObject = {
        apiVersion: 'virtfleet.io/v1alpha1', kind: 'Host', metadata: { name: `hv${index}` },
        spec: { address: testHost.address, port: testHost.sshPort, user: testHost.user, credentialsSecretRef: { namespace: SYSTEM, name: `hv${index}-ssh` }, hostKeys: [testHost.hostKeyLine] },
      };
      return `${dump(secret)}---\n${dump(hostObject)}`;
    });
    await ok(['apply', '-f', '-'], manifests.join('---\n'));
    await ok(['wait', '--for=condition=Ready', 'host/hv0', 'host/hv1', '--timeout=180s']);
  });

  afterEach(function () {
    if (this.currentTest?.state !== 'failed') return;
    const lines = (operator?.lines ?? []).filter((line) => /"level":"(warn|error)"|image-transfer/.test(line)).slice(-30);
    console.log(`operator warnings and errors (last ${lines.length}):\n${lines.join('\n')}`);
  });

  after(async () => {
    await operator?.stop('SIGKILL');
    await images.stop();
    await stopHosts(hosts);
    await server?.stop();
    if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
  });

  it('a URL to two Hosts: Complete, Verified=True, byte-identical on both by openssl, shown by kubectl get', async () => {
    const url = images.add('/small.raw', small);
    await apply('small', { source: { url: { url } }, digest: `sha256:${sha256(small)}`, destinations: [{ host: 'hv0' }, { host: 'hv1' }] });
    const done = await waitFor('small', 'Succeeded', (t) => t.status?.phase === 'Succeeded');
    expect(condition(done, 'Complete')).to.include({ status: 'True', reason: 'Succeeded' });
    expect(condition(done, 'Verified')).to.include({ status: 'True', reason: 'DigestVerified' });
    expect(done.status).to.include({ bytesTotal: small.length, bytesTransferred: small.length, progress: '100%' });
    const final = `${CACHE_DIR}/sha256-${sha256(small)}`;
    expect(done.status?.destinations?.map((d) => [d.host, d.phase, d.verified, d.path, d.bytesSent])).to.deep.equal([
      ['hv0', 'Succeeded', true, final, small.length], ['hv1', 'Succeeded', true, final, small.length],
    ]);
    expect(await Promise.all(hosts.map((h) => hostDigest(h, final)))).to.deep.equal([sha256(small), sha256(small)]);
    expect(await staged(CACHE_DIR)).to.deep.equal([]);
    const table = await ok(['-n', APPS, 'get', 'it', 'small']);
    expect(table).to.match(/NAME\s+PHASE\s+PROGRESS\s+RATE\s+DESTINATIONS\s+AGE/);
    // Like kube-apiserver's CRD table convertor, a column shows the first value its JSONPath finds.
    expect(table).to.match(/small\s+Succeeded\s+100%\s+hv0\s/);
    expect(await ok(['-n', APPS, 'describe', 'it', 'small'])).to.match(/Normal\s+FileRenamed\s+.*hv0: renamed/);
    const metrics = await (await fetch(`http://${operator?.healthAddress}/metrics`)).text();
    expect(metrics).to.contain(`virtfleet_image_transfer_sent_bytes_total{host="hv0"} ${small.length}`);
    expect(metrics).to.contain('virtfleet_image_transfer_destination_results_total{host="hv1",result="Succeeded"} 1');
    expect(metrics).to.match(/virtfleet_image_transfers\{phase="Succeeded"\} [1-9]/);
  });

  it('the same digest again is a no-op: Succeeded with zero bytes sent', async () => {
    await apply('small-again', { source: { url: { url: images.url('/small.raw') } }, digest: `sha256:${sha256(small)}`, destinations: [{ host: 'hv0' }, { host: 'hv1' }] });
    const done = await waitFor('small-again', 'Succeeded', (t) => t.status?.phase === 'Succeeded');
    expect(done.status?.destinations?.map((d) => [d.host, d.bytesSent, d.verified])).to.deep.equal([['hv0', 0, true], ['hv1', 0, true]]);
  });

  it('a file on a Host without a digest: computed on the source Host, shown as status.sourceDigest, the copy verified against it', async () => {
    const source = `${CACHE_DIR}/sha256-${sha256(small)}`;
    const copy = '/var/lib/virtfleet/copies/small.raw';
    await apply('from-host', { source: { host: { name: 'hv0', path: source } }, destinations: [{ host: 'hv1', path: copy }] });
    const done = await waitFor('from-host', 'Succeeded', (t) => t.status?.phase === 'Succeeded');
    expect(done.status?.sourceDigest).to.equal(`sha256:${sha256(small)}`);
    expect(condition(done, 'Verified')).to.include({ status: 'True', reason: 'DigestVerified' });
    expect(await hostDigest(hosts[1]!, copy)).to.equal(sha256(small));
  });

  it('into a storage pool: a volume named after the transfer in the pool\'s directory, listed by libvirt', async () => {
    await apply('pooled', { source: { url: { url: images.url('/small.raw') } }, digest: `sha256:${sha256(small)}`, destinations: [{ host: 'hv1', pool: 'default' }] });
    const done = await waitFor('pooled', 'Succeeded', (t) => t.status?.phase === 'Succeeded');
    expect(done.status?.destinations?.map((d) => d.path)).to.deep.equal(['/var/lib/libvirt/images/pooled']);
    expect(await hostDigest(hosts[1]!, '/var/lib/libvirt/images/pooled')).to.equal(sha256(small));
    const { stdout } = await hosts[1]!.virsh(['vol-path', '--pool', 'default', 'pooled']);
    expect(stdout.trim()).to.equal('/var/lib/libvirt/images/pooled');
  });

  it('a wrong digest: Failed with Verified=False (DigestMismatch), nothing under the final name, no .part left', async () => {
    const wrong = 'e'.repeat(64);
    await apply('wrong', { source: { url: { url: images.url('/small.raw') } }, digest: `sha256:${wrong}`, destinations: [{ host: 'hv0' }, { host: 'hv1', path: '/var/lib/virtfleet/other/wrong.raw' }] });
    const failed = await waitFor('wrong', 'Failed', (t) => t.status?.phase === 'Failed');
    expect(condition(failed, 'Verified')).to.include({ status: 'False', reason: 'DigestMismatch' });
    expect(condition(failed, 'Verified')?.message).to.contain(`expected sha256:${wrong}, got sha256:${sha256(small)}`);
    expect(condition(failed, 'Complete')).to.include({ status: 'False', reason: 'DigestMismatch' });
    expect(await listDir(hosts[0]!, CACHE_DIR)).to.not.include(`sha256-${wrong}`);
    expect(await listDir(hosts[1]!, '/var/lib/virtfleet/other')).to.deep.equal([]);
    expect(await staged(CACHE_DIR)).to.deep.equal([]);
    const attempts = failed.status?.destinations?.map((d) => d.attempts);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect((await get('wrong')).status?.destinations?.map((d) => d.attempts), 'terminal: no retry').to.deep.equal(attempts);
  });

  it('kill -9 of the operator mid-transfer, then a new process: it resumes (resumedFromBytes > 0); SIGTERM keeps the staged files and the next process finishes and verifies', async () => {
    const url = images.add('/slow.raw', slow);
    await apply('slow', { source: { url: { url } }, digest: `sha256:${sha256(slow)}`, destinations: [{ host: 'hv0' }, { host: 'hv1' }], bandwidthLimit: '2Mi' });
    const midway = await waitFor('slow', 'a fifth done', (t) => (t.status?.bytesTransferred ?? 0) >= 6 * MIB && t.status?.phase === 'Transferring', 60_000);
    expect(midway.status?.progress).to.match(/^\d+%$/);
    await operator?.stop('SIGKILL');
    operator = await startOperator('virtfleet-it-e2e-1');
    const resumed = await waitFor('slow', 'resumed by the new process', (t) => (t.status?.destinations ?? []).every((d) => (d.resumedFromBytes ?? 0) > 0), 60_000);
    expect(resumed.status?.phase).to.equal('Transferring');
    expect(await operator.stop('SIGTERM'), 'graceful shutdown mid-transfer exits 0').to.equal(0);
    expect((await staged(CACHE_DIR)).sort(), 'SIGTERM keeps what was staged').to.deep.equal([`sha256-${sha256(slow)}.part`, `sha256-${sha256(slow)}.part`, `sha256-${sha256(slow)}.part.manifest`, `sha256-${sha256(slow)}.part.manifest`]);
    operator = await startOperator('virtfleet-it-e2e-2');
    const done = await waitFor('slow', 'Succeeded', (t) => t.status?.phase === 'Succeeded', 120_000);
    for (const destination of done.status?.destinations ?? []) {
      expect(destination.resumedFromBytes, `${destination.host} resumed`).to.be.greaterThan(0);
      expect(destination.attempts).to.be.at.least(3);
      expect(destination.bytesSent, `${destination.host}: resumes re-send little`).to.be.below(slow.length + 4 * MIB);
    }
    expect(condition(done, 'Verified')).to.include({ status: 'True' });
    const final = `${CACHE_DIR}/sha256-${sha256(slow)}`;
    expect(await Promise.all(hosts.map((h) => hostDigest(h, final)))).to.deep.equal([sha256(slow), sha256(slow)]);
  });

  it('deleting a transfer mid-way removes its .part files and manifests on every Host', async () => {
    const image = randomBytes(16 * MIB);
    const url = images.add('/deleted.raw', image);
    const dir = '/var/lib/virtfleet/deleted';
    await apply('deleted', { source: { url: { url } }, digest: `sha256:${sha256(image)}`, destinations: [{ host: 'hv0', path: `${dir}/a.raw` }, { host: 'hv1', path: `${dir}/b.raw` }], bandwidthLimit: '2Mi' });
    await waitFor('deleted', 'moving', (t) => (t.status?.bytesTransferred ?? 0) >= 2 * MIB, 60_000);
    expect((await staged(dir)).sort()).to.deep.equal(['a.raw.part', 'a.raw.part.manifest', 'b.raw.part', 'b.raw.part.manifest']);
    await ok(['-n', APPS, 'delete', 'imagetransfer', 'deleted', '--timeout=60s']);
    expect(await staged(dir)).to.deep.equal([]);
    expect(await Promise.all(hosts.map((h) => listDir(h, dir)))).to.deep.equal([[], []]);
  });

  it('a VM whose disk is a URL image gets it through an ImageTransfer it owns, waits in WaitingForImage, then boots from it', async () => {
    const local = join(workDir, 'guest.img');
    await run('docker', ['cp', `${hosts[1]!.name}:${BOOT_DISK}`, local]);
    const disk = await readFile(local);
    const digest = `sha256:${sha256(disk)}`;
    const url = images.add('/guest.img', disk);
    await ok(['apply', '-f', '-'], dump({
      apiVersion: 'virtfleet.io/v1alpha1', kind: 'VirtualMachine', metadata: { name: 'from-url', namespace: APPS },
      spec: { hostName: 'hv1', memory: '128Mi', disks: [{ name: 'root', source: { image: { url, digest } } }] },
    }));
    const vm = await until('vm/from-url Running', 240_000, async () => {
      const current = JSON.parse(await ok(['-n', APPS, 'get', 'vm', 'from-url', '-o', 'json'])) as { metadata: { uid: string }; status?: { printableStatus?: string } };
      return current.status?.printableStatus === 'Running' ? current : undefined;
    }, 500);
    const owned = JSON.parse(await ok(['-n', APPS, 'get', 'imagetransfers', '-l', 'virtfleet.io/virtual-machine=from-url', '-o', 'json'])) as { items: Array<TransferJson & { metadata: { ownerReferences?: Array<{ kind: string; uid: string }> } }> };
    expect(owned.items).to.have.length(1);
    expect(owned.items[0]?.metadata.ownerReferences?.map((o) => [o.kind, o.uid])).to.deep.equal([['VirtualMachine', vm.metadata.uid]]);
    expect(owned.items[0]?.status?.phase).to.equal('Succeeded');
    expect(await hostDigest(hosts[1]!, `${CACHE_DIR}/sha256-${sha256(disk)}`)).to.equal(sha256(disk));
    const described = await ok(['-n', APPS, 'describe', 'vm', 'from-url']);
    expect(described, 'the VM waited for its image first').to.match(/WaitingForImage\s+.*disk root: ImageTransfer /);
    expect(await waitForSerialMarker(hosts[1]!, `${CONSOLE_DIR}/${APPS}_from-url.log`, guestBootedMarker, 240_000)).to.contain(guestBootedMarker);
  });
});
