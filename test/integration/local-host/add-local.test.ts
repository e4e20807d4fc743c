import { expect } from 'chai';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../../src/config/load-config.js';
import { withoutAuthorizedEntry } from '../../../src/local-host/authorized-entry.js';
import { startStandalone, type RunningStandalone } from '../../../src/standalone/standalone.js';
import { kubectl } from '../../support/kubectl.js';
import { localDaemonsUp, stopDaemonsStartedSince, type LocalDaemonsBefore } from '../../support/local-daemons.js';
import { virtfleet } from '../../support/run-virtfleet.js';

const AUTHORIZED_KEYS = '/root/.ssh/authorized_keys';
const quiet = (): Writable => new Writable({ write: (_chunk, _encoding, done) => done() });

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

interface ObjectJson {
  metadata: { resourceVersion: string };
  spec?: { address: string; port: number; user: string; hostKeys: string[] };
  status?: { conditions?: Array<{ type: string; status: string }> };
}

describe('[REQ-01][REQ-05] virtfleet host add-local: this machine becomes a Ready Host of standalone mode (own sshd and libvirtd)', function () {
  this.timeout(180_000);
  const hostName = `addlocal-${process.pid}`;
  let root: string;
  let running: RunningStandalone;
  let daemonsBefore: LocalDaemonsBefore;
  let authorizedKeysBefore: string | undefined;

  const k = async (args: string[]): Promise<string> => {
    const result = await kubectl(args, { kubeconfig: running.kubeconfigPath, cacheDir: join(root, 'cache') });
    expect(result.code, `kubectl ${args.join(' ')}: ${result.stderr}`).to.equal(0);
    return result.stdout;
  };
  const addLocal = (): ReturnType<typeof virtfleet> => virtfleet('host', 'add-local', '--kubeconfig', running.kubeconfigPath, '--name', hostName, '--install');
  const taggedLines = async (): Promise<string[]> => ((await readOptional(AUTHORIZED_KEYS)) ?? '').split('\n').filter((line) => line.endsWith(` virtfleet-local:${hostName}`));

  before(async () => {
    daemonsBefore = await localDaemonsUp();
    authorizedKeysBefore = await readOptional(AUTHORIZED_KEYS);
    root = await mkdtemp(join(tmpdir(), 'virtfleet-add-local-'));
    const configDir = join(root, 'config');
    await mkdir(configDir);
    await writeFile(join(configDir, 'controller_config.yaml'), `metricsAddress: "127.0.0.1:0"\naudit:\n  sink: file\n  path: ${join(root, 'audit.log')}\n`);
    running = await startStandalone({ dataDir: join(root, 'data'), port: 0, config: loadConfig(configDir), identity: 'add-local-test', logDestination: quiet() });
  });

  after(async () => {
    await running?.stop();
    // Only the tagged entry goes; whatever else root's authorized_keys held stays as it was.
    const now = await readOptional(AUTHORIZED_KEYS);
    if (now !== undefined) {
      const cleaned = withoutAuthorizedEntry(now, hostName);
      if (authorizedKeysBefore === undefined && cleaned === '') await rm(AUTHORIZED_KEYS);
      else await writeFile(AUTHORIZED_KEYS, cleaned, { mode: 0o600 });
    }
    await stopDaemonsStartedSince(daemonsBefore);
    await rm(root, { recursive: true, force: true });
  });

  it('starts what is missing, pins the host keys read from /etc/ssh, and the Host becomes Ready', async () => {
    const { code, out, err } = await addLocal();
    expect(code, err).to.equal(0);
    expect(out).to.contain(`Host ${hostName}: created; Secret virtfleet-system/${hostName}-ssh: created; authorized_keys: updated`);
    expect(await localDaemonsUp()).to.deep.equal({ sshd: true, libvirtd: true });

    const host = JSON.parse(await k(['get', 'host', hostName, '-o', 'json'])) as ObjectJson;
    const files = (await readdir('/etc/ssh')).filter((name) => /^ssh_host_.*_key\.pub$/.test(name));
    const local = await Promise.all(files.map(async (name) => (await readFile(join('/etc/ssh', name), 'utf8')).split(' ').slice(0, 2).join(' ')));
    expect(host.spec).to.deep.include({ address: '127.0.0.1', port: 22, user: 'root' });
    expect([...(host.spec?.hostKeys ?? [])].sort()).to.deep.equal(local.sort());
    expect(host.spec?.hostKeys[0]).to.match(/^ssh-ed25519 /);

    const lines = await taggedLines();
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(/^from="127\.0\.0\.1,::1",restrict ssh-ed25519 [A-Za-z0-9+/=]+ virtfleet-local:/);
    const secret = JSON.parse(await k(['-n', 'virtfleet-system', 'get', 'secret', `${hostName}-ssh`, '-o', 'json'])) as { type: string };
    expect(secret.type).to.equal('kubernetes.io/ssh-auth');

    await k(['wait', '--for=condition=Ready', `host/${hostName}`, '--timeout=120s']);
  });

  it('is idempotent: a re-run reuses the key, keeps the one entry and changes no resourceVersion', async () => {
    const versions = async (): Promise<string[]> => [
      (JSON.parse(await k(['get', 'host', hostName, '-o', 'json'])) as ObjectJson).metadata.resourceVersion,
      (JSON.parse(await k(['-n', 'virtfleet-system', 'get', 'secret', `${hostName}-ssh`, '-o', 'json'])) as ObjectJson).metadata.resourceVersion,
    ];
    const secretVersionBefore = (await versions())[1];
    const entryBefore = await taggedLines();
    const keysFileBefore = await readFile(AUTHORIZED_KEYS, 'utf8');
    const { code, out, err } = await addLocal();
    expect(code, err).to.equal(0);
    expect(out).to.contain(`Host ${hostName}: unchanged; Secret virtfleet-system/${hostName}-ssh: unchanged; authorized_keys: unchanged`);
    expect(await readFile(AUTHORIZED_KEYS, 'utf8')).to.equal(keysFileBefore);
    expect(await taggedLines()).to.deep.equal(entryBefore);
    expect((await versions())[1]).to.equal(secretVersionBefore);
    const host = JSON.parse(await k(['get', 'host', hostName, '-o', 'json'])) as ObjectJson;
    expect(host.status?.conditions?.find((condition) => condition.type === 'Ready')?.status).to.equal('True');
  });
});
