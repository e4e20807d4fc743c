import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { ChunkHasher } from '../../../src/transfer/chunk-hasher.js';
import { ChunkMemory } from '../../../src/transfer/chunk-memory.js';
import { rechunk, type SourceChunk } from '../../../src/transfer/source-chunks.js';

const sha256 = (...parts: Buffer[]): string => parts.reduce((hash, part) => hash.update(part), createHash('sha256')).digest('hex');

async function* once(buffer: Buffer): AsyncGenerator<Buffer> {
  yield buffer;
}

describe('[REQ-04] chunk hashing in a worker thread', () => {
  it('hashes each data chunk and, from chunk 0, the whole image with holes as zeros and its data chunks in a row', async () => {
    const a = randomBytes(3000);
    const b = randomBytes(3000);
    const c = randomBytes(1234);
    const chunks: SourceChunk[] = [];
    for await (const chunk of rechunk(once(Buffer.concat([a, b, Buffer.alloc(3000), c])), 0, 10_234, 3000, new ChunkMemory())) chunks.push(chunk);
    const hasher = new ChunkHasher(true);
    try {
      const hashed = await Promise.all(chunks.map((chunk) => hasher.hash(chunk)));
      expect(hashed.map((h) => h.digest)).to.deep.equal([sha256(a), sha256(b), 'zero', sha256(c)]);
      expect(hashed.map((h) => h.chunk.data), 'the bytes come back with the result').to.deep.equal([a, b, undefined, c]);
      expect(chunks[0]!.data!.length, 'the buffer moved to the worker, not copied').to.equal(0);
      expect(await hasher.imageDigests()).to.deep.equal({ sha256: sha256(a, b, Buffer.alloc(3000), c), dataSha256: sha256(a, b, c) });
    } finally {
      await hasher.close();
    }
  });

  it('copies a buffer it cannot move (a view into a larger one), and has no whole digest when not asked for one', async () => {
    const data = randomBytes(5000).subarray(10, 4000);
    const hasher = new ChunkHasher(false);
    try {
      const hashed = await hasher.hash({ index: 0, offset: 0, length: data.length, data });
      expect([hashed.digest, hashed.chunk.data?.equals(data), data.length]).to.deep.equal([sha256(data), true, 3990]);
      expect(await hasher.imageDigests()).to.equal(undefined);
    } finally {
      await hasher.close();
    }
  });

  it('gives a dense image one digest for both the whole image and its data (no hole: the same bytes)', async () => {
    const data = randomBytes(4000);
    const hasher = new ChunkHasher(true);
    try {
      await hasher.hash({ index: 0, offset: 0, length: data.length, data: Buffer.from(data) });
      expect(await hasher.imageDigests()).to.deep.equal({ sha256: sha256(data), dataSha256: sha256(data) });
    } finally {
      await hasher.close();
    }
  });
});
