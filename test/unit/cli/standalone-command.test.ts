import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { defaultDataDir } from '../../../src/cli/standalone-command.js';
import { virtfleet } from '../../support/run-virtfleet.js';

describe('[REQ-01] virtfleet standalone: options and start-up failures', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'virtfleet-standalone-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps its data in /var/lib/virtfleet for root and under ~/.local/share for anyone else', () => {
    expect(defaultDataDir(0, '/root')).to.equal('/var/lib/virtfleet');
    expect(defaultDataDir(1000, '/home/ada')).to.equal('/home/ada/.local/share/virtfleet');
  });

  it('exits 2 with the configuration problem before creating anything', async () => {
    writeFileSync(join(dir, 'controller_config.yaml'), 'logLevl: info\n');
    const { code, err } = await virtfleet('standalone', '--config-dir', dir, '--data-dir', join(dir, 'data'));
    expect(code).to.equal(2);
    expect(err).to.contain('logLevl');
  });

  it('exits 1 naming --port when it is not a port number', async () => {
    const { code, err } = await virtfleet('standalone', '--config-dir', dir, '--data-dir', join(dir, 'data'), '--port', 'http');
    expect(code).to.equal(1);
    expect(err).to.contain('--port: expected a port number 0-65535, got "http"');
  });

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
