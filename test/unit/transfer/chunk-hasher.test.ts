import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { ChunkHasher } from '../../../src/transfer/chunk-hasher.js';
import { rechunk, type SourceChunk } from '../../../src/transfer/source-chunks.js';

const sha256 = (...parts: Buffer[]): string => parts.reduce((hash, part) => hash.update(part), createHash('sha256')).digest('hex');

async function* once(buffer: Buffer): AsyncGenerator<Buffer> {
  yield buffer;
}

describe('[REQ-04] chunk hashing in a worker thread', () => {
  it('hashes each data chunk and, from chunk 0, the whole image with holes as zeros and its data chunks in a row', async () => {
    const a = randomBytes(3000);
    const c = randomBytes(1234);
    const chunks: SourceChunk[] = [];
    for await (const chunk of rechunk(once(Buffer.concat([a, Buffer.alloc(3000), c])), 0, 7234, 3000)) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.data?.buffer instanceof SharedArrayBuffer)).to.deep.equal([true, false, true]);
    const hasher = new ChunkHasher(true);
    try {
      const digests = await Promise.all(chunks.map((chunk) => hasher.digest(chunk)));
      expect(digests).to.deep.equal([sha256(a), 'zero', sha256(c)]);
      expect(await hasher.imageDigests()).to.deep.equal({ sha256: sha256(a, Buffer.alloc(3000), c), dataSha256: sha256(a, c) });
    } finally {
      await hasher.close();
    }
  });

  it('hashes chunks in ordinary memory too, and has no whole digest when not asked for one', async () => {
    const data = randomBytes(5000);
    const hasher = new ChunkHasher(false);
    try {
      expect(await hasher.digest({ index: 0, offset: 0, length: data.length, data })).to.equal(sha256(data));
      expect(await hasher.imageDigests()).to.equal(undefined);
    } finally {
      await hasher.close();
    }
  });
});
