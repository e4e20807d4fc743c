import { createHash, generateKeyPairSync } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { AuditLog, openAuditLog } from '../../../src/security/audit-log.js';
import { AuditLogError } from '../../../src/security/audit-error.js';
import { GENESIS_HASH } from '../../../src/security/audit-record.js';
import { verifyAuditLog } from '../../../src/security/audit-verify.js';
import { AuditFileFixture, entry, steppingClock } from './audit-fixtures.js';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

function streamAudit() {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  const audit = new AuditLog(stream, { controller: 'virtfleet-0', now: steppingClock() });
  return { audit, chunks };
}

describe('[REQ-05] AuditLog: one hash-chained JSON line per action', () => {
  it('writes every field of DESIGN.md, in a fixed order, as one line per record', () => {
    const { audit, chunks } = streamAudit();
    audit.record({ ...entry(1), outcome: 'failure', error: 'exit status 1' });
    expect(chunks).to.have.length(1);
    expect(chunks[0]).to.match(/^\{[^\n]*\}\n$/);
    const record = JSON.parse(chunks[0] ?? '') as Record<string, unknown>;
    expect(Object.keys(record)).to.deep.equal([
      'log', 'seq', 'time', 'instance', 'resource', 'host', 'action', 'arguments', 'outcome', 'error', 'durationMs', 'prev', 'hash',
    ]);
    expect(record).to.deep.include({
      log: 'audit',
      seq: 1,
      time: '2025-01-01T12:00:00.000Z',
      instance: 'virtfleet-0',
      resource: { kind: 'VirtualMachine', namespace: 'ns1', name: 'vm-1', uid: 'uid-1', generation: 1 },
      host: 'h1',
      action: 'ssh.exec',
      outcome: 'failure',
      error: 'exit status 1',
      durationMs: 11,
      prev: GENESIS_HASH,
    });
  });

  it('omits resource, host, arguments and error when an action has none', () => {
    const { audit, chunks } = streamAudit();
    audit.record({ action: 'ssh.hostkey-mismatch', outcome: 'denied', durationMs: 0 });
    const record = JSON.parse(chunks[0] ?? '') as Record<string, unknown>;
    expect(record).not.to.have.any.keys('resource', 'host', 'arguments', 'error');
  });

  it('chains records: seq counts up, prev is the SHA-256 of the previous line, hash covers the line without itself', () => {
    const { audit, chunks } = streamAudit();
    for (let index = 1; index <= 3; index += 1) audit.record(entry(index));
    const lines = chunks.map((chunk) => chunk.slice(0, -1));
    const records = lines.map((line) => JSON.parse(line) as { seq: number; prev: string; hash: string });
    expect(records.map((record) => record.seq)).to.deep.equal([1, 2, 3]);
    expect(records[1]?.prev).to.equal(sha256(lines[0] ?? ''));
    expect(records[2]?.prev).to.equal(sha256(lines[1] ?? ''));
    for (const [index, line] of lines.entries()) {
      const withoutHash = line.replace(/,"hash":"[0-9a-f]{64}"\}$/, '}');
      expect(records[index]?.hash).to.equal(sha256(withoutHash));
    }
    expect(audit.chainHead).to.deep.equal({ seq: 3, lastLineHash: sha256(lines[2] ?? '') });
  });

  it('redacts secrets in arguments and in the error message', () => {
    const { audit, chunks } = streamAudit();
    const keyPem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    audit.record({
      host: 'h1',
      action: 'file.write',
      arguments: { path: '/root/.ssh/id', privateKey: keyPem, options: { passphrase: 'pw-77', header: 'Bearer tok-77' } },
      outcome: 'failure',
      error: `write failed for ${keyPem}`,
      durationMs: 3,
    });
    const line = chunks.join('');
    for (const secret of [keyPem.split('\n')[1] ?? '', 'pw-77', 'tok-77']) expect(line).not.to.contain(secret);
    expect(JSON.parse(line)).to.deep.include({
      arguments: { path: '/root/.ssh/id', privateKey: '[REDACTED]', options: { passphrase: '[REDACTED]', header: 'Bearer [REDACTED]' } },
    });
  });

  it('does not advance the chain when the sink refuses a write', () => {
    let failNext = true;
    const written: string[] = [];
    const audit = new AuditLog({ write: (line: string) => { if (failNext) throw new Error('disk full'); written.push(line); } }, { controller: 'c' });
    expect(() => audit.record(entry(1))).to.throw('disk full');
    failNext = false;
    audit.record(entry(2));
    expect(JSON.parse(written[0] ?? '')).to.include({ seq: 1, prev: GENESIS_HASH });
  });

  it('refuses to record after close', () => {
    const { audit } = streamAudit();
    audit.close();
    expect(() => audit.record(entry(1))).to.throw(AuditLogError);
  });
});

describe('[REQ-05] openAuditLog with the file sink', () => {
  let fixture: AuditFileFixture;
  beforeEach(() => { fixture = new AuditFileFixture(); });
  afterEach(() => fixture.cleanup());

  it('creates the file and continues its chain when reopened', async () => {
    await fixture.append(2);
    await fixture.append(3, 3);
    expect(fixture.records().map((record) => record.seq)).to.deep.equal([1, 2, 3, 4, 5]);
    expect(fixture.records()[2]?.prev).to.equal(sha256(fixture.lines()[1] ?? ''));
    expect(await verifyAuditLog(fixture.path)).to.deep.include({ ok: true, records: 5 });
  });

  it('writes records in call order without interleaving under many quick calls', async () => {
    await fixture.append(500);
    const seqs = fixture.records().map((record) => record.seq);
    expect(seqs).to.deep.equal(Array.from({ length: 500 }, (_, index) => index + 1));
    expect(await verifyAuditLog(fixture.path)).to.deep.include({ ok: true, records: 500 });
  });

  it('refuses to append to a file whose last record is incomplete', async () => {
    await fixture.append(2);
    appendFileSync(fixture.path, '{"seq":3,"time":"2025');
    await expectOpenToFail(fixture.path, /incomplete record/);
  });

  it('refuses to append to a file whose last record was altered', async () => {
    await fixture.append(2);
    const lines = fixture.lines();
    fixture.writeLines([lines[0] ?? '', (lines[1] ?? '').replace('"vm-2"', '"vm-X"')]);
    await expectOpenToFail(fixture.path, /damaged/);
  });

  it('continues a chain whose last line is longer than one tail read', async () => {
    const audit = await openAuditLog({ sink: 'file', path: fixture.path }, { controller: 'c' });
    audit.record({ ...entry(1), arguments: { xml: 'x'.repeat(200_000) } });
    audit.close();
    await fixture.append(1, 2);
    expect(await verifyAuditLog(fixture.path)).to.deep.include({ ok: true, records: 2 });
  });
});

async function expectOpenToFail(path: string, message: RegExp): Promise<void> {
  const error: unknown = await openAuditLog({ sink: 'file', path }, { controller: 'c' }).then(
    (audit) => { audit.close(); return undefined; },
    (rejection: unknown) => rejection,
  );
  expect(error).to.be.instanceOf(AuditLogError);
  expect((error as Error).message).to.match(message);
}
