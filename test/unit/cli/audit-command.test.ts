import { expect } from 'chai';
import { virtfleet } from '../../support/run-virtfleet.js';
import { AuditFileFixture } from '../security/audit-fixtures.js';

describe('[REQ-05] virtfleet audit verify FILE', () => {
  let fixture: AuditFileFixture;
  beforeEach(async () => {
    fixture = new AuditFileFixture();
    await fixture.append(4);
  });
  afterEach(() => fixture.cleanup());

  it('prints ok with the record count and exits 0 for an intact chain', async () => {
    const { code, out } = await virtfleet('audit', 'verify', fixture.path);
    expect(code).to.equal(0);
    expect(out.split('\n')[0]).to.equal('ok: 4 records');
  });

  it('prints the tampered line and seq and exits 1', async () => {
    const lines = fixture.lines();
    lines[1] = (lines[1] ?? '').replace('"durationMs":12', '"durationMs":1');
    fixture.writeLines(lines);
    const { code, out } = await virtfleet('audit', 'verify', fixture.path);
    expect(code).to.equal(1);
    expect(out).to.match(/^tampered: line 2 \(seq 2\): hash mismatch/);
  });

  it('prints the missing record and exits 1', async () => {
    const lines = fixture.lines();
    lines.splice(1, 1);
    fixture.writeLines(lines);
    const { code, out } = await virtfleet('audit', 'verify', fixture.path);
    expect(code).to.equal(1);
    expect(out).to.equal('missing: record seq 2 before line 2\n');
  });

  it('names a range when several records are missing', async () => {
    const lines = fixture.lines();
    lines.splice(1, 2);
    fixture.writeLines(lines);
    expect((await virtfleet('audit', 'verify', fixture.path)).out).to.equal('missing: records seq 2..3 before line 2\n');
  });

  it('prints truncated for a cut last line and exits 1', async () => {
    fixture.writeLines(fixture.lines().map((line, index) => (index === 3 ? line.slice(0, 30) : line)), false);
    const { code, out } = await virtfleet('audit', 'verify', fixture.path);
    expect(code).to.equal(1);
    expect(out).to.match(/^truncated: line 4: /);
  });

  it('exits 2 with a message on stderr when the file cannot be read', async () => {
    const { code, err } = await virtfleet('audit', 'verify', `${fixture.dir}/absent.log`);
    expect(code).to.equal(2);
    expect(err).to.contain('cannot read');
  });
});

describe('[REQ-05] virtfleet audit verify: usage errors', () => {
  it('exits 2 when FILE is missing', async () => {
    const { code, err } = await virtfleet('audit', 'verify');
    expect(code).to.equal(2);
    expect(err).to.contain("missing required argument 'file'");
  });
});
