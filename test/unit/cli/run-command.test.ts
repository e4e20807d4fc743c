import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { virtfleet } from '../../support/run-virtfleet.js';

describe('[REQ-01] virtfleet run: start-up failures', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'virtfleet-run-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('prints every configuration problem with file, line and key path and exits 2 without starting', async () => {
    writeFileSync(join(dir, 'controller_config.yaml'), 'workers:\n  host: -1\nlogLevl: info\n');
    const { code, err } = await virtfleet('run', '--config-dir', dir);
    expect(code).to.equal(2);
    const lines = err.trim().split('\n');
    expect(lines).to.have.length(2);
    expect(lines.some((line) => line.startsWith(`${join(dir, 'controller_config.yaml')}:2:`) && line.includes('workers.host'))).to.equal(true);
    expect(lines.some((line) => line.includes('logLevl'))).to.equal(true);
  });

  it('exits 2 when the configuration directory does not exist', async () => {
    const { code, err } = await virtfleet('run', '--config-dir', join(dir, 'missing'));
    expect(code).to.equal(2);
    expect(err).to.contain('configuration directory does not exist');
  });

  it('exits 2 on a metrics address that is not host:port', async () => {
    writeFileSync(join(dir, 'controller_config.yaml'), 'metricsAddress: "localhost"\naudit:\n  sink: file\n  path: ' + join(dir, 'audit.log') + '\n');
    const { code, err } = await virtfleet('run', '--config-dir', dir);
    expect(err).to.contain('metricsAddress');
    expect(code).to.equal(2);
  });
});
