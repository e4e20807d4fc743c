import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { CONFIG_FILE_NAMES, loadConfigFile, type ConfigSection } from '../../../src/config/config-file-loader.js';
import { formatProblem } from '../../../src/errors/config-error.js';

interface Case {
  name: string;
  section: ConfigSection;
  yaml: string;
  /** Problem lines without the leading file path. */
  expected: string[];
}

const CASES: Case[] = [
  { name: 'a YAML 1.2 "yes" where a boolean is expected', section: 'transfer', yaml: 'resume: yes\n', expected: [':1:1: resume: expected boolean, got string "yes"'] },
  { name: 'a zero rate limit', section: 'controller', yaml: 'backoff:\n  globalQps: 0\n', expected: [':2:3: backoff.globalQps: expected number > 0, got 0'] },
  {
    name: 'a namespace that is not a DNS label',
    section: 'controller',
    yaml: 'namespaces:\n  - Team_A\n',
    expected: [':2:5: namespaces[0]: expected a name of at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit, got string "Team_A"'],
  },
  { name: 'a relative audit path', section: 'controller', yaml: 'audit:\n  sink: file\n  path: audit.log\n', expected: [':3:3: audit.path: expected an absolute path, got string "audit.log"'] },
  {
    name: 'a metrics address without a port',
    section: 'controller',
    yaml: 'metricsAddress: localhost\n',
    expected: [':1:1: metricsAddress: expected host:port, e.g. 0.0.0.0:8080 or [::]:8080, got string "localhost"'],
  },
  { name: 'a metrics port above 65535', section: 'controller', yaml: 'metricsAddress: "[::]:70000"\n', expected: [':1:1: metricsAddress: expected a port <= 65535, got 70000'] },
  {
    name: 'a retry period not shorter than the renew deadline',
    section: 'controller',
    yaml: 'leaderElection:\n  retryPeriodSeconds: 10\n',
    expected: [':2:3: leaderElection.retryPeriodSeconds: expected less than leaderElection.renewDeadlineSeconds (10), got 10'],
  },
  { name: 'a chunk smaller than 64 KiB', section: 'transfer', yaml: 'chunkSizeBytes: 4096\n', expected: [':1:1: chunkSizeBytes: expected integer >= 65536 and <= 1073741824, got 4096'] },
  { name: 'a fractional worker count', section: 'controller', yaml: 'workers: {host: 1.5}\n', expected: [':1:11: workers.host: expected integer >= 1, got 1.5'] },
  { name: 'an empty cipher list', section: 'ssh', yaml: 'algorithms:\n  ciphers: []\n', expected: [':2:3: algorithms.ciphers: expected list of at least 1 item, got an empty list'] },
  { name: 'a URI without a scheme', section: 'libvirt', yaml: 'defaultURI: /system\n', expected: [':1:1: defaultURI: expected a libvirt URI such as qemu:///system, got string "/system"'] },
  { name: 'an empty pool name', section: 'libvirt', yaml: 'storagePool:\n  name: ""\n', expected: [':2:3: storagePool.name: expected non-empty string, got string ""'] },
  { name: 'a list where a mapping is expected', section: 'ssh', yaml: 'keepalive: [1, 2]\n', expected: [':1:1: keepalive: expected mapping, got a list'] },
];

describe('[REQ-01] configuration problems in plain words', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'virtfleet-config-problems-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const { name, section, yaml, expected } of CASES) {
    it(`explains ${name}`, () => {
      const file = join(dir, CONFIG_FILE_NAMES[section]);
      writeFileSync(file, yaml);
      const result = loadConfigFile(dir, section);
      expect(result.value).to.equal(undefined);
      expect(result.problems.map(formatProblem)).to.deep.equal(expected.map((line) => `${file}${line}`));
    });
  }
});
