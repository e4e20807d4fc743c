import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHORT_CHUNK_EXIT, shArgv, WRITE_SCRIPT, WRITER_PERL } from '../../../src/transfer/remote-scripts.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** Runs the chunk writer script here (sh, flock, perl, openssl: what every host has) on `stream`. */
async function write(dir: string, size: number, stream: Buffer, step = 64 * KIB, hash = false): Promise<{ code: number | null; stdout: string[]; manifest: string[]; file: Buffer }> {
  const part = join(dir, 'f.part');
  const manifest = join(dir, 'f.part.manifest');
  await writeFile(part, Buffer.alloc(0));
  await writeFile(manifest, '');
  const [command, ...args] = shArgv(WRITE_SCRIPT, [part, manifest, WRITER_PERL, step, hash ? 1 : 0]);
  const child = spawn(command!, args, { stdio: ['pipe', 'pipe', 'ignore'] });
  let stdout = '';
  child.stdout.on('data', (piece: Buffer) => (stdout += piece.toString()));
  child.stdin.end(stream);
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  const file = Buffer.alloc(size);
  (await readFile(part)).copy(file);
  return { code, stdout: stdout.trimEnd().split('\n'), manifest: (await readFile(manifest, 'utf8')).trimEnd().split('\n'), file };
}

const frame = (index: number, offset: number, data: Buffer | undefined): Buffer =>
  Buffer.concat([Buffer.from(`${index} ${offset} ${data?.length ?? 0} ${data ? sha256(data) : 'zero'}\n`), data ?? Buffer.alloc(0)]);

describe('[REQ-04] the chunk writer script on a host', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vf-writer-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes chunks at their offsets, acknowledges and records progress inside each chunk every step, then the whole chunk', async () => {
    // Chunks larger than the writer's 1 MiB read, so progress inside them is noted whatever the pipe delivers at once.
    const a = randomBytes(3 * MIB);
    const b = randomBytes(1.5 * MIB);
    const step = 256 * KIB;
    const out = await write(dir, 4.5 * MIB, Buffer.concat([frame(0, 0, a), frame(1, 3 * MIB, b)]), step);
    expect(out.code).to.equal(0);
    expect(out.file).to.deep.equal(Buffer.concat([a, b]));
    expect(out.stdout.filter((line) => !line.includes(' '))).to.deep.equal(['0', '1']);
    const progress = out.stdout.filter((line) => /^\d+ \d+$/.test(line)).map((line) => line.split(' ').map(Number) as [number, number]);
    expect(progress.filter(([index]) => index === 0).length, JSON.stringify(out.stdout)).to.be.at.least(2);
    for (const [at, [index, end]] of progress.entries()) {
      const previous = progress[at - 1]?.[0] === index ? progress[at - 1]![1] : index * 3 * MIB;
      expect(end - previous, 'at least one step apart').to.be.at.least(step);
      expect(end).to.be.below(index === 0 ? 3 * MIB : 4.5 * MIB);
    }
    expect(out.manifest.filter((line) => !line.includes('@'))).to.deep.equal([`0 ${sha256(a)}`, `1 ${sha256(b)}`]);
    expect(out.manifest.filter((line) => line.includes('@'))).to.deep.equal(progress.map(([index, end]) => `${index} @${end}`));
  });

  it('leaves a hole chunk unwritten and records it as zero', async () => {
    const a = randomBytes(100 * KIB);
    const out = await write(dir, 300 * KIB, Buffer.concat([frame(0, 0, a), frame(1, 100 * KIB, undefined), frame(2, 200 * KIB, a)]));
    expect(out.code).to.equal(0);
    expect(out.stdout, 'no digest unless asked').to.deep.equal(['0', '1', '2']);
    expect(out.manifest).to.deep.equal([`0 ${sha256(a)}`, '1 zero', `2 ${sha256(a)}`]);
    expect(out.file).to.deep.equal(Buffer.concat([a, Buffer.alloc(100 * KIB), a]));
  });

  it('hashes the data bytes as it writes them when asked, and prints their SHA-256 after the last acknowledgement', async () => {
    const a = randomBytes(1.5 * MIB);
    const b = randomBytes(700 * KIB);
    const out = await write(dir, 1.5 * MIB + 100 * KIB + 700 * KIB, Buffer.concat([frame(0, 0, a), frame(1, 1.5 * MIB, undefined), frame(2, 1.5 * MIB + 100 * KIB, b)]), 256 * KIB, true);
    expect(out.code).to.equal(0);
    expect(out.file).to.deep.equal(Buffer.concat([a, Buffer.alloc(100 * KIB), b]));
    expect(out.stdout.filter((line) => !/^\d+ \d+$/.test(line)), 'the holes are not in the digest').to.deep.equal(['0', '1', '2', `sha256 ${createHash('sha256').update(a).update(b).digest('hex')}`]);
  });

  it('stops with the short-chunk status when the stream ends inside a chunk, its progress line naming what is in the file', async () => {
    const a = randomBytes(3 * MIB);
    const out = await write(dir, 3 * MIB, frame(0, 0, a).subarray(0, 2.5 * MIB), 256 * KIB);
    expect(out.code).to.equal(SHORT_CHUNK_EXIT);
    const end = Number(/^0 @(\d+)$/.exec(out.manifest.at(-1) ?? '')?.[1]);
    expect(end).to.be.within(256 * KIB, 2.5 * MIB);
    expect(out.file.subarray(0, end)).to.deep.equal(a.subarray(0, end));
  });
});
