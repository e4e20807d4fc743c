/**
 * [REQ-05] Verifies an audit file's hash chain (format in audit-record.ts), streaming, and reports the first
 * bad record:
 * - `unparsable`: a complete line that is not a JSON object;
 * - `tampered`: a record whose `hash` does not match its bytes, whose `seq` is not the next one or goes back,
 *   or whose `prev` is not the hash of the line before it (the line before was altered and re-hashed, or
 *   replaced);
 * - `missing`: `seq` jumps forward, i.e. records were removed before this line;
 * - `truncated`: the file ends in a line without its "\n", i.e. the last record was cut off (a crash in the
 *   middle of a write, or a cut file). The writer refuses to append to such a file.
 * Whole records removed from the end cannot be seen in the file alone: compare `lastSeq`/`lastHash` with a
 * copy kept elsewhere (e.g. AuditLog.chainHead reported by the operator) to detect that.
 */
import { createReadStream } from 'node:fs';
import { GENESIS_HASH, sha256Hex, unsealLine } from './audit-record.js';

export type AuditDefect = 'unparsable' | 'tampered' | 'missing' | 'truncated';

export type AuditVerification =
  | { ok: true; records: number; lastSeq: number; lastHash: string }
  | {
      ok: false;
      defect: AuditDefect;
      /** 1-based line number of the first bad line. */
      line: number;
      /** The seq the bad line carries, when it can be read. */
      seq?: number;
      /** The seq that should have come at this line. */
      expectedSeq: number;
      reason: string;
      /** Records verified before the bad line. */
      records: number;
    };

type Defect = Extract<AuditVerification, { ok: false }>;

/** Reads the whole file; rejects only when the file cannot be read. */
export async function verifyAuditLog(path: string): Promise<AuditVerification> {
  const chain = new ChainVerifier();
  let pending = '';
  const stream = createReadStream(path, { encoding: 'utf8' });
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      pending += chunk;
      let lineStart = 0;
      for (let newline = pending.indexOf('\n'); newline >= 0; newline = pending.indexOf('\n', lineStart)) {
        const defect = chain.accept(pending.slice(lineStart, newline));
        if (defect !== undefined) return defect;
        lineStart = newline + 1;
      }
      pending = pending.slice(lineStart);
    }
  } finally {
    stream.destroy();
  }
  return pending === '' ? chain.success() : chain.truncated();
}

class ChainVerifier {
  private lineNumber = 0;
  private expectedSeq = 1;
  private expectedPrev = GENESIS_HASH;

  accept(line: string): Defect | undefined {
    this.lineNumber += 1;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      record = undefined;
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      return this.defect('unparsable', undefined, 'not a JSON audit record');
    }
    const { seq, prev } = record as { seq?: unknown; prev?: unknown };
    const seqValue = typeof seq === 'number' ? seq : undefined;
    const sealed = unsealLine(line);
    if (sealed === undefined) return this.defect('tampered', seqValue, 'the line does not end with a hash field');
    if (sha256Hex(sealed.body) !== sealed.recordedHash) {
      return this.defect('tampered', seqValue, 'hash mismatch: the record was modified after it was written');
    }
    if (seqValue === undefined || !Number.isSafeInteger(seqValue)) return this.defect('tampered', undefined, 'seq is not an integer');
    if (seqValue > this.expectedSeq) {
      return this.defect('missing', seqValue, `records ${this.expectedSeq}..${seqValue - 1} were removed`);
    }
    if (seqValue < this.expectedSeq) {
      return this.defect('tampered', seqValue, `seq goes back or repeats (expected ${this.expectedSeq})`);
    }
    if (prev !== this.expectedPrev) {
      return this.defect('tampered', seqValue, 'prev does not match the hash of the previous line');
    }
    this.expectedSeq += 1;
    this.expectedPrev = sha256Hex(line);
    return undefined;
  }

  success(): AuditVerification {
    return { ok: true, records: this.expectedSeq - 1, lastSeq: this.expectedSeq - 1, lastHash: this.expectedPrev };
  }

  truncated(): Defect {
    this.lineNumber += 1;
    return this.defect('truncated', undefined, 'the last record is incomplete (no final newline)');
  }

  private defect(defect: AuditDefect, seq: number | undefined, reason: string): Defect {
    return {
      ok: false,
      defect,
      line: this.lineNumber,
      ...(seq === undefined ? {} : { seq }),
      expectedSeq: this.expectedSeq,
      reason,
      records: this.expectedSeq - 1,
    };
  }
}
