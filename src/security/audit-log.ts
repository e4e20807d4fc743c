/**
 * [REQ-05] The always-on audit log: one hash-chained JSON line per action on a host (format and chain in
 * audit-record.ts). Separate from the operator's logger and not subject to its level.
 * `record` is synchronous: it redacts the arguments and the error, seals the record and hands the whole
 * line to the sink in one write, so records are ordered by call and never interleave. The chain advances
 * only after the write succeeded; a failed write throws to the caller, since no action may go unaudited.
 * Sinks (ControllerConfig.audit): `file` appends to `path`, continuing the chain already in it; `stdout`
 * starts a new chain (seq 1) in every process.
 */
import type { ControllerConfig } from '../config/types.js';
import { AuditLogError } from './audit-error.js';
import { AppendOnlyFile, EMPTY_CHAIN, readChainHead, type ChainHead } from './audit-file.js';
import { AUDIT_LOG_STREAM, MAX_AUDIT_RECORD_BYTES, sealRecord, sha256Hex, type AuditEntryInput, type AuditRecord, type AuditRecordBody } from './audit-record.js';
import { redactFields } from './redact.js';
import { redactString } from './redact-rules.js';

/** What the rest of the operator depends on to audit an action. */
export interface AuditSink {
  record(entry: AuditEntryInput): AuditRecord;
}

/** Anything that takes a whole line: a Writable stream (stdout, a PassThrough in tests) or AppendOnlyFile. */
export interface AuditLineWriter {
  write(line: string): unknown;
}

export interface AuditLogOptions {
  /** Identity of this operator instance, e.g. the pod name: written as each record's `instance`. */
  controller: string;
  /** Where the chain stands in the sink already; an empty chain by default. */
  head?: ChainHead;
  now?: () => Date;
  /** Called by close(), e.g. to close the file. */
  onClose?: () => void;
}

export class AuditLog implements AuditSink {
  private head: ChainHead;
  private closed = false;
  private readonly now: () => Date;

  constructor(private readonly writer: AuditLineWriter, private readonly options: AuditLogOptions) {
    this.head = options.head ?? EMPTY_CHAIN;
    this.now = options.now ?? (() => new Date());
  }

  record(entry: AuditEntryInput): AuditRecord {
    if (this.closed) throw new AuditLogError('sink', 'record() called after close()');
    const body = {
      log: AUDIT_LOG_STREAM,
      seq: this.head.seq + 1,
      time: this.now().toISOString(),
      instance: this.options.controller,
      resource: entry.resource,
      host: entry.host,
      action: entry.action,
      arguments: entry.arguments === undefined ? undefined : redactFields(entry.arguments),
      outcome: entry.outcome,
      error: entry.error === undefined ? undefined : redactString(entry.error),
      durationMs: entry.durationMs,
      prev: this.head.lastLineHash,
    };
    const { written, line, hash } = sealWithinLimit(body);
    this.writer.write(`${line}\n`);
    this.head = { seq: body.seq, lastLineHash: sha256Hex(line) };
    return { ...written, hash };
  }

  /** The seq and line hash of the last record written, e.g. to anchor the chain elsewhere. */
  get chainHead(): ChainHead {
    return this.head;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.options.onClose?.();
  }
}

/**
 * Seals the record; when its line would pass MAX_AUDIT_RECORD_BYTES, the arguments and the error text are
 * replaced by a note of their size, so the record still says what was done, to what, with which outcome.
 */
function sealWithinLimit(body: AuditRecordBody): { written: AuditRecordBody; line: string; hash: string } {
  const sealed = sealRecord(body);
  if (Buffer.byteLength(sealed.line, 'utf8') <= MAX_AUDIT_RECORD_BYTES) return { written: body, ...sealed };
  const omitted = (value: unknown): string | undefined =>
    value === undefined ? undefined : `[omitted: ${Buffer.byteLength(JSON.stringify(value), 'utf8')} bytes, over the audit record limit]`;
  const written = { ...body, arguments: body.arguments === undefined ? undefined : { omitted: omitted(body.arguments) }, error: omitted(body.error) };
  return { written, ...sealRecord(written) };
}

/** Opens the audit log the configuration asks for; a file sink continues the chain already in the file. */
export async function openAuditLog(
  config: ControllerConfig['audit'],
  options: Omit<AuditLogOptions, 'head' | 'onClose'>,
): Promise<AuditLog> {
  if (config.sink === 'stdout') return new AuditLog(process.stdout, options);
  const head = await readChainHead(config.path);
  let file: AppendOnlyFile;
  try {
    file = new AppendOnlyFile(config.path);
  } catch (error) {
    throw new AuditLogError(config.path, 'cannot be opened for appending', { cause: error });
  }
  return new AuditLog(file, { ...options, head, onClose: () => file.close() });
}
