import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { virtfleet } from '../../support/run-virtfleet.js';

// In the integration suite, not the unit one: it gets as far as generating the data directory's CA and serving
// certificate (seconds of RSA key generation) before the database is refused.
describe('[REQ-01] virtfleet standalone: a database file that is not virtfleet\'s', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'virtfleet-standalone-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 1 naming the database file when it is not virtfleet\'s, and leaves it as it was', async () => {
    const data = join(dir, 'data');
    mkdirSync(data, { mode: 0o700 });
    writeFileSync(join(data, 'state.db'), 'my notes\n');
    const { code, err } = await virtfleet('standalone', '--config-dir', dir, '--data-dir', data, '--port', '0');
    expect(code).to.equal(1);
    expect(err).to.contain(`refusing to use ${join(data, 'state.db')} as the API server's database`);
    expect(readFileSync(join(data, 'state.db'), 'utf8')).to.equal('my notes\n');
  });
});
