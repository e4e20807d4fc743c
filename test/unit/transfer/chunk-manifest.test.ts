import { expect } from 'chai';
import { formatEntry, formatHeader, formatPartial, parseManifest, resumeOffset } from '../../../src/transfer/chunk-manifest.js';

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

  const partials: Array<{ name: string; body: string; entries: number; partialEnd?: number }> = [
    { name: 'progress inside the chunk after the entries', body: formatEntry({ index: 0, digest: digest(1) }) + formatPartial(1, 5000) + formatPartial(1, 6000), entries: 1, partialEnd: 6000 },
    { name: 'the latest progress line holds (a chunk rewritten from its start)', body: formatPartial(0, 3000) + formatPartial(0, 1000), entries: 0, partialEnd: 1000 },
    { name: 'a complete entry supersedes its progress', body: formatPartial(0, 1000) + formatEntry({ index: 0, digest: digest(1) }), entries: 1 },
    { name: 'progress of another chunk stops the prefix', body: formatEntry({ index: 0, digest: digest(1) }) + formatPartial(2, 9000), entries: 1 },
    { name: 'progress at or past the chunk end is refused', body: formatPartial(0, 4096) + formatEntry({ index: 0, digest: digest(1) }), entries: 0 },
    { name: 'progress at the chunk start is refused', body: formatEntry({ index: 0, digest: digest(1) }) + formatPartial(1, 4096), entries: 1 },
    { name: 'progress past the end of a short last chunk is refused', body: [0, 1].map((index) => formatEntry({ index, digest: digest(2) })).join('') + formatPartial(2, 10_000), entries: 2 },
  ];
  for (const c of partials) {
    it(`reads progress lines: ${c.name}`, () => {
      const parsed = parseManifest(formatHeader(header) + c.body, header);
      expect([parsed?.entries.length, parsed?.partialEnd]).to.deep.equal([c.entries, c.partialEnd]);
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
