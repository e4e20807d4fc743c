import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
});
