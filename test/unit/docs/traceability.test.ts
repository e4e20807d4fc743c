import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';

const REQS = ['REQ-01', 'REQ-02', 'REQ-03', 'REQ-04', 'REQ-05', 'REQ-06'];

interface Row {
  req: string;
  status: string;
  code: string[];
  tests: string[];
  benchmarks: string[];
}

function backticked(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
}

function rows(): Row[] {
  const text = readFileSync('docs/traceability.md', 'utf8');
  return text
    .split('\n')
    .filter((line) => /^\| REQ-0\d \|/.test(line))
    .map((line) => {
      const cells = line.split('|').slice(1, -1).map((c) => c.trim());
      return { req: cells[0] ?? '', status: cells[2] ?? '', code: backticked(cells[3] ?? ''), tests: backticked(cells[4] ?? ''), benchmarks: backticked(cells[5] ?? '') };
    });
}

function testFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.test.ts'))
    .map((name) => join(path, name));
}

function describeTitles(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/describe\(\s*['"`]([^'"`]*)/g)].map((m) => m[1] as string);
}

describe('[REQ-01] traceability map (docs/traceability.md)', () => {
  const table = rows();

  it('lists every requirement of DESIGN.md exactly once', () => {
    expect(table.map((r) => r.req)).to.deep.equal(REQS);
  });

  it('points only at paths that exist', () => {
    const missing = table.flatMap((r) => [...r.code, ...r.tests, ...r.benchmarks]).filter((path) => !existsSync(path));
    expect(missing).to.deep.equal([]);
  });

  it('backs every built requirement with tests whose describe titles name it', () => {
    for (const row of table.filter((r) => !r.status.startsWith('planned'))) {
      expect(row.tests.length, `${row.req} lists tests`).to.be.greaterThan(0);
      const naming = row.tests.flatMap(testFiles).filter((file) => describeTitles(file).some((title) => title.includes(`[${row.req}]`)));
      expect(naming.length, `${row.req}: a listed test names [${row.req}] in a describe title`).to.be.greaterThan(0);
    }
  });

  it('marks requirements without tests as planned instead of leaving them out', () => {
    for (const row of table.filter((r) => r.tests.length === 0)) expect(row.status, row.req).to.match(/^planned/);
  });

  it('maps every folder of src/ to a requirement', () => {
    const mapped = new Set(table.flatMap((r) => r.code).map((p) => p.replace(/\/$/, '')));
    const folders = readdirSync('src', { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => `src/${d.name}`);
    expect(folders.filter((f) => !mapped.has(f))).to.deep.equal([]);
  });

  it('finds a [REQ-0N] tag in the header of every module under src/', () => {
    const untagged = readdirSync('src', { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.ts'))
      .filter((name) => !/\[REQ-0[1-6]\]/.test(readFileSync(join('src', name), 'utf8').slice(0, 1500)));
    expect(untagged).to.deep.equal([]);
  });
});
