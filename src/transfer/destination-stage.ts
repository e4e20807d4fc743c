/**
 * [REQ-04] One destination of a transfer on its host: find what is already there (the final file, or a staged
 * `.part` whose manifest chunks are re-hashed on the host), check free space, stage, take chunks through one
 * long-lived writer process (see chunk-writer.ts), verify, and rename it into place (or convert it with qemu-img, once
 * the space the converted file needs is known to be free), then refresh its libvirt pool when it is a volume. A chunk the host holds only
 * the first part of (its manifest's progress line) is resumed inside: that prefix, hashed on the host, is compared
 * with the same bytes of the source when the chunk comes, and only the rest is sent when they match.
 * Verification, by `openssl dgst -sha256` on the host: a file written whole in one attempt is hashed as it is
 * written (the writer feeds its data bytes to openssl, chunk-writer.ts), so no second read of it is needed. Without
 * holes that digest must be the plan's. With holes it covers the data chunks one after the other, and must equal
 * what the engine computed over the same chunks of the source (whose whole digest, holes as zeros, must be the
 * plan's; chunk-hasher.ts), with `qemu-img map` showing no data outside the data chunks (so every other chunk reads
 * as zeros): the file's bytes are then exactly those of the plan's digest (up to a SHA-256 collision), without
 * hashing gigabytes of holes per destination. A file resumed from an earlier attempt, or anything else, is hashed
 * again whole.
 * Every file written, renamed or removed is one audit record.
 */
import { createHash } from 'node:crypto';
import { runAudited } from '../security/audit-action.js';
import type { AuditSink } from '../security/audit-log.js';
import type { AuditResourceRef } from '../security/audit-record.js';
import { CommandFailedError } from '../errors/command-failed-error.js';
import type { AuditContext } from '../ssh/remote-process.js';
import { chunkCount, formatEntry, formatHeader, formatPartial, parseManifest, resumeOffset, ZERO_CHUNK, type ManifestHeader, type ParsedManifest } from './chunk-manifest.js';
import type { ImageDigests } from './chunk-hasher.js';
import { ChunkWriter } from './chunk-writer.js';
import { CHUNK_READER_PERL, chunkRunLines, COMMIT_SCRIPT, consecutiveRuns, CONVERT_SCRIPT, DIGEST_ARGV, HASH_CHUNKS_SCRIPT, HASH_RANGE_SCRIPT, INFO_ARGV, MAP_ARGV, MEASURE_SCRIPT, PROBE_SCRIPT, REMOVE_ARGV, shArgv, STAGE_SCRIPT } from './remote-scripts.js';
import { dataExtents } from './host-source.js';
import type { SourceChunk } from './source-chunks.js';
import type { ImageFormat, TransferDestination } from './transfer-plan.js';
import { stagingPaths } from './transfer-plan.js';
import { DigestMismatchError, InsufficientStorageError, SourceChangedError } from './transfer-errors.js';

export interface StageContext {
  audit: AuditSink;
  resource?: AuditResourceRef;
  /** Timeout of each short command on the host. */
  commandTimeoutMs: number;
  /** Convert to this format after verification when the staged file's differs. */
  format?: ImageFormat;
}

/** Already in place, or staged: resume from chunk resumeIndex, whose bytes before resumeBytes the host may hold. */
export type Preparation = { present: true } | { present: false; resumeIndex: number; resumeBytes: number };

/** What one write put on the wire and where the host's acknowledged bytes end. */
export interface WriteResult {
  placedBytes: number;
  sentBytes: number;
}

/** The kept first part of chunk `index`, up to file offset `end`, and its SHA-256 as hashed on the host. */
interface KeptPrefix {
  index: number;
  end: number;
  sha256: string;
}

export class DestinationStage {
  private readonly part: string;
  private readonly manifest: string;
  private writer: ChunkWriter | undefined;
  private partBytes = 0;
  /** Manifest entries of this attempt (the kept prefix, then every chunk written), by chunk index. */
  private readonly entries = new Map<number, string>();
  /** This attempt writes every chunk (no prefix kept from an earlier attempt, whose source may have differed). */
  private freshStart = false;
  private prefix: KeptPrefix | undefined;
  private reportedSent = 0;
  private resumedFrom = 0;
  /** What the writer of a fresh start hashed as it wrote: the file's data bytes in order. */
  private writtenSha256: string | undefined;

  constructor(
    readonly destination: TransferDestination,
    private readonly header: ManifestHeader,
    private readonly context: StageContext,
  ) {
    ({ part: this.part, manifest: this.manifest } = stagingPaths(destination.path));
  }

  get host(): string {
    return this.destination.host.name;
  }

  /** The directory of the destination file (and of its staged file). */
  private get directory(): string {
    return this.destination.path.replace(/\/[^/]*$/, '') || '/';
  }

  private get auditContext(): AuditContext {
    return this.context.resource ? { resource: this.context.resource } : {};
  }

  /**
   * Says whether the image is already in place; otherwise stages `.part` (keeping the verified prefix of an
   * earlier attempt) and returns the chunk to resume from. `neededBytes(resumeIndex)` is the space still needed.
   */
  async prepare(neededBytes: (resumeIndex: number) => number, signal: AbortSignal): Promise<Preparation> {
    const directory = this.directory;
    const probe = await this.run(shArgv(PROBE_SCRIPT, [this.destination.path, this.part, this.manifest, directory]), signal);
    const [head, manifestText = ''] = splitOnce(probe, 'manifest\n');
    if (/^final$/m.test(head) && (this.destination.cache || (await this.digestOf(this.destination.path, signal)) === this.header.sha256)) {
      await this.refreshPool();
      return { present: true };
    }
    const parsed = parseManifest(manifestText, this.header);
    const verified = parsed ? await this.verifiedPrefix(parsed, signal) : { chunks: 0 };
    const resumeIndex = verified.chunks;
    const free = parseFree(head);
    const needed = neededBytes(resumeIndex);
    if (free !== undefined && free < needed) throw new InsufficientStorageError(this.host, directory, free, needed);
    const kept = (parsed?.entries ?? []).slice(0, resumeIndex);
    const keep = verified.prefix?.end ?? resumeOffset(resumeIndex, this.header);
    const keptText = kept.map(formatEntry).join('') + (verified.prefix ? formatPartial(verified.prefix.index, verified.prefix.end) : '');
    await this.fileAction('file.write', { path: this.part, sizeBytes: this.header.sizeBytes, keptBytes: keep }, () =>
      this.run(shArgv(STAGE_SCRIPT, [this.part, this.manifest, this.header.sizeBytes, keep]), signal, formatHeader(this.header) + keptText));
    this.partBytes = keep;
    this.resumedFrom = keep;
    this.entries.clear();
    this.freshStart = keep === 0;
    this.prefix = verified.prefix;
    for (const entry of kept) this.entries.set(entry.index, entry.digest);
    return { present: false, resumeIndex, resumeBytes: keep };
  }

  /**
   * Where this attempt resumed: the end of the bytes kept on the host, or the start of the chunk whose kept first
   * part proved unlike the source (that chunk is sent again whole).
   */
  get resumedFromBytes(): number {
    return this.resumedFrom;
  }

  /** Starts the writer for this attempt. */
  async open(signal: AbortSignal, onActivity: () => void): Promise<void> {
    this.reportedSent = 0;
    this.writtenSha256 = undefined;
    this.writer = await ChunkWriter.start(this.destination.host, this.part, this.manifest, this.header.chunkSizeBytes, this.freshStart, this.auditContext, signal, onActivity);
  }

  /**
   * Sends one chunk (nothing but its manifest line for a hole; only its tail when the host holds a matching first
   * part); resolves with what went over the wire and the offset the host has acknowledged as in the file.
   */
  async write(chunk: SourceChunk, digest: string): Promise<WriteResult> {
    if (!this.writer) throw new Error('DestinationStage.write before open');
    const [piece, pieceDigest] = this.resumedPiece(chunk, digest);
    this.entries.set(chunk.index, piece.data ? pieceDigest : ZERO_CHUNK);
    this.partBytes = Math.max(this.partBytes, await this.writer.write(piece, pieceDigest));
    return { placedBytes: this.partBytes, sentBytes: this.takeSentBytes() };
  }

  /**
   * The part of the chunk to send: its tail when the kept prefix hashes to the same bytes of the source; the whole
   * chunk otherwise, and a hole as written zeros (the host's bytes there must be overwritten).
   */
  private resumedPiece(chunk: SourceChunk, digest: string): [SourceChunk, string] {
    const prefix = this.prefix;
    if (prefix?.index !== chunk.index) return [chunk, digest];
    this.prefix = undefined;
    const keptLength = prefix.end - chunk.offset;
    if (!chunk.data) {
      this.resumedFrom = chunk.offset;
      const zeros = Buffer.alloc(chunk.length);
      return [{ ...chunk, data: zeros }, sha256(zeros)];
    }
    if (sha256(chunk.data.subarray(0, keptLength)) !== prefix.sha256) {
      this.resumedFrom = chunk.offset;
      return [chunk, digest];
    }
    return [{ index: chunk.index, offset: prefix.end, length: chunk.length - keptLength, data: chunk.data.subarray(keptLength) }, digest];
  }

  /**
   * Ends the writer (its bytes audited as one write), verifies the file (see the header) and renames it into place.
   * `source`: the digests of the whole source as the engine hashed it in this attempt, when it read from byte 0.
   */
  async finish(signal: AbortSignal, source?: ImageDigests): Promise<void> {
    await this.closeWriter();
    if (source !== undefined && source.sha256 !== this.header.sha256) {
      await this.discard(signal);
      throw new DigestMismatchError(this.host, this.header.sha256, source.sha256);
    }
    if (!(await this.verifiedAsWritten(source, signal))) {
      const actual = await this.digestOf(this.part, signal);
      if (actual !== this.header.sha256) {
        await this.discard(signal);
        throw new DigestMismatchError(this.host, this.header.sha256, actual);
      }
    }
    const from = this.context.format ? await this.probeFormat(signal) : undefined;
    if (from !== undefined && from !== this.context.format) {
      await this.checkConvertSpace(from, this.context.format!, signal);
      await this.fileAction('file.write', { path: this.destination.path, convertedFrom: this.part, sourceFormat: from, format: this.context.format }, () =>
        this.run(shArgv(CONVERT_SCRIPT, [from, this.context.format!, this.part, this.destination.path, this.manifest]), signal, undefined, 0));
    } else {
      await this.fileAction('file.rename', { from: this.part, to: this.destination.path }, () =>
        this.run(shArgv(COMMIT_SCRIPT, [this.part, this.destination.path, this.manifest]), signal));
    }
    await this.refreshPool();
  }

  /** A file in a storage pool: the pool is rescanned (one audited libvirt call) so that it lists the volume. */
  private async refreshPool(): Promise<void> {
    const pool = this.destination.pool;
    if (pool === undefined) return;
    await pool.storage.refreshPool(await pool.storage.lookupPoolByName(pool.name));
  }

  /** The staged file's format: raw or qcow2 without a backing or external data file (which would read host files). */
  private async probeFormat(signal: AbortSignal): Promise<ImageFormat> {
    const info = JSON.parse(await this.run(INFO_ARGV(this.part), signal)) as { format?: string; 'backing-filename'?: string; 'format-specific'?: { data?: { 'data-file'?: string } } };
    const refuse = async (detail: string): Promise<never> => {
      await this.discard(signal);
      throw new SourceChangedError(`${this.host}:${this.part}`, detail);
    };
    if (info.format !== 'raw' && info.format !== 'qcow2') return refuse(`the image is ${info.format ?? 'of no known format'}; only raw and qcow2 are converted`);
    if (info['backing-filename'] || info['format-specific']?.data?.['data-file']) return refuse('the qcow2 image names a backing or data file; it is not converted');
    return info.format;
  }

  /**
   * The converted file is written beside the staged one: short of the space it needs, the staged file is removed
   * (it would only hold the full disk) and the destination fails with InsufficientStorage. qemu-img writes a raw
   * file sparse (zeros skipped), so for raw the estimate is the data of the image (qemu-img's measure for qcow2,
   * which is its allocated data plus a little metadata) rather than its virtual size.
   */
  private async checkConvertSpace(from: ImageFormat, to: ImageFormat, signal: AbortSignal): Promise<void> {
    const directory = this.directory;
    const output = await this.run(shArgv(MEASURE_SCRIPT, [from, to === 'raw' ? 'qcow2' : to, this.part, directory]), signal, undefined, 0);
    const [freeLine, measure = '{}'] = splitOnce(output, '\n');
    const free = parseFree(freeLine);
    const needed = Number((JSON.parse(measure) as { required?: number }).required);
    if (free !== undefined && Number.isFinite(needed) && free < needed) {
      await this.discard(signal);
      throw new InsufficientStorageError(this.host, directory, free, needed);
    }
  }

  /** Ends this attempt's writer after the last whole chunk; the staged file and manifest stay for a resume. */
  async closeWriter(): Promise<void> {
    const writer = this.writer;
    this.writer = undefined;
    if (!writer) return;
    this.writtenSha256 = await this.fileAction('file.write', { path: this.part, bytesSent: writer.bytesSent }, () => writer.close());
  }

  /** Stops a writer at once (a stall or a cancel): the chunk in flight is lost, the manifest stays right. */
  abortWriter(): void {
    this.writer?.abort();
    this.writer = undefined;
  }

  /**
   * Data bytes handed to this attempt's writer since the last call: what went over the wire, including the part of
   * a chunk that a cut or a stall interrupted (call it before abortWriter).
   */
  takeSentBytes(): number {
    const total = this.writer?.bytesSent ?? this.reportedSent;
    const sent = total - this.reportedSent;
    this.reportedSent = total;
    return sent;
  }

  /** Removes the staged file and its manifest. */
  async discard(signal: AbortSignal): Promise<void> {
    await this.fileAction('file.remove', { paths: [this.part, this.manifest] }, () => this.run(REMOVE_ARGV([this.part, this.manifest]), signal));
  }

  /**
   * How many leading manifest chunks still hash to what the manifest says (holes are trusted: never written), and,
   * when all do, the first part of the next chunk that its progress line names, with its SHA-256 on the host.
   */
  private async verifiedPrefix(parsed: ParsedManifest, signal: AbortSignal): Promise<{ chunks: number; prefix?: KeptPrefix }> {
    const { entries, partialEnd } = parsed;
    const data = entries.filter((entry) => entry.digest !== ZERO_CHUNK);
    const start = entries.length * this.header.chunkSizeBytes;
    const [output, prefixOutput] = await Promise.all([
      data.length === 0 ? '' : this.run(shArgv(HASH_CHUNKS_SCRIPT, [this.part, this.header.chunkSizeBytes, CHUNK_READER_PERL]), signal, chunkRunLines(consecutiveRuns(data.map((e) => e.index))), 0),
      partialEnd === undefined ? undefined : this.run(shArgv(HASH_RANGE_SCRIPT, [this.part, start, partialEnd - start]), signal, undefined, 0),
    ]);
    const hashes = output.split('\n').map((line) => line.slice(0, 64));
    const bad = data.findIndex((entry, at) => hashes[at] !== entry.digest);
    if (bad >= 0) return { chunks: data[bad]!.index };
    if (partialEnd === undefined || prefixOutput === undefined) return { chunks: entries.length };
    return { chunks: entries.length, prefix: { index: entries.length, end: partialEnd, sha256: prefixOutput.slice(0, 64) } };
  }

  /**
   * True when the file was written whole in this attempt and what its writer hashed as it wrote proves it right:
   * without holes, that is the whole file, so it must be the plan's digest; with holes, it is the data chunks one
   * after the other, so it must be what the engine hashed over the same chunks of the source (`source.dataSha256`),
   * and the host must map no data in a hole chunk (so each reads as zeros). Anything else is verified by reading the
   * file again.
   */
  private async verifiedAsWritten(source: ImageDigests | undefined, signal: AbortSignal): Promise<boolean> {
    const total = chunkCount(this.header);
    if (!this.freshStart || this.writtenSha256 === undefined || this.entries.size !== total) return false;
    const hole = new Set([...this.entries].filter(([, digest]) => digest === ZERO_CHUNK).map(([index]) => index));
    if (hole.size === 0) return this.writtenSha256 === this.header.sha256;
    if (source === undefined || this.writtenSha256 !== source.dataSha256) return false;
    const size = this.header.chunkSizeBytes;
    return dataExtents(await this.run(MAP_ARGV(this.part), signal, undefined, 0)).every((extent) => {
      for (let index = Math.floor(extent.start / size); index * size < extent.start + extent.length; index++) {
        if (hole.has(index)) return false;
      }
      return true;
    });
  }

  private async digestOf(path: string, signal: AbortSignal): Promise<string> {
    const output = await this.run(DIGEST_ARGV(path), signal, undefined, 0);
    return /^([0-9a-f]{64})/.exec(output)?.[1] ?? '';
  }

  private fileAction<T>(action: string, args: Record<string, unknown>, fn: () => Promise<T>): Promise<T> {
    return runAudited(this.context.audit, { ...this.auditContext, host: this.host, action, arguments: args }, fn);
  }

  /** Runs argv on the host and returns stdout; a non-zero exit throws (retryable: the host may recover). */
  private async run(argv: string[], signal: AbortSignal, stdin?: string, timeoutMs = this.context.commandTimeoutMs): Promise<string> {
    const result = await this.destination.host.session.exec(argv, { signal, timeoutMs, audit: this.auditContext, ...(stdin === undefined ? {} : { stdin }) });
    if (result.code !== 0) throw new CommandFailedError(this.host, argv[0] === 'sh' ? 'sh -c <transfer script>' : argv.join(' '), result.code, result.stderr, { retryable: true });
    return result.stdout;
  }
}

function splitOnce(text: string, separator: string): [string, string?] {
  const at = text.indexOf(separator);
  return at < 0 ? [text] : [text.slice(0, at), text.slice(at + separator.length)];
}

/** The bytes of a `free <bytes>` line in a script's output, if there is one. */
function parseFree(text: string): number | undefined {
  const free = Number(/^free (\d+)$/m.exec(text)?.[1]);
  return Number.isFinite(free) ? free : undefined;
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
