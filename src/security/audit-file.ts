/**
 * [REQ-05] The audit log's file sink: an append-only file written with one synchronous write per record, so
 * records land in call order, never interleave, and are in the file before the audited code goes on; and
 * `readChainHead`, which finds where an existing file's hash chain ends so that appending continues it (and
 * refuses a chain whose seq cannot grow any more).
 * One process writes a given file (the leader); rotating the file away starts a new chain at seq 1.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AuditLogError } from './audit-error.js';
import { GENESIS_HASH, MAX_AUDIT_RECORD_BYTES, isSealIntact, sha256Hex } from './audit-record.js';

/** Where a chain stands: the seq of its last record (0 when empty) and the SHA-256 of that record's line. */
export interface ChainHead {
  seq: number;
  lastLineHash: string;
}

export const EMPTY_CHAIN: ChainHead = { seq: 0, lastLineHash: GENESIS_HASH };

const TAIL_READ_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

export class AppendOnlyFile {
  private readonly fd: number;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a', 0o600);
  }

  write(text: string): void {
    const bytes = Buffer.from(text, 'utf8');
    let written = 0;
    while (written < bytes.length) written += writeSync(this.fd, bytes, written, bytes.length - written);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/**
 * Reads the end of an existing audit file; a missing or empty file is an empty chain. Reads backwards from the
 * end in steps of TAIL_READ_BYTES, asynchronously, and at most MAX_AUDIT_RECORD_BYTES + 1 bytes, so a file
 * whose last line is huge costs a bounded read and never blocks the event loop.
 */
export async function readChainHead(path: string): Promise<ChainHead> {
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_CHAIN;
    throw new AuditLogError(path, 'cannot be read', { cause: error });
  }
  try {
    const lastLine = await readLastLine(file, path);
    if (lastLine === undefined) return EMPTY_CHAIN;
    if (!isSealIntact(lastLine)) throw new AuditLogError(path, 'its last record is damaged; run `virtfleet audit verify`');
    const { seq } = JSON.parse(lastLine) as { seq?: unknown };
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) {
      throw new AuditLogError(path, 'its last record has no valid seq; run `virtfleet audit verify`');
    }
    if (seq >= Number.MAX_SAFE_INTEGER) {
      throw new AuditLogError(path, `its last record has seq ${seq}, the largest safe integer: the chain cannot go on; move the file away to start a new one`);
    }
    return { seq, lastLineHash: sha256Hex(lastLine) };
  } finally {
    await file.close();
  }
}

/** The last "\n"-terminated line, without its "\n"; undefined for an empty file. */
async function readLastLine(file: FileHandle, path: string): Promise<string | undefined> {
  const size = (await file.stat()).size;
  if (size === 0) return undefined;
  const last = await readRange(file, size - 1, size);
  if (last[0] !== NEWLINE) {
    throw new AuditLogError(path, 'ends with an incomplete record (no final newline); run `virtfleet audit verify`');
  }
  const lineEnd = size - 1;
  const chunks: Buffer[] = [];
  let start = lineEnd;
  while (start > 0) {
    if (lineEnd - start > MAX_AUDIT_RECORD_BYTES) {
      throw new AuditLogError(path, `its last record is longer than ${MAX_AUDIT_RECORD_BYTES} bytes; run \`virtfleet audit verify\``);
    }
    const chunkStart = Math.max(0, start - TAIL_READ_BYTES);
    const chunk = await readRange(file, chunkStart, start);
    const newline = chunk.lastIndexOf(NEWLINE);
    if (newline >= 0) {
      chunks.unshift(chunk.subarray(newline + 1));
      break;
    }
    chunks.unshift(chunk);
    start = chunkStart;
  }
  const line = Buffer.concat(chunks);
  if (line.length > MAX_AUDIT_RECORD_BYTES) {
    throw new AuditLogError(path, `its last record is longer than ${MAX_AUDIT_RECORD_BYTES} bytes; run \`virtfleet audit verify\``);
  }
  return line.toString('utf8');
}

async function readRange(file: FileHandle, from: number, to: number): Promise<Buffer> {
  const buffer = Buffer.alloc(to - from);
  let read = 0;
  while (read < buffer.length) {
    const { bytesRead } = await file.read(buffer, read, buffer.length - read, from + read);
    if (bytesRead === 0) break;
    read += bytesRead;
  }
  return buffer.subarray(0, read);
}
