import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { ChunkMemory } from '../../../src/transfer/chunk-memory.js';
import { isAllZero, rechunk, type SourceChunk } from '../../../src/transfer/source-chunks.js';
import { dataChunkRuns, dataExtents } from '../../../src/transfer/host-source.js';

async function* pieces(buffer: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < buffer.length; at += size) yield buffer.subarray(at, at + size);
}

async function collect(iterable: AsyncIterable<SourceChunk>): Promise<SourceChunk[]> {
  const chunks: SourceChunk[] = [];
  for await (const chunk of iterable) chunks.push(chunk);
  return chunks;
}

describe('[REQ-04] source chunking and holes', () => {
  it('cuts any piece sizes into fixed chunks with the right offsets, and all-zero chunks into holes', async () => {
    const data = Buffer.concat([randomBytes(1000), Buffer.alloc(1000), randomBytes(500)]);
    for (const pieceSize of [1, 7, 999, 1000, 4096]) {
      const chunks = await collect(rechunk(pieces(data, pieceSize), 0, data.length, 1000, new ChunkMemory()));
      expect(chunks.map((c) => [c.index, c.offset, c.length, c.data !== undefined])).to.deep.equal([[0, 0, 1000, true], [1, 1000, 1000, false], [2, 2000, 500, true]]);
      expect(Buffer.concat(chunks.map((c) => c.data ?? Buffer.alloc(c.length)))).to.deep.equal(data);
    }
  });

  it('starts at a chunk boundary when resuming and fails when the source ends early', async () => {
    const data = randomBytes(3000);
    const chunks = await collect(rechunk(pieces(data.subarray(2000), 300), 2000, 3000, 1000, new ChunkMemory()));
    expect(chunks.map((c) => c.index)).to.deep.equal([2]);
    let error: Error | undefined;
    await collect(rechunk(pieces(data.subarray(0, 1500), 300), 0, 3000, 1000, new ChunkMemory())).catch((e: Error) => (error = e));
    expect(error?.message).to.equal('the source ended at byte 1500, expected 3000');
  });

  it('reads each chunk into reused memory: a hole chunk\'s buffer and a given-back buffer are taken again', async () => {
    const memory = new ChunkMemory();
    const data = Buffer.concat([Buffer.alloc(1000), randomBytes(1000), randomBytes(1000)]);
    const seen: ArrayBufferLike[] = [];
    for await (const chunk of rechunk(pieces(data, 300), 0, data.length, 1000, memory)) {
      if (!chunk.data) continue;
      seen.push(chunk.data.buffer);
      expect(chunk.data).to.deep.equal(data.subarray(chunk.offset, chunk.offset + chunk.length));
      memory.give(chunk.data);
    }
    expect(seen[0], 'chunk 1 reuses the hole chunk 0\'s buffer, chunk 2 the one given back').to.equal(seen[1]);
    const other = memory.take(1000);
    expect(other.buffer).to.equal(seen[0]);
    expect(memory.take(1000).buffer).to.not.equal(seen[0]);
    expect(other.buffer, 'shared memory, read in place by the hash workers').to.be.an.instanceOf(SharedArrayBuffer);
    memory.give(Buffer.alloc(1000));
    expect(memory.take(1000).buffer, 'a buffer of other memory is not kept').to.be.an.instanceOf(SharedArrayBuffer);
  });

  it('tells zeros from data, including a single non-zero byte at the very end', () => {
    const zeros = Buffer.alloc(3 * 1024 * 1024 + 5);
    expect(isAllZero(zeros)).to.equal(true);
    zeros[zeros.length - 1] = 1;
    expect(isAllZero(zeros)).to.equal(false);
  });

  it('reads the data extents of qemu-img map and the chunk runs that touch them', () => {
    const map = JSON.stringify([
      { start: 0, length: 4096, depth: 0, present: true, zero: false, data: true, offset: 0 },
      { start: 4096, length: 4096, depth: 0, present: true, zero: false, data: true, offset: 4096 },
      { start: 8192, length: 100_000, depth: 0, present: true, zero: true, data: false },
      { start: 108_192, length: 10, depth: 0, present: true, zero: false, data: true, offset: 108_192 },
    ]);
    const extents = dataExtents(map);
    expect(extents).to.deep.equal([{ start: 0, length: 8192 }, { start: 108_192, length: 10 }]);
    expect(dataChunkRuns(extents, 10_000)).to.deep.equal([{ first: 0, end: 1 }, { first: 10, end: 11 }]);
    expect(dataChunkRuns([{ start: 0, length: 15_000 }, { start: 19_000, length: 2000 }], 10_000)).to.deep.equal([{ first: 0, end: 3 }]);
  });
});
