import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { verifyAuditLog } from '../../../src/security/audit-verify.js';
import { AuditFileFixture } from './audit-fixtures.js';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Re-seals a line after an edit, as a forger who knows the format would. */
function reseal(line: string): string {
  const body = line.replace(/,"hash":"[0-9a-f]{64}"\}$/, '}');
  return `${body.slice(0, -1)},"hash":"${sha256(body)}"}`;
}

describe('[REQ-05] verifyAuditLog: the hash chain finds the first bad record', () => {
  let fixture: AuditFileFixture;
  beforeEach(async () => {
    fixture = new AuditFileFixture();
    await fixture.append(5);
  });
  afterEach(() => fixture.cleanup());

  it('accepts a clean chain and reports its head', async () => {
    const result = await verifyAuditLog(fixture.path);
    expect(result).to.deep.equal({ ok: true, records: 5, lastSeq: 5, lastHash: sha256(fixture.lines()[4] ?? '') });
  });

  it('accepts an empty file as a chain of zero records', async () => {
    fixture.writeLines([]);
    expect(await verifyAuditLog(fixture.path)).to.deep.include({ ok: true, records: 0 });
  });

  it('reports an edited field of a middle record as tampered at that line', async () => {
    const lines = fixture.lines();
    lines[2] = (lines[2] ?? '').replace('"outcome":"success"', '"outcome":"failure"');
    fixture.writeLines(lines);
    expect(await verifyAuditLog(fixture.path)).to.deep.include({ ok: false, defect: 'tampered', line: 3, seq: 3, records: 2 });
  });

  it('reports a record edited and re-hashed at the next line, whose prev no longer matches', async () => {
    const lines = fixture.lines();
    lines[1] = reseal((lines[1] ?? '').replace('"host":"h1"', '"host":"h9"'));
    fixture.writeLines(lines);
    const result = await verifyAuditLog(fixture.path);
    expect(result).to.deep.include({ ok: false, defect: 'tampered', line: 3, seq: 3 });
    expect(result.ok === false && result.reason).to.contain('prev');
  });

  it('reports a deleted middle line as a missing record', async () => {
    const lines = fixture.lines();
    lines.splice(2, 1);
    fixture.writeLines(lines);
    expect(await verifyAuditLog(fixture.path)).to.deep.include({ ok: false, defect: 'missing', line: 3, seq: 4, expectedSeq: 3 });
  });

  it('reports a duplicated line as tampered, since its seq goes back', async () => {
    const lines = fixture.lines();
    lines.splice(3, 0, lines[2] ?? '');
    fixture.writeLines(lines);
    expect(await verifyAuditLog(fixture.path)).to.deep.include({ ok: false, defect: 'tampered', line: 4, seq: 3 });
  });

  it('reports a last line cut off in the middle as truncated, after the intact records', async () => {
    const lines = fixture.lines();
    lines[4] = (lines[4] ?? '').slice(0, 40);
    fixture.writeLines(lines, false);
    expect(await verifyAuditLog(fixture.path)).to.deep.include({ ok: false, defect: 'truncated', line: 5, records: 4 });
  });

  it('reports a last line that lost only its newline as truncated too', async () => {
    fixture.writeLines(fixture.lines(), false);
    expect(await verifyAuditLog(fixture.path)).to.deep.include({ ok: false, defect: 'truncated', line: 5 });
  });

  it('reports a line that is not JSON as unparsable', async () => {
    const lines = fixture.lines();
    lines.splice(1, 0, 'garbage');
    fixture.writeLines(lines);
    expect(await verifyAuditLog(fixture.path)).to.deep.include({ ok: false, defect: 'unparsable', line: 2 });
  });

  it('rejects when the file cannot be read', async () => {
    const failed = await verifyAuditLog(`${fixture.dir}/absent.log`).then(() => false, () => true);
    expect(failed).to.equal(true);
  });
});
