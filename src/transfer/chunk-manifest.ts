/**
 * [REQ-04] The sidecar manifest beside a `.part` file: a header line naming the image (size, chunk size,
 * digest), then one line per chunk written, `<index> <sha256 hex | zero>`, appended on the host only after
 * the chunk's bytes are in the file. While a chunk is being written, progress lines `<index> @<offset>` say
 * that its bytes from the chunk's start up to that file offset are in the file, so a resume continues inside
 * the chunk (after checking that prefix against the source) instead of re-sending it. Pure functions: format
 * the header, parse what the host holds, and say where a transfer resumes.
 */
const MAGIC = 'virtfleet-manifest/v1';
export const ZERO_CHUNK = 'zero';

export interface ManifestHeader {
  sizeBytes: number;
  chunkSizeBytes: number;
  sha256: string;
}

export interface ManifestEntry {
  index: number;
  /** Chunk SHA-256, or ZERO_CHUNK for an all-zero chunk left as a hole. */
  digest: string;
}

export interface ParsedManifest {
  header: ManifestHeader;
  /** Entries 0..n-1 in order: the contiguous prefix of chunks the host says it holds. */
  entries: ManifestEntry[];
  /** The file offset up to which chunk n (the first without an entry) was written from its start, if any. */
  partialEnd?: number;
}

export function formatHeader(header: ManifestHeader): string {
  return `${MAGIC} size=${header.sizeBytes} chunk=${header.chunkSizeBytes} sha256=${header.sha256}\n`;
}

export function formatEntry(entry: ManifestEntry): string {
  return `${entry.index} ${entry.digest}\n`;
}

/** The progress line of a chunk written from its start up to file offset `end`. */
export function formatPartial(index: number, end: number): string {
  return `${index} @${end}\n`;
}

export function chunkCount(header: Pick<ManifestHeader, 'sizeBytes' | 'chunkSizeBytes'>): number {
  return Math.ceil(header.sizeBytes / header.chunkSizeBytes);
}

/**
 * Parses a manifest read from a host. Undefined when it is missing, malformed or for another image. Entries
 * stop at the first gap, duplicate or torn line (a host may die in the middle of an append); a progress line
 * counts only for the chunk right after the entries, inside that chunk, and the latest one holds (a chunk
 * rewritten from its start after its kept part did not match the source reports smaller offsets).
 */
export function parseManifest(text: string, expected: ManifestHeader): ParsedManifest | undefined {
  const lines = text.split('\n');
  if (lines[0] !== formatHeader(expected).trimEnd()) return undefined;
  const total = chunkCount(expected);
  const entries: ManifestEntry[] = [];
  let partialEnd: number | undefined;
  // The last element follows the final "\n": empty for a complete file, a torn line otherwise; ignore it.
  for (const line of lines.slice(1, -1)) {
    const match = /^(\d+) (?:([0-9a-f]{64}|zero)|@(\d+))$/.exec(line);
    if (!match) break;
    const index = Number(match[1]);
    if (index !== entries.length || index >= total) break;
    if (match[2] !== undefined) {
      entries.push({ index, digest: match[2] });
      partialEnd = undefined;
      continue;
    }
    const end = Number(match[3]);
    const start = index * expected.chunkSizeBytes;
    if (end <= start || end >= Math.min(start + expected.chunkSizeBytes, expected.sizeBytes)) break;
    partialEnd = end;
  }
  return partialEnd === undefined ? { header: expected, entries } : { header: expected, entries, partialEnd };
}

/** The byte offset a transfer resumes from when chunks 0..verifiedChunks-1 are good. */
export function resumeOffset(verifiedChunks: number, header: Pick<ManifestHeader, 'sizeBytes' | 'chunkSizeBytes'>): number {
  return Math.min(verifiedChunks * header.chunkSizeBytes, header.sizeBytes);
}
