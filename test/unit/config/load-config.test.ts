import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { load } from 'js-yaml';
import { CONFIG_FILE_NAMES, type ConfigSection } from '../../../src/config/config-file-loader.js';
import { inspectConfigDir, loadConfig } from '../../../src/config/load-config.js';
import { ConfigError, formatProblem } from '../../../src/errors/config-error.js';

const SHIPPED_CONFIG_DIR = new URL('../../../config/', import.meta.url).pathname;
const SECTIONS = Object.keys(CONFIG_FILE_NAMES) as ConfigSection[];

/** The loader's error lines for `dir`, or an empty list when it loads. */
function problemLines(dir: string): string[] {
  try {
    loadConfig(dir);
    return [];
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return (error as ConfigError).problems.map(formatProblem);
  }
}

describe('[REQ-01] configuration loading', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'virtfleet-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (section: ConfigSection, text: string): string => {
    const file = join(dir, CONFIG_FILE_NAMES[section]);
    writeFileSync(file, text);
    return file;
  };

  it('gives the documented defaults of config/*.yaml when the directory is empty', () => {
    const config = loadConfig(dir);
    for (const section of SECTIONS) {
      const documented = load(readFileSync(join(SHIPPED_CONFIG_DIR, CONFIG_FILE_NAMES[section]), 'utf8'));
      expect(config[section], section).to.deep.equal(documented);
    }
  });

  it('accepts the shipped config directory, whose values equal the defaults', () => {
    expect(loadConfig(SHIPPED_CONFIG_DIR)).to.deep.equal(loadConfig(dir));
  });

  it('treats an empty file and a comment-only file as all defaults', () => {
    write('ssh', '');
    write('libvirt', '# nothing set here\n');
    const config = loadConfig(dir);
    expect(config.ssh.maxSessionsPerHost).to.equal(8);
    expect(config.libvirt.defaultURI).to.equal('qemu:///system');
  });

  it('keeps the defaults of keys a file leaves out, next to the values it sets', () => {
    write('ssh', 'keepalive:\n  countMax: 7\nalgorithms:\n  ciphers: [chacha20-poly1305@openssh.com]\n');
    const { ssh } = loadConfig(dir);
    expect(ssh.keepalive).to.deep.equal({ intervalMs: 10000, countMax: 7 });
    expect(ssh.algorithms.ciphers).to.deep.equal(['chacha20-poly1305@openssh.com']);
    expect(ssh.algorithms.kex).to.include('curve25519-sha256');
  });

  it('returns a deep-frozen configuration that cannot be changed', () => {
    const config = loadConfig(dir);
    expect(Object.isFrozen(config)).to.equal(true);
    expect(Object.isFrozen(config.controller.leaderElection)).to.equal(true);
    expect(Object.isFrozen(config.ssh.algorithms.ciphers)).to.equal(true);
    expect(() => {
      (config.ssh as { maxSessionsPerHost: number }).maxSessionsPerHost = 1;
    }).to.throw(TypeError);
    expect(() => (config.ssh.algorithms.ciphers as string[]).push('aes128-cbc')).to.throw(TypeError);
  });

  it('gives each load its own default lists, so freezing one load leaves the next intact', () => {
    const first = loadConfig(dir);
    const second = loadConfig(dir);
    expect(second.transfer.allowedUrlSchemes).to.not.equal(first.transfer.allowedUrlSchemes);
    expect(second.transfer.allowedUrlSchemes).to.deep.equal(first.transfer.allowedUrlSchemes);
  });

  it('names file, line, column and path of a misspelt key and suggests the known one', () => {
    const file = write('ssh', 'connectTimeoutMs: 5000\nkeepAlive:\n  intervalMs: 1000\n');
    expect(problemLines(dir)).to.deep.equal([`${file}:2:1: keepAlive: unknown key 'keepAlive' (did you mean 'keepalive'?)`]);
  });

  it('reports a nested unknown key without a suggestion when nothing is close', () => {
    const file = write('libvirt', 'domainDefaults:\n  machine: q35\n  firmware: uefi\n');
    expect(problemLines(dir)).to.deep.equal([`${file}:3:3: domainDefaults.firmware: unknown key 'firmware'`]);
  });

  it('reads the watched namespaces and the credentials namespaces as separate lists of namespace names', () => {
    write('controller', 'namespaces: [team-a, team-b]\ncredentialsNamespaces: [virtfleet-system]\n');
    const { controller } = loadConfig(dir);
    expect(controller.namespaces).to.deep.equal(['team-a', 'team-b']);
    expect(controller.credentialsNamespaces).to.deep.equal(['virtfleet-system']);
    const file = write('controller', 'credentialsNamespaces: [Keys]\n');
    expect(problemLines(dir)).to.deep.equal([
      `${file}:1:25: credentialsNamespaces[0]: expected a name of at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit, got string "Keys"`,
    ]);
  });

  it('states the expected type and the value found for a wrong type', () => {
    const file = write('ssh', 'maxSessionsPerHost: eight\n');
    expect(problemLines(dir)).to.deep.equal([`${file}:1:1: maxSessionsPerHost: expected integer >= 1, got string "eight"`]);
  });

  it('rejects values below the minimum, such as a zero timeout', () => {
    const file = write('ssh', 'connectTimeoutMs: 0\n');
    expect(problemLines(dir)).to.deep.equal([`${file}:1:1: connectTimeoutMs: expected integer >= 1, got 0`]);
  });

  it('lists the allowed values when an enum is violated', () => {
    const file = write('controller', 'logLevel: verbose\n');
    expect(problemLines(dir)).to.deep.equal([`${file}:1:1: logLevel: expected one of error, warn, info, debug, got string "verbose"`]);
  });

  it('names an array item by index, with its own line, when a cipher is not AEAD', () => {
    const file = write('ssh', 'algorithms:\n  ciphers:\n    - aes256-gcm@openssh.com\n    - aes128-cbc\n');
    expect(problemLines(dir)).to.deep.equal([
      `${file}:4:7: algorithms.ciphers[1]: expected one of aes256-gcm@openssh.com, aes128-gcm@openssh.com, chacha20-poly1305@openssh.com, got string "aes128-cbc"`,
    ]);
  });

  it('locates items of flow-style lists and flags a repeated item', () => {
    const file = write('transfer', 'allowedUrlSchemes: [https, ftp, https]\n');
    expect(problemLines(dir)).to.deep.equal([
      `${file}:1:28: allowedUrlSchemes[1]: expected one of https, http, file, got string "ftp"`,
      `${file}:1:33: allowedUrlSchemes[2]: duplicate of allowedUrlSchemes[0]`,
    ]);
  });

  it('reports the line and column of broken YAML', () => {
    const file = write('controller', 'workers:\n  host: 2\n    virtualMachine: 3\n');
    expect(problemLines(dir)).to.deep.equal([`${file}:3:19: (document): invalid YAML: bad indentation of a mapping entry`]);
  });

  it('rejects a document that is not a mapping, naming the file', () => {
    const file = write('libvirt', '- qemu:///system\n');
    expect(problemLines(dir)).to.deep.equal([`${file}: (document): expected a mapping of keys to values, got a list`]);
  });

  it('rejects an empty value where a mapping is expected instead of guessing', () => {
    const file = write('controller', 'workers:\n');
    expect(problemLines(dir)).to.deep.equal([`${file}:1:1: workers: expected mapping, got null`]);
  });

  it('checks that the renew deadline is shorter than the lease', () => {
    const file = write('controller', 'leaderElection:\n  leaseDurationSeconds: 10\n  renewDeadlineSeconds: 10\n');
    expect(problemLines(dir)).to.deep.equal([
      `${file}:3:3: leaderElection.renewDeadlineSeconds: expected less than leaderElection.leaseDurationSeconds (10), got 10`,
    ]);
  });

  it('checks cross-key rules of the ssh and transfer files', () => {
    const ssh = write('ssh', 'reconnect:\n  baseDelayMs: 500\n  maxDelayMs: 100\n');
    const transfer = write('transfer', 'concurrency:\n  perHost: 9\n');
    expect(problemLines(dir)).to.deep.equal([
      `${ssh}:3:3: reconnect.maxDelayMs: expected at least reconnect.baseDelayMs (500), got 100`,
      `${transfer}:2:3: concurrency.perHost: expected at most concurrency.global (8), got 9`,
    ]);
  });

  it('reports every problem of every file at once, in file order then line order', () => {
    const controller = write('controller', 'logLevel: loud\nworkers:\n  host: 0\n');
    const ssh = write('ssh', 'keepalive:\n  countMax: -1\nmaxSessionPerHost: 4\n');
    expect(problemLines(dir)).to.deep.equal([
      `${controller}:1:1: logLevel: expected one of error, warn, info, debug, got string "loud"`,
      `${controller}:3:3: workers.host: expected integer >= 1, got 0`,
      `${ssh}:2:3: keepalive.countMax: expected integer >= 1, got -1`,
      `${ssh}:3:1: maxSessionPerHost: unknown key 'maxSessionPerHost' (did you mean 'maxSessionsPerHost'?)`,
    ]);
  });

  it('rejects a YAML file in the directory that is not one of the four, suggesting the nearest name', () => {
    writeFileSync(join(dir, 'ssh-config.yaml'), 'maxSessionsPerHost: 4\n');
    expect(problemLines(dir)).to.deep.equal([`${join(dir, 'ssh-config.yaml')}: (document): unknown configuration file (did you mean 'ssh_config.yaml'?)`]);
  });

  it('fails on a directory that does not exist rather than running on defaults', () => {
    const missing = join(dir, 'absent');
    expect(problemLines(missing)).to.deep.equal([`${missing}: (document): configuration directory does not exist`]);
  });

  it('reports a file that cannot be read as such', () => {
    mkdirSync(join(dir, CONFIG_FILE_NAMES.transfer));
    expect(problemLines(dir)).to.deep.equal([`${join(dir, CONFIG_FILE_NAMES.transfer)}: (document): cannot be read (EISDIR)`]);
  });

  it('tells per file whether it was present and valid', () => {
    write('ssh', 'maxSessionsPerHost: 2\n');
    write('libvirt', 'transport: ssh\n');
    const report = inspectConfigDir(dir);
    expect(report.config).to.equal(undefined);
    expect(report.files.map((f) => [f.section, f.present, f.problems.length])).to.deep.equal([
      ['controller', false, 0],
      ['ssh', true, 0],
      ['libvirt', true, 1],
      ['transfer', false, 0],
    ]);
  });
});
