import { expect } from 'chai';
import { MESSAGE_MAX_CHARS, truncateMessage } from '../../../src/errors/truncate-message.js';

describe('[REQ-01] truncating messages that a peer can make arbitrarily long', () => {
  it('returns text that fits unchanged', () => {
    expect(truncateMessage('domain not found')).to.equal('domain not found');
    const exact = 'x'.repeat(MESSAGE_MAX_CHARS);
    expect(truncateMessage(exact)).to.equal(exact);
  });

  it('keeps the start of a 1 MiB message, marks the cut and fits the bound', () => {
    const huge = `internal error: ${'A'.repeat(1024 * 1024)}`;
    const cut = truncateMessage(huge);
    expect(cut.length).to.be.at.most(MESSAGE_MAX_CHARS);
    expect(cut.startsWith('internal error: AAAA')).to.equal(true);
    expect(cut).to.match(/…\[truncated 1048592 characters to 4096\]$/);
  });

  it('honours a smaller bound and never splits a surrogate pair', () => {
    const text = `a${'😀'.repeat(60)}`;
    for (let max = 50; max <= 60; max += 1) {
      const cut = truncateMessage(text, max);
      expect(cut.length, `max ${max}`).to.be.at.most(max);
      expect(cut.replace(/[\ud800-\udbff][\udc00-\udfff]/g, '')).to.not.match(/[\ud800-\udfff]/);
    }
  });
});
