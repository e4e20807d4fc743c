import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { loadAll } from 'js-yaml';
import { virtfleet } from '../../support/run-virtfleet.js';
import { loadConfig } from '../../../src/config/load-config.js';

const SHIPPED_CONFIG_DIR = new URL('../../../config/', import.meta.url).pathname;
const FILE_NAMES = ['controller_config.yaml', 'ssh_config.yaml', 'libvirt_config.yaml', 'transfer_config.yaml'];

describe('[REQ-01] configuration command line: virtfleet config validate|show', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'virtfleet-config-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('prints ok for each shipped file and exits 0', async () => {
    const result = await virtfleet('config', 'validate', SHIPPED_CONFIG_DIR);
    expect(result).to.deep.equal({ code: 0, out: FILE_NAMES.map((name) => `ok: ${join(SHIPPED_CONFIG_DIR, name)}\n`).join(''), err: '' });
  });

  it('says which files are absent and use their defaults', async () => {
    writeFileSync(join(dir, 'ssh_config.yaml'), 'maxSessionsPerHost: 2\n');
    const result = await virtfleet('config', 'validate', dir);
    expect(result.code).to.equal(0);
    expect(result.out.split('\n')).to.deep.equal([
      `ok: ${join(dir, 'controller_config.yaml')} (absent: defaults apply)`,
      `ok: ${join(dir, 'ssh_config.yaml')}`,
      `ok: ${join(dir, 'libvirt_config.yaml')} (absent: defaults apply)`,
      `ok: ${join(dir, 'transfer_config.yaml')} (absent: defaults apply)`,
      '',
    ]);
  });

  it('prints each problem on stderr, ok for the valid files, and exits 2', async () => {
    const ssh = join(dir, 'ssh_config.yaml');
    writeFileSync(ssh, 'keepAlive:\n  intervalMs: 1000\nalgorithms:\n  ciphers: [aes128-ctr]\n');
    const result = await virtfleet('config', 'validate', dir);
    expect(result.code).to.equal(2);
    expect(result.err).to.equal(
      `${ssh}:1:1: keepAlive: unknown key 'keepAlive' (did you mean 'keepalive'?)\n` +
        `${ssh}:4:13: algorithms.ciphers[0]: expected one of aes256-gcm@openssh.com, aes128-gcm@openssh.com, chacha20-poly1305@openssh.com, got string "aes128-ctr"\n`,
    );
    expect(result.out).to.not.include('ssh_config.yaml');
    expect(result.out).to.include(`ok: ${join(dir, 'transfer_config.yaml')}`);
  });

  it('exits 2 for a directory that does not exist', async () => {
    const missing = join(dir, 'nope');
    expect(await virtfleet('config', 'validate', missing)).to.deep.equal({
      code: 2,
      out: '',
      err: `${missing}: (document): configuration directory does not exist\n`,
    });
  });

  it('shows the effective configuration as YAML documents that load back to the same values', async () => {
    writeFileSync(join(dir, 'controller_config.yaml'), 'logLevel: debug\nnamespaces: [team-a]\n');
    const result = await virtfleet('config', 'show', dir);
    expect(result.code).to.equal(0);
    expect(result.err).to.equal('');
    const expected = loadConfig(dir);
    expect(loadAll(result.out)).to.deep.equal([expected.controller, expected.ssh, expected.libvirt, expected.transfer]);
    expect(result.out).to.match(/^# controller_config\.yaml\n/);
    expect(result.out).to.include('logLevel: debug\n');
  });

  it('shows problems instead of a configuration when a file is invalid', async () => {
    const libvirt = join(dir, 'libvirt_config.yaml');
    writeFileSync(libvirt, 'transport: telnet\n');
    expect(await virtfleet('config', 'show', dir)).to.deep.equal({
      code: 2,
      out: '',
      err: `${libvirt}:1:1: transport: expected one of auto, virt-ssh-helper, socat, nc, got string "telnet"\n`,
    });
  });
});
