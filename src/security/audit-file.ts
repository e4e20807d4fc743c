/**
 * [REQ-05] The audit log's file sink: an append-only file written with one synchronous write per record, so
 * records land in call order, never interleave, and are in the file before the audited code goes on; and
 * `readChainHead`, which finds where an existing file's hash chain ends so that appending continues it.
 * One process writes a given file (the leader); rotating the file away starts a new chain at seq 1.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { AuditLogError } from './audit-error.js';
import { GENESIS_HASH, isSealIntact, sha256Hex } from './audit-record.js';

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

/** Reads the end of an existing audit file; a missing or empty file is an empty chain. */
export function readChainHead(path: string): ChainHead {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_CHAIN;
    throw new AuditLogError(path, 'cannot be read', { cause: error });
  }
  try {
    const lastLine = readLastLine(fd, path);
    if (lastLine === undefined) return EMPTY_CHAIN;
    if (!isSealIntact(lastLine)) throw new AuditLogError(path, 'its last record is damaged; run `virtfleet audit verify`');
    const { seq } = JSON.parse(lastLine) as { seq?: unknown };
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) {
      throw new AuditLogError(path, 'its last record has no valid seq; run `virtfleet audit verify`');
    }
    return { seq, lastLineHash: sha256Hex(lastLine) };
  } finally {
    closeSync(fd);
  }
}

/** The last "\n"-terminated line, without its "\n"; undefined for an empty file. */
function readLastLine(fd: number, path: string): string | undefined {
  const size = fstatSync(fd).size;
  if (size === 0) return undefined;
  let tail = readRange(fd, size - 1, size);
  if (tail[0] !== NEWLINE) {
    throw new AuditLogError(path, 'ends with an incomplete record (no final newline); run `virtfleet audit verify`');
  }
  let start = size - 1;
  let lineStart = -1;
  while (lineStart < 0 && start > 0) {
    const chunkStart = Math.max(0, start - TAIL_READ_BYTES);
    tail = Buffer.concat([readRange(fd, chunkStart, start), tail]);
    start = chunkStart;
    const newlineBeforeLast = tail.lastIndexOf(NEWLINE, tail.length - 2);
    if (newlineBeforeLast >= 0) lineStart = newlineBeforeLast + 1;
  }
  return tail.subarray(Math.max(lineStart, 0), tail.length - 1).toString('utf8');
}

function readRange(fd: number, from: number, to: number): Buffer {
  const buffer = Buffer.alloc(to - from);
  let read = 0;
  while (read < buffer.length) {
    const count = readSync(fd, buffer, read, buffer.length - read, from + read);
    if (count === 0) break;
    read += count;
  }
  return buffer.subarray(0, read);
}
