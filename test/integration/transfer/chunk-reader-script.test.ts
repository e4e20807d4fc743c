import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHUNK_READER_PERL, chunkRunLines, consecutiveRuns, HASH_CHUNKS_SCRIPT, READ_CHUNKS_SCRIPT, shArgv } from '../../../src/transfer/remote-scripts.js';

const CHUNK = 3 * 1024 * 1024 + 17;
const sha256 = (...parts: Buffer[]): string => parts.reduce((hash, part) => hash.update(part), createHash('sha256')).digest('hex');

/** Runs a script here (sh, perl, openssl: what every host has) on `file` with the chunk runs of `indices` on stdin. */
async function run(script: string, file: string, indices: number[]): Promise<{ code: number | null; stdout: Buffer; lines: string[] }> {
  const [command, ...rest] = shArgv(script, [file, CHUNK, CHUNK_READER_PERL]);
  const child = spawn(command!, rest, { stdio: ['pipe', 'pipe', 'ignore'] });
  const pieces: Buffer[] = [];
  child.stdout.on('data', (piece: Buffer) => pieces.push(piece));
  child.stdin.end(chunkRunLines(consecutiveRuns(indices)));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  const stdout = Buffer.concat(pieces);
  return { code, stdout, lines: stdout.toString('latin1').trimEnd().split('\n') };
}

describe('[REQ-04] the chunk reader scripts on a host', () => {
  let dir: string;
  let file: string;
  // Four chunks, the last one short (a file's size need not be a multiple of the chunk size).
  const chunks = [randomBytes(CHUNK), Buffer.alloc(CHUNK), randomBytes(CHUNK), randomBytes(1000)];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vf-reader-'));
    file = join(dir, 'f.part');
    await writeFile(file, Buffer.concat(chunks));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('writes chunk runs one after the other, the short last chunk included, and each chunk once', async () => {
    expect(chunkRunLines(consecutiveRuns([0, 2, 3]))).to.equal('0 1\n2 4\n');
    const out = await run(READ_CHUNKS_SCRIPT, file, [0, 2, 3]);
    expect(out.code).to.equal(0);
    expect(out.stdout.equals(Buffer.concat([chunks[0]!, chunks[2]!, chunks[3]!]))).to.equal(true);
  });

  it('hashes each listed chunk on its own, in order', async () => {
    const out = await run(HASH_CHUNKS_SCRIPT, file, [0, 1, 3]);
    expect(out.code).to.equal(0);
    expect(out.lines.map((line) => line.slice(0, 64))).to.deep.equal([sha256(chunks[0]!), sha256(chunks[1]!), sha256(chunks[3]!)]);
  });

  it('fails for a file it cannot open', async () => {
    expect((await run(HASH_CHUNKS_SCRIPT, join(dir, 'missing'), [0])).code).to.not.equal(0);
    expect((await run(READ_CHUNKS_SCRIPT, join(dir, 'missing'), [0])).code).to.not.equal(0);
  });

  it('ends the stream early for runs past the end of the file', async () => {
    const out = await run(READ_CHUNKS_SCRIPT, file, [3, 4, 5]);
    expect(out.stdout.equals(chunks[3]!)).to.equal(true);
  });
});
