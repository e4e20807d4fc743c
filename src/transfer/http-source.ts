/**
 * [REQ-04] An HTTP(S) URL as a transfer source, read once by the operator and fanned out to the hosts. TLS is
 * verified (Node's defaults: the system CAs, hostname checked); headers from the plan (e.g. a token from
 * headersSecretRef) go on every request and are never logged. A resume past byte 0 asks for a Range; a server
 * that ignores Range is read from the start and the bytes before the offset are discarded.
 */
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { ChunkMemory } from './chunk-memory.js';
import { rechunk, type OpenedSource, type SourceChunk, type SourceStats } from './source-chunks.js';
import { SourceChangedError, SourceForbiddenError, SourceNotFoundError, SourceUnavailableError } from './transfer-errors.js';

export interface HttpSourceOptions {
  url: string;
  headers?: Readonly<Record<string, string>>;
  /** Shown in errors instead of the URL (which may carry a token). */
  label: string;
}

export async function openHttpSource(options: HttpSourceOptions, signal: AbortSignal): Promise<OpenedSource> {
  const head = await request(options, 'HEAD', undefined, signal);
  head.resume();
  const sizeBytes = Number(head.headers['content-length']);
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes < 0) {
    throw new SourceChangedError(options.label, 'the server sends no Content-Length, so the size and free space cannot be checked');
  }
  const stats: SourceStats = { bytesRead: 0, rangedReads: 0 };
  return {
    sizeBytes,
    stats,
    chunks: (fromIndex, chunkSizeBytes, memory, chunkSignal) => readFrom(options, sizeBytes, fromIndex * chunkSizeBytes, chunkSizeBytes, memory, stats, chunkSignal),
  };
}

async function* readFrom(
  options: HttpSourceOptions,
  sizeBytes: number,
  offset: number,
  chunkSizeBytes: number,
  memory: ChunkMemory,
  stats: SourceStats,
  signal: AbortSignal,
): AsyncGenerator<SourceChunk> {
  if (offset >= sizeBytes) return;
  const response = await request(options, 'GET', offset > 0 ? `bytes=${offset}-` : undefined, signal);
  const ranged = response.statusCode === 206;
  if (ranged) {
    const range = /^bytes (\d+)-\d+\/(\d+)$/.exec(String(response.headers['content-range']));
    if (Number(range?.[1]) !== offset || Number(range?.[2]) !== sizeBytes) {
      response.destroy();
      throw new SourceChangedError(options.label, `Content-Range "${response.headers['content-range']}" does not match offset ${offset} of ${sizeBytes} bytes`);
    }
    stats.rangedReads += 1;
  }
  const body = counted(response, stats, options.label);
  try {
    yield* rechunk(ranged ? body : skipBytes(body, offset), offset, sizeBytes, chunkSizeBytes, memory);
  } finally {
    response.destroy();
  }
}

async function* counted(response: IncomingMessage, stats: SourceStats, label: string): AsyncGenerator<Buffer> {
  try {
    for await (const piece of response as AsyncIterable<Buffer>) {
      stats.bytesRead += piece.length;
      yield piece;
    }
  } catch (error) {
    throw new SourceUnavailableError(label, `the response broke off: ${(error as Error).message}`, { cause: error });
  }
  if (!response.complete) throw new SourceUnavailableError(label, 'the response broke off');
}

async function* skipBytes(pieces: AsyncIterable<Buffer>, count: number): AsyncGenerator<Buffer> {
  let left = count;
  for await (const piece of pieces) {
    if (left >= piece.length) {
      left -= piece.length;
      continue;
    }
    yield left > 0 ? piece.subarray(left) : piece;
    left = 0;
  }
}

function request(options: HttpSourceOptions, method: 'HEAD' | 'GET', range: string | undefined, signal: AbortSignal): Promise<IncomingMessage> {
  const client = new URL(options.url).protocol === 'https:' ? https : http;
  const headers = { ...options.headers, ...(range ? { range } : {}) };
  return new Promise((resolve, reject) => {
    const req = client.request(options.url, { method, headers, signal }, (response) => {
      const status = response.statusCode ?? 0;
      if ((status === 200 && !range) || (status === 206 && range) || (status === 200 && range)) {
        resolve(response);
        return;
      }
      response.resume();
      const detail = `${method} answered ${status} ${response.statusMessage ?? ''}`.trim();
      if (status === 404 || status === 410) reject(new SourceNotFoundError(options.label, detail));
      else if (status === 401 || status === 403) reject(new SourceForbiddenError(options.label, detail));
      else if (status >= 300 && status < 400) reject(new SourceChangedError(options.label, `${detail}; redirects are not followed`));
      else reject(new SourceUnavailableError(options.label, detail));
    });
    req.on('error', (error) => reject(signal.aborted ? signal.reason : new SourceUnavailableError(options.label, error.message, { cause: error })));
    req.end();
  });
}
