import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { CONFIG_FILE_NAMES, MAX_PROBLEMS_PER_FILE } from '../../../src/config/config-file-loader.js';
import { inspectConfigDir } from '../../../src/config/load-config.js';
import { formatProblem } from '../../../src/errors/config-error.js';

/** Writes `lines` copies of `line` after `head`, in blocks, for files of tens of MB. */
function writeRepeated(file: string, head: string, line: string, lines: number): void {
  const fd = openSync(file, 'w');
  const block = line.repeat(10_000);
  try {
    writeSync(fd, head);
    for (let left = lines; left > 0; left -= 10_000) writeSync(fd, left >= 10_000 ? block : line.repeat(left));
  } finally {
    closeSync(fd);
  }
}

function cpuMs(run: () => unknown): number {
  const started = process.cpuUsage();
  run();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1000;
}

describe('[REQ-01] configuration files of tens of MB: bounded reports in linear time', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'virtfleet-config-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the first problems of a 10 MB file of bad list items and counts the rest, in time linear in the size', function () {
    this.timeout(300_000);
    const file = join(dir, CONFIG_FILE_NAMES.controller);
    writeRepeated(file, 'namespaces:\n', '- Bad_Name\n', 1_000_000);
    let report = inspectConfigDir(dir);
    const smallMs = cpuMs(() => { report = inspectConfigDir(dir); });
    const lines = report.problems.map(formatProblem);
    expect(lines).to.have.length(MAX_PROBLEMS_PER_FILE + 1);
    expect(lines[0]).to.equal(`${file}:1:1: namespaces: list of 1000000 items; at most 10000 are allowed (only the first 10000 were checked)`);
    expect(lines[1]).to.match(new RegExp(`^${file}:2:3: namespaces\\[0\\]: expected a name`));
    expect(lines.at(-1)).to.equal(`${file}: (document): 9981 more problems not shown (10001 in all)`);
    expect(lines.join('\n').length).to.be.below(10_000);

    writeRepeated(file, 'namespaces:\n', '- Bad_Name\n', 5_000_000);
    const largeMs = cpuMs(() => { report = inspectConfigDir(dir); });
    expect(report.problems).to.have.length(MAX_PROBLEMS_PER_FILE + 1);
    expect(largeMs / smallMs, `CPU time 11 MB: ${smallMs.toFixed(0)} ms, 55 MB: ${largeMs.toFixed(0)} ms`).to.be.below(6);
  });
});
