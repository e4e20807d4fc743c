import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { expect } from 'chai';
import { registerAuditCommands } from '../../../src/cli/audit-command.js';
import { runCli } from '../../../src/cli/index.js';
import { AuditFileFixture } from '../security/audit-fixtures.js';

/** Runs `virtfleet audit ...` through the real command definitions and returns exit code and output. */
async function runAudit(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const outText: string[] = [];
  const errText: string[] = [];
  out.on('data', (chunk: Buffer) => outText.push(chunk.toString('utf8')));
  err.on('data', (chunk: Buffer) => errText.push(chunk.toString('utf8')));
  let code = 0;
  const program = new Command('virtfleet').exitOverride().configureOutput({ writeOut: (s) => out.write(s), writeErr: (s) => err.write(s) });
  registerAuditCommands(program, { out, err, setExitCode: (exitCode) => { code = exitCode; } });
  await program.parseAsync(['audit', ...args], { from: 'user' });
  return { code, out: outText.join(''), err: errText.join('') };
}

describe('[REQ-05] virtfleet audit verify FILE', () => {
  let fixture: AuditFileFixture;
  beforeEach(() => {
    fixture = new AuditFileFixture();
    fixture.append(4);
  });
  afterEach(() => fixture.cleanup());

  it('prints ok with the record count and exits 0 for an intact chain', async () => {
    const { code, out } = await runAudit(['verify', fixture.path]);
    expect(code).to.equal(0);
    expect(out.split('\n')[0]).to.equal('ok: 4 records');
  });

  it('prints the tampered line and seq and exits 1', async () => {
    const lines = fixture.lines();
    lines[1] = (lines[1] ?? '').replace('"durationMs":12', '"durationMs":1');
    fixture.writeLines(lines);
    const { code, out } = await runAudit(['verify', fixture.path]);
    expect(code).to.equal(1);
    expect(out).to.match(/^tampered: line 2 \(seq 2\): hash mismatch/);
  });

  it('prints the missing record and exits 1', async () => {
    const lines = fixture.lines();
    lines.splice(1, 1);
    fixture.writeLines(lines);
    const { code, out } = await runAudit(['verify', fixture.path]);
    expect(code).to.equal(1);
    expect(out).to.equal('missing: record seq 2 before line 2\n');
  });

  it('names a range when several records are missing', async () => {
    const lines = fixture.lines();
    lines.splice(1, 2);
    fixture.writeLines(lines);
    expect((await runAudit(['verify', fixture.path])).out).to.equal('missing: records seq 2..3 before line 2\n');
  });

  it('prints truncated for a cut last line and exits 1', async () => {
    fixture.writeLines(fixture.lines().map((line, index) => (index === 3 ? line.slice(0, 30) : line)), false);
    const { code, out } = await runAudit(['verify', fixture.path]);
    expect(code).to.equal(1);
    expect(out).to.match(/^truncated: line 4: /);
  });

  it('exits 2 with a message on stderr when the file cannot be read', async () => {
    const { code, err } = await runAudit(['verify', `${fixture.dir}/absent.log`]);
    expect(code).to.equal(2);
    expect(err).to.contain('cannot read');
  });
});

describe('[REQ-05] virtfleet audit verify through the CLI entry point', () => {
  it('exits 2 on a usage error (no FILE)', async () => {
    const err = new PassThrough();
    expect(await runCli(['audit', 'verify'], new PassThrough(), err)).to.equal(2);
  });

  it('exits 0 for an intact file', async () => {
    const fixture = new AuditFileFixture();
    try {
      fixture.append(2);
      const out = new PassThrough();
      expect(await runCli(['audit', 'verify', fixture.path], out, new PassThrough())).to.equal(0);
      expect(String(out.read())).to.match(/^ok: 2 records\n/);
    } finally {
      fixture.cleanup();
    }
  });
});
