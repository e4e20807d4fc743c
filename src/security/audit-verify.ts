/**
 * [REQ-05] Verifies an audit file's hash chain (format in audit-record.ts), streaming in linear time, and reports
 * the first bad record:
 * - `unparsable`: a complete line that is not a JSON object;
 * - `tampered`: a record whose `hash` does not match its bytes, whose `seq` is not the next one or goes back,
 *   or whose `prev` is not the hash of the line before it (the line before was altered and re-hashed, or
 *   replaced);
 * - `missing`: `seq` jumps forward, i.e. records were removed before this line;
 * - `oversized`: a line longer than MAX_AUDIT_RECORD_BYTES (the writer never writes one); reading stops there;
 * - `truncated`: the file ends in a line without its "\n", i.e. the last record was cut off (a crash in the
 *   middle of a write, or a cut file). The writer refuses to append to such a file.
 * Whole records removed from the end cannot be seen in the file alone. Given the chain head published outside
 * the file (audit-head.ts), two more defects show:
 * - `behind-head`: the chain is intact but ends before the published head's seq (records cut from the end);
 * - `head-mismatch`: the record at the published head's seq is not the one published (the log was rolled back
 *   to an older copy and continued, or rewritten from there).
 */
import { readAuditLines } from './audit-lines.js';
import type { ChainHead } from './audit-file.js';
import { GENESIS_HASH, MAX_AUDIT_RECORD_BYTES, sha256Hex, unsealLine } from './audit-record.js';

export type AuditDefect = 'unparsable' | 'tampered' | 'missing' | 'oversized' | 'truncated' | 'behind-head' | 'head-mismatch';

export type AuditVerification =
  | { ok: true; records: number; lastSeq: number; lastHash: string }
  | {
      ok: false;
      defect: AuditDefect;
      /** 1-based line number of the first bad line (for `behind-head`, the line after the last one). */
      line: number;
      /** The seq the bad line carries, when it can be read. */
      seq?: number;
      /** The seq that should have come at this line. */
      expectedSeq: number;
      reason: string;
      /** Records verified before the bad line. */
      records: number;
    };

export interface VerifyOptions {
  /** The chain head published outside the file: the log must reach it, through that very record. */
  head?: ChainHead;
  /** Longest line accepted; MAX_AUDIT_RECORD_BYTES unless a test says otherwise. */
  maxRecordBytes?: number;
}

type Defect = Extract<AuditVerification, { ok: false }>;

/** Reads the whole file; rejects only when the file cannot be read. */
export async function verifyAuditLog(path: string, options: VerifyOptions = {}): Promise<AuditVerification> {
  const chain = new ChainVerifier(options.head);
  for await (const read of readAuditLines(path, options.maxRecordBytes ?? MAX_AUDIT_RECORD_BYTES)) {
    if (read.kind === 'oversized') return chain.oversized(options.maxRecordBytes ?? MAX_AUDIT_RECORD_BYTES);
    if (read.kind === 'unterminated') return chain.truncated();
    const defect = chain.accept(read.text);
    if (defect !== undefined) return defect;
  }
  return chain.end();
}

class ChainVerifier {
  private lineNumber = 0;
  private expectedSeq = 1;
  private expectedPrev = GENESIS_HASH;

  constructor(private readonly head: ChainHead | undefined) {}

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
    const lineHash = sha256Hex(line);
    if (this.head !== undefined && seqValue === this.head.seq && lineHash !== this.head.lastLineHash) {
      return this.defect('head-mismatch', seqValue, 'this is not the record the published chain head names: the log was rolled back or rewritten');
    }
    this.expectedSeq += 1;
    this.expectedPrev = lineHash;
    return undefined;
  }

  end(): AuditVerification {
    const lastSeq = this.expectedSeq - 1;
    if (this.head !== undefined && lastSeq < this.head.seq) {
      this.lineNumber += 1;
      return this.defect('behind-head', undefined, `the log ends at seq ${lastSeq} but the published chain head is seq ${this.head.seq}: records were cut from the end`);
    }
    return { ok: true, records: lastSeq, lastSeq, lastHash: this.expectedPrev };
  }

  oversized(maxRecordBytes: number): Defect {
    this.lineNumber += 1;
    return this.defect('oversized', undefined, `the line is longer than the maximum record size of ${maxRecordBytes} bytes`);
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
