import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { CONFIG_FILE_NAMES, type ConfigSection } from '../../../src/config/config-file-loader.js';
import { inspectConfigDir, loadConfig } from '../../../src/config/load-config.js';
import { findUnclosed } from '../../../src/config/yaml-unclosed.js';
import { ConfigError, formatProblem } from '../../../src/errors/config-error.js';
import { virtfleet } from '../../support/run-virtfleet.js';

describe('[REQ-01] configuration files that cannot be read: every failure is a ConfigError naming the file', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'virtfleet-config-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (section: ConfigSection, text: string): string => {
    const file = join(dir, CONFIG_FILE_NAMES[section]);
    writeFileSync(file, text);
    return file;
  };

  it('turns a js-yaml TypeError (!!float on a mapping) into a problem of the file, and `config validate` exits 2', async () => {
    const file = write('controller', 'logLevel: !!float\n  1\n');
    expect(() => loadConfig(dir)).to.throw(ConfigError).with.property('message').that.matches(new RegExp(`^${file}: \\(document\\): cannot be parsed as YAML \\(`));
    const { code, err } = await virtfleet('config', 'validate', dir);
    expect(code).to.equal(2);
    expect(err).to.contain(`${file}: (document): cannot be parsed as YAML`);
    expect(err).to.not.contain('    at ');
  });

  it('points at the line and key where an unclosed list opened, and says what is unclosed', () => {
    const file = write('ssh', ['connectTimeoutMs: 1000', 'keepalive:', '  intervalMs: 100', '  countMax: 3', '', '# channels', 'maxSessionsPerHost: [8', 'reconnect:', '  baseDelayMs: 10', ''].join('\n'));
    const [problem, ...rest] = inspectConfigDir(dir).problems;
    expect(rest).to.deep.equal([]);
    expect(formatProblem(problem ?? { file: '', path: '', message: '' })).to.match(
      new RegExp(`^${file}:7:21: maxSessionsPerHost: invalid YAML: the list '\\[' opened here is never closed \\(the parser gave up later: .* at line \\d+\\)$`),
    );
  });

  it('names the nested key of an unclosed mapping', () => {
    const file = write('ssh', 'algorithms:\n  ciphers: {a: 1\n  kex: [x]\n');
    expect(inspectConfigDir(dir).problems.map(formatProblem)[0]).to.match(new RegExp(`^${file}:2:12: algorithms.ciphers: invalid YAML: the mapping '\\{' opened here is never closed`));
  });

  it('keeps the parser\'s own position when nothing is left open', () => {
    const file = write('controller', 'workers:\n  host: 2\n    virtualMachine: 3\n');
    expect(inspectConfigDir(dir).problems.map(formatProblem)).to.deep.equal([`${file}:3:19: (document): invalid YAML: bad indentation of a mapping entry`]);
  });
});

describe('[REQ-01] findUnclosed: what broken YAML left open', () => {
  const cases: Array<{ name: string; text: string; expected: ReturnType<typeof findUnclosed> }> = [
    { name: 'a list at the top level', text: 'a: 1\nb: [1, 2\nc: 3\n', expected: { kind: 'list', opener: '[', line: 2, column: 4, keyPath: ['b'] } },
    { name: 'the outer of two lists', text: 'a: [[1, 2\n', expected: { kind: 'list', opener: '[', line: 1, column: 4, keyPath: ['a'] } },
    { name: 'a mapping under nested keys', text: 'x:\n  y:\n    z: {k: v\n  w: 1\n', expected: { kind: 'mapping', opener: '{', line: 3, column: 8, keyPath: ['x', 'y', 'z'] } },
    { name: 'a double-quoted string', text: 'a: "abc\nb: 1\n', expected: { kind: 'quoted string', opener: '"', line: 1, column: 4, keyPath: ['a'] } },
    { name: 'a list item in a list of lists', text: 'a:\n  - [1\n', expected: { kind: 'list', opener: '[', line: 2, column: 5, keyPath: [] } },
    { name: 'nothing, when brackets close', text: 'a: [1, {b: 2}]\nc: "x]"\n', expected: undefined },
    { name: 'nothing, for brackets inside plain scalars, comments and quotes', text: "a: x[1\nb: it's # [ {\nc: '['\nd: \"\\\"[\"\n", expected: undefined },
    { name: 'nothing, for doubled single quotes', text: "a: 'it''s'\n", expected: undefined },
  ];
  for (const { name, text, expected } of cases) {
    it(`finds ${name}`, () => {
      expect(findUnclosed(text)).to.deep.equal(expected);
    });
  }
});
