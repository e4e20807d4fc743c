import { execFileSync } from 'node:child_process';
import { expect } from 'chai';
import { argvToCommand, quoteArgument } from '../../../src/ssh/shell-quote.js';

const HOSTILE = [
  "'; touch /tmp/virtfleet-pwned'",
  '$(id)',
  '`id`',
  'line one\nline two',
  '"double" and \'single\'',
  'semi;colon && amp | pipe > redirect < in',
  '*',
  '~root',
  '${HOME}',
  '',
  '-n',
  'back\\slash',
  '\t tab',
  'unicode ✓ ünï',
];

describe('[REQ-02] shell quoting of remote commands', () => {
  it('leaves plain words unquoted so commands stay readable in audit records', () => {
    expect(argvToCommand(['virsh', '-c', 'qemu:///system', 'list', '--all'])).to.equal('virsh -c qemu:///system list --all');
  });

  it('wraps arguments with metacharacters in single quotes and escapes embedded quotes', () => {
    expect(quoteArgument("it's")).to.equal(`'it'\\''s'`);
    expect(quoteArgument('$(id)')).to.equal(`'$(id)'`);
    expect(quoteArgument('')).to.equal(`''`);
  });

  for (const shell of ['/bin/sh', '/bin/bash']) {
    it(`makes every hostile argument arrive literally as one argument through ${shell}`, () => {
      const command = argvToCommand(['printf', '%s\\0', ...HOSTILE]);
      const out = execFileSync(shell, ['-c', command]).toString('utf8');
      expect(out.split('\0').slice(0, -1)).to.deep.equal(HOSTILE);
    });
  }

  it('refuses NUL bytes and empty argv instead of silently truncating', () => {
    expect(() => quoteArgument('a\0b')).to.throw(TypeError, /NUL/);
    expect(() => argvToCommand([])).to.throw(TypeError, /at least one/);
  });
});
