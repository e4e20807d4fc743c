import { expect } from 'chai';
import { formatEntry, formatHeader, parseManifest, resumeOffset } from '../../../src/transfer/chunk-manifest.js';

const header = { sizeBytes: 10_000, chunkSizeBytes: 4096, sha256: 'a'.repeat(64) };
const digest = (n: number): string => String(n).repeat(64).slice(0, 64);

describe('[REQ-04] chunk manifest', () => {
  const cases: Array<{ name: string; body: string; entries: number }> = [
    { name: 'no entries yet', body: '', entries: 0 },
    { name: 'complete entries, a hole among them', body: formatEntry({ index: 0, digest: digest(1) }) + formatEntry({ index: 1, digest: 'zero' }), entries: 2 },
    { name: 'a torn last line (the host died mid-append)', body: `${formatEntry({ index: 0, digest: digest(1) })}1 abc`, entries: 1 },
    { name: 'a gap stops the prefix', body: formatEntry({ index: 0, digest: digest(1) }) + formatEntry({ index: 2, digest: digest(2) }), entries: 1 },
    { name: 'an index past the last chunk is ignored', body: [0, 1, 2, 3].map((index) => formatEntry({ index, digest: digest(3) })).join(''), entries: 3 },
  ];
  for (const c of cases) {
    it(`keeps the contiguous prefix: ${c.name}`, () => {
      expect(parseManifest(formatHeader(header) + c.body, header)?.entries).to.have.length(c.entries);
    });
  }

  it('refuses a manifest written for another size, chunk size or digest', () => {
    const text = formatHeader(header) + formatEntry({ index: 0, digest: digest(1) });
    expect(parseManifest(text, { ...header, sizeBytes: 10_001 })).to.equal(undefined);
    expect(parseManifest(text, { ...header, chunkSizeBytes: 8192 })).to.equal(undefined);
    expect(parseManifest(text, { ...header, sha256: 'b'.repeat(64) })).to.equal(undefined);
    expect(parseManifest('', header)).to.equal(undefined);
  });

  it('resumes at the first chunk not proven, never past the end', () => {
    expect(resumeOffset(0, header)).to.equal(0);
    expect(resumeOffset(2, header)).to.equal(8192);
    expect(resumeOffset(3, header)).to.equal(10_000);
  });
});
