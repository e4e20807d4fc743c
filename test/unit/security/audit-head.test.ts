import { expect } from 'chai';
import { readChainHead } from '../../../src/security/audit-file.js';
import { formatChainHead, parseChainHead } from '../../../src/security/audit-head.js';
import { verifyAuditLog } from '../../../src/security/audit-verify.js';
import { virtfleet } from '../../support/run-virtfleet.js';
import { AuditFileFixture } from './audit-fixtures.js';

const HASH = 'ab'.repeat(32);

describe('[REQ-05] audit chain head: SEQ:HASH', () => {
  const cases: Array<{ text: string; seq?: number }> = [
    { text: `7:${HASH}`, seq: 7 },
    { text: ` 9007199254740991:${HASH}\n`, seq: Number.MAX_SAFE_INTEGER },
    { text: `0:${HASH}` },
    { text: `07:${HASH}` },
    { text: `-1:${HASH}` },
    { text: `9007199254740993:${HASH}` },
    { text: `7:${HASH.toUpperCase()}` },
    { text: `7:${HASH.slice(1)}` },
    { text: '7' },
    { text: '' },
  ];
  for (const { text, seq } of cases) {
    it(`${seq === undefined ? 'rejects' : 'accepts'} ${JSON.stringify(text)}`, () => {
      expect(parseChainHead(text)).to.deep.equal(seq === undefined ? undefined : { seq, lastLineHash: HASH });
    });
  }

  it('formats what it parses', () => {
    expect(formatChainHead({ seq: 12, lastLineHash: HASH })).to.equal(`12:${HASH}`);
  });
});

describe('[REQ-05] verifyAuditLog against a published chain head', () => {
  let fixture: AuditFileFixture;
  beforeEach(async () => {
    fixture = new AuditFileFixture();
    await fixture.append(5);
  });
  afterEach(() => fixture.cleanup());

  it('accepts the file the head was taken from, and the same file grown since', async () => {
    const head = await readChainHead(fixture.path);
    expect(await verifyAuditLog(fixture.path, { head })).to.deep.include({ ok: true, records: 5 });
    await fixture.append(2, 6);
    expect(await verifyAuditLog(fixture.path, { head })).to.deep.include({ ok: true, records: 7 });
  });

  it('reports records cut from the end, which the file alone cannot show', async () => {
    const head = await readChainHead(fixture.path);
    fixture.writeLines(fixture.lines().slice(0, 3));
    expect(await verifyAuditLog(fixture.path)).to.deep.include({ ok: true, records: 3 });
    expect(await verifyAuditLog(fixture.path, { head })).to.deep.include({ ok: false, defect: 'behind-head', line: 4, expectedSeq: 4, records: 3 });
  });

  it('reports a log rolled back to an older copy and continued past the head', async () => {
    const older = fixture.lines().slice(0, 3);
    const head = await readChainHead(fixture.path);
    fixture.writeLines(older);
    await fixture.append(4, 100);
    expect(await verifyAuditLog(fixture.path)).to.deep.include({ ok: true, records: 7 });
    expect(await verifyAuditLog(fixture.path, { head })).to.deep.include({ ok: false, defect: 'head-mismatch', line: 5, seq: 5, records: 4 });
  });

  it('virtfleet audit verify --head reports a truncated file and exits 1', async () => {
    const { lastLineHash } = await readChainHead(fixture.path);
    fixture.writeLines(fixture.lines().slice(0, 4));
    const { code, out } = await virtfleet('audit', 'verify', fixture.path, '--head', `5:${lastLineHash}`);
    expect(code).to.equal(1);
    expect(out).to.equal('behind head: the log ends at seq 4 but the published chain head is seq 5: records were cut from the end\n');
  });

  it('virtfleet audit verify --head reports a rolled-back file and exits 1', async () => {
    const head = formatChainHead(await readChainHead(fixture.path));
    fixture.writeLines(fixture.lines().slice(0, 2));
    await fixture.append(3, 50);
    const { code, out } = await virtfleet('audit', 'verify', fixture.path, '--head', head);
    expect(code).to.equal(1);
    expect(out).to.match(/^rolled back: line 5 \(seq 5\): this is not the record the published chain head names/);
  });

  it('virtfleet audit verify --head exits 0 for an intact file and 2 for a malformed head', async () => {
    const head = formatChainHead(await readChainHead(fixture.path));
    expect((await virtfleet('audit', 'verify', fixture.path, '--head', head)).code).to.equal(0);
    const malformed = await virtfleet('audit', 'verify', fixture.path, '--head', '5:xyz');
    expect(malformed.code).to.equal(2);
    expect(malformed.err).to.contain('expected SEQ:HASH');
    const both = await virtfleet('audit', 'verify', fixture.path, '--head', head, '--head-from-cluster');
    expect(both.code).to.equal(2);
    expect(both.err).to.contain('not both');
  });
});
