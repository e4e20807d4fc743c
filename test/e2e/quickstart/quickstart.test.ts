import { expect } from 'chai';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, realpath, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { kubectl } from '../../support/kubectl.js';
import { freeLoopbackPort } from '../../support/loopback-port.js';
import { CONSOLE_DIR, noteMachineState, removeMachineLeftovers, type MachineState } from './machine-leftovers.js';

const run = promisify(execFile);
const ROOT = resolve('.');

interface VmJson {
  metadata: { uid: string; generation: number };
  status?: { printableStatus?: string; host?: string };
}

/**
 * The quickstart runs in a fresh `git clone` of this checkout, as a newcomer's would: no dist/, no data
 * directory, no standalone mode running, sshd and libvirtd started by it when they are not running. Two things
 * are shared with this checkout instead of redone, because tests reach only loopback (DESIGN.md): node_modules
 * (a symlink; `npm ci` itself is what .ci/run runs on every fresh machine before the suite) and the build caches
 * (VIRTFLEET_CACHE_DIR: the guest image and its Debian packages, which the test host image build made already).
 */
describe('[REQ-01] quickstart.sh: the README\'s first command in a clean clone ends with a Running VM that booted, and a re-run reuses it', function () {
  this.timeout(900_000);
  const name = `qs-${process.pid}`;
  let work: string;
  let clone: string;
  let dataDir: string;
  let port: number;
  let machineBefore: MachineState;

  const quickstart = async (): Promise<{ code: number | null; output: string }> => {
    const child = spawn('bash', ['quickstart.sh'], {
      cwd: clone,
      env: {
        ...process.env,
        VIRTFLEET_DATA_DIR: dataDir, VIRTFLEET_PORT: String(port), VIRTFLEET_METRICS_ADDRESS: '127.0.0.1:0',
        VIRTFLEET_HOST_NAME: name, VIRTFLEET_VM_NAMESPACE: name, VIRTFLEET_CACHE_DIR: join(ROOT, '.cache'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((done) => child.once('close', done));
    return { code, output };
  };
  const k = async (args: string[]): Promise<string> => {
    const result = await kubectl(args, { kubeconfig: join(dataDir, 'kubeconfig'), cacheDir: join(work, 'kube-cache') });
    expect(result.code, `kubectl ${args.join(' ')}: ${result.stderr}`).to.equal(0);
    return result.stdout;
  };
  const getVm = async (): Promise<VmJson> => JSON.parse(await k(['-n', name, 'get', 'vm', 'hello', '-o', 'json'])) as VmJson;
  const standalonePid = async (): Promise<number> => Number((await readFile(join(dataDir, 'standalone.pid'), 'utf8')).trim());

  before(async () => {
    machineBefore = await noteMachineState();
    work = await mkdtemp(join(tmpdir(), 'virtfleet-quickstart-'));
    clone = join(work, 'virtfleet');
    dataDir = join(work, 'data');
    port = await freeLoopbackPort();
    await run('git', ['clone', '--quiet', ROOT, clone]);
    await symlink(await realpath(join(ROOT, 'node_modules')), join(clone, 'node_modules'));
  });

  after(async () => {
    const pid = await standalonePid().catch(() => undefined);
    if (pid !== undefined) {
      await kubectl(['-n', name, 'delete', 'vm', 'hello', '--ignore-not-found', '--timeout=120s'], { kubeconfig: join(dataDir, 'kubeconfig'), cacheDir: join(work, 'kube-cache') });
      await kubectl(['delete', 'host', name, '--ignore-not-found', '--timeout=60s'], { kubeconfig: join(dataDir, 'kubeconfig'), cacheDir: join(work, 'kube-cache') });
      try {
        process.kill(pid, 'SIGTERM');
        for (let i = 0; i < 100 && (await run('kill', ['-0', String(pid)]).then(() => true, () => false)); i++) await new Promise((done) => setTimeout(done, 100));
      } catch {
        // already gone
      }
    }
    await removeMachineLeftovers(machineBefore, name);
    await rm(work, { recursive: true, force: true });
  });

  it('installs nothing twice, starts standalone mode and a local Host, and boots the example VM to its serial marker', async () => {
    const { code, output } = await quickstart();
    expect(code, output).to.equal(0);
    expect(output).to.contain(`export KUBECONFIG=${join(dataDir, 'kubeconfig')}`);
    const vm = await getVm();
    expect(vm.status).to.include({ printableStatus: 'Running', host: name });
    const serial = await readFile(join(CONSOLE_DIR, `${name}_hello.log`), 'utf8');
    expect(serial).to.match(/VIRTFLEET-GUEST-BOOTED kernel=/);
    expect(serial).to.contain('VIRTFLEET-CLOUDINIT: # hello from the virtfleet quickstart');
    const ready = JSON.parse(await k(['get', 'host', name, '-o', 'json'])) as { status?: { conditions?: Array<{ type: string; status: string }> } };
    expect(ready.status?.conditions?.find((condition) => condition.type === 'Ready')?.status).to.equal('True');
  });

  it('run again, reuses the running standalone mode, the build, the Host and the VM (same process, same object and generation)', async () => {
    const pid = await standalonePid();
    const first = (await getVm()).metadata;
    const { code, output } = await quickstart();
    expect(code, output).to.equal(0);
    expect(output).to.contain(`already running (pid ${pid})`);
    expect(output).to.contain('dist/ is up to date');
    expect(output).to.contain(`Host ${name}: unchanged; Secret virtfleet-system/${name}-ssh: unchanged; authorized_keys: unchanged`);
    expect(await standalonePid()).to.equal(pid);
    const vm = await getVm();
    expect(vm.metadata).to.include({ uid: first.uid, generation: first.generation });
    expect(vm.status?.printableStatus).to.equal('Running');
  });
});
