/**
 * [REQ-05] Audit record format and hash chain, shared by the writer (audit-log.ts) and the verifier
 * (audit-verify.ts).
 *
 * One record is one line of UTF-8 JSON terminated by "\n", with its fields in this order:
 *   log, seq, time, instance, resource?, host?, action, arguments?, outcome, error?, durationMs, prev, hash
 * - `log`: always "audit"; the operator's log lines carry `"log":"operator"` and the same `time` field, so a
 *   collector reading both from standard output (audit.sink stdout) tells them apart by this one field.
 * - `seq`: 1 for the first record of a file, then +1 per record.
 * - `instance`: the operator instance that acted (the pod name); log lines name the controller in `controller`.
 * - `time`: ISO 8601 UTC time the record was written, i.e. when the action ended (`durationMs` before it began).
 * - `prev`: lowercase hex SHA-256 of the previous record's exact line (all its bytes, `hash` field included,
 *   without the "\n"); GENESIS_HASH (64 zeros) for seq 1.
 * - `hash`: lowercase hex SHA-256 of the record's "body", the exact bytes of the line with the trailing
 *   `,"hash":"<hex>"` removed. The writer produces the body with JSON.stringify of the other fields and then
 *   inserts `,"hash":"<hex>"` before its closing brace; the verifier cuts that suffix off the line as written
 *   and hashes what remains, so no re-serialisation or canonical key order is involved.
 * Editing any byte of a record breaks its `hash`; re-computing that hash breaks the next record's `prev`;
 * removing a record leaves a gap in `seq`.
 * - A line holds at most MAX_AUDIT_RECORD_BYTES bytes (without its "\n"): the writer omits arguments and error
 *   text that would make it longer, and readers stop at a longer line instead of buffering it.
 */
import { createHash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

/** The longest line a record may take, in bytes of UTF-8 without the "\n". */
export const MAX_AUDIT_RECORD_BYTES = 1024 * 1024;

export type AuditOutcome = 'success' | 'failure' | 'denied';

export interface AuditResourceRef {
  kind: string;
  namespace?: string;
  name: string;
  uid?: string;
  generation?: number;
}

/** What a caller reports about one action on a host. */
export interface AuditEntryInput {
  /** Omitted for actions not tied to a resource (e.g. a host-key check while connecting). */
  resource?: AuditResourceRef;
  host?: string;
  /** Dotted verb such as `ssh.exec`, `ssh.connect`, `ssh.hostkey-mismatch`, `libvirt.domain.define`, `file.write`. */
  action: string;
  /** Redacted before writing. */
  arguments?: Record<string, unknown>;
  outcome: AuditOutcome;
  /** Message of the failure; redacted before writing. */
  error?: string;
  durationMs: number;
}

/** The `log` field of every audit record. */
export const AUDIT_LOG_STREAM = 'audit' as const;

/** A record as written, after redaction and sealing. */
export interface AuditRecord extends AuditEntryInput {
  log: typeof AUDIT_LOG_STREAM;
  seq: number;
  time: string;
  instance: string;
  prev: string;
  hash: string;
}

/** The fields a record is sealed from, in the order they appear on the line. */
export type AuditRecordBody = Omit<AuditRecord, 'hash'>;

const HASH_SUFFIX = /,"hash":"([0-9a-f]{64})"\}$/;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Serialises a record body and appends its hash: the line to write, without "\n". */
export function sealRecord(body: AuditRecordBody): { line: string; hash: string } {
  const ordered = {
    log: body.log,
    seq: body.seq,
    time: body.time,
    instance: body.instance,
    resource: body.resource,
    host: body.host,
    action: body.action,
    arguments: body.arguments,
    outcome: body.outcome,
    error: body.error,
    durationMs: body.durationMs,
    prev: body.prev,
  };
  const text = JSON.stringify(ordered);
  const hash = sha256Hex(text);
  return { line: `${text.slice(0, -1)},"hash":"${hash}"}`, hash };
}

/**
 * Splits a written line into its recorded hash and the body that hash must cover; undefined when the line
 * does not end with a well-formed `hash` field.
 */
export function unsealLine(line: string): { body: string; recordedHash: string } | undefined {
  const match = HASH_SUFFIX.exec(line);
  if (match?.[1] === undefined) return undefined;
  return { body: `${line.slice(0, match.index)}}`, recordedHash: match[1] };
}

/** True when the line's own `hash` matches its body. */
export function isSealIntact(line: string): boolean {
  const sealed = unsealLine(line);
  return sealed !== undefined && sha256Hex(sealed.body) === sealed.recordedHash;
}
