/**
 * [REQ-05] Reads an audit file as records, line by line, in time linear in its size and memory bounded by the
 * maximum record size: each chunk is scanned once for "\n" from where the last scan stopped, and the bytes of
 * an unfinished line are kept as a list of slices, joined once when its "\n" arrives. A line longer than the
 * limit ends the reading with `oversized` (so `/dev/zero` or 50 MB of `[` cost at most the limit), and bytes
 * after the last "\n" end it with `unterminated`.
 */
import { createReadStream } from 'node:fs';

export type AuditLine =
  | { kind: 'line'; text: string }
  /** A line (or the start of one) longer than the limit; nothing is read after it. */
  | { kind: 'oversized' }
  /** The file ends with bytes that no "\n" terminates. */
  | { kind: 'unterminated' };

const NEWLINE = 0x0a;
const READ_CHUNK_BYTES = 64 * 1024;

/** Rejects (on the first iteration) when the file cannot be read. */
export async function* readAuditLines(path: string, maxLineBytes: number): AsyncGenerator<AuditLine> {
  const stream = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES });
  const pending: Buffer[] = [];
  let pendingBytes = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let lineStart = 0;
      for (let newline = chunk.indexOf(NEWLINE); newline >= 0; newline = chunk.indexOf(NEWLINE, lineStart)) {
        if (pendingBytes + newline - lineStart > maxLineBytes) {
          yield { kind: 'oversized' };
          return;
        }
        pending.push(chunk.subarray(lineStart, newline));
        yield { kind: 'line', text: Buffer.concat(pending).toString('utf8') };
        pending.length = 0;
        pendingBytes = 0;
        lineStart = newline + 1;
      }
      const rest = chunk.subarray(lineStart);
      if (pendingBytes + rest.length > maxLineBytes) {
        yield { kind: 'oversized' };
        return;
      }
      if (rest.length > 0) {
        pending.push(rest);
        pendingBytes += rest.length;
      }
    }
  } finally {
    stream.destroy();
  }
  if (pendingBytes > 0) yield { kind: 'unterminated' };
}
