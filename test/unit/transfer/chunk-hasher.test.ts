import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { ChunkHasher, ImageHasher } from '../../../src/transfer/chunk-hasher.js';
import { ChunkMemory } from '../../../src/transfer/chunk-memory.js';
import { rechunk, type SourceChunk } from '../../../src/transfer/source-chunks.js';

const sha256 = (...parts: Buffer[]): string => parts.reduce((hash, part) => hash.update(part), createHash('sha256')).digest('hex');

async function* once(buffer: Buffer): AsyncGenerator<Buffer> {
  yield buffer;
}

describe('[REQ-04] chunk and image hashing in worker threads', () => {
  it('hashes each data chunk on its own, reading its shared memory in place (no copy, nothing moved)', async () => {
    const a = randomBytes(3000);
    const b = randomBytes(3000);
    const c = randomBytes(1234);
    const chunks: SourceChunk[] = [];
    for await (const chunk of rechunk(once(Buffer.concat([a, b, Buffer.alloc(3000), c])), 0, 10_234, 3000, new ChunkMemory())) chunks.push(chunk);
    const hasher = new ChunkHasher();
    try {
      const hashed = await Promise.all(chunks.map((chunk) => hasher.hash(chunk)));
      expect(hashed.map((h) => h.digest)).to.deep.equal([sha256(a), sha256(b), 'zero', sha256(c)]);
      expect(hashed.map((h) => h.chunk), 'the same chunks come back').to.deep.equal(chunks);
      expect(chunks.map((chunk) => chunk.data), 'the bytes stay where they were').to.deep.equal([a, b, undefined, c]);
      expect(chunks[0]!.data!.buffer).to.be.an.instanceOf(SharedArrayBuffer);
    } finally {
      await hasher.close();
    }
  });

  it('copies a buffer that is not shared memory (a view into a larger one), and leaves it as it was', async () => {
    const data = randomBytes(5000).subarray(10, 4000);
    const hasher = new ChunkHasher();
    try {
      const hashed = await hasher.hash({ index: 0, offset: 0, length: data.length, data });
      expect([hashed.digest, hashed.chunk.data === data, data.length]).to.deep.equal([sha256(data), true, 3990]);
    } finally {
      await hasher.close();
    }
  });

  it('hashes the whole image with holes as zeros, and its data chunks in a row, from shared and from other memory', async () => {
    const a = randomBytes(3000);
    const b = randomBytes(3000);
    const c = randomBytes(1234);
    const memory = new ChunkMemory();
    const inShared = (bytes: Buffer): Buffer => {
      const buffer = memory.take(bytes.length);
      bytes.copy(buffer);
      return buffer;
    };
    const image = new ImageHasher();
    try {
      const kept = Buffer.from(b);
      await Promise.all([
        image.add({ index: 0, offset: 0, length: 3000, data: inShared(a) }),
        image.add({ index: 1, offset: 3000, length: 3000, data: kept }),
        image.add({ index: 2, offset: 6000, length: 3000 }),
        image.add({ index: 3, offset: 9000, length: 1234, data: inShared(c) }),
      ]);
      expect(kept, 'a buffer that is not shared is copied, and stays').to.deep.equal(b);
      expect(await image.digests()).to.deep.equal({ sha256: sha256(a, b, Buffer.alloc(3000), c), dataSha256: sha256(a, b, c) });
    } finally {
      await image.close();
    }
  });

  it('gives a dense image one digest for both the whole image and its data (no hole: the same bytes)', async () => {
    const data = randomBytes(4000);
    const image = new ImageHasher();
    try {
      await image.add({ index: 0, offset: 0, length: data.length, data: Buffer.from(data) });
      expect(await image.digests()).to.deep.equal({ sha256: sha256(data), dataSha256: sha256(data) });
    } finally {
      await image.close();
    }
  });
});
