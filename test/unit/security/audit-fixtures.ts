/** [REQ-05] Builds real audit files for the audit tests: a temp directory and a chain of N records. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAuditLog } from '../../../src/security/audit-log.js';
import type { AuditEntryInput } from '../../../src/security/audit-record.js';

export const START_TIME_MS = Date.UTC(2025, 0, 1, 12, 0, 0);

export function steppingClock(startMs = START_TIME_MS): () => Date {
  let tick = 0;
  return () => new Date(startMs + 1000 * tick++);
}

export function entry(index: number): AuditEntryInput {
  return {
    resource: { kind: 'VirtualMachine', namespace: 'ns1', name: `vm-${index}`, uid: `uid-${index}`, generation: index },
    host: 'h1',
    action: 'ssh.exec',
    arguments: { argv: ['virsh', 'domstate', `vm-${index}`] },
    outcome: 'success',
    durationMs: 10 + index,
  };
}

/** A temp directory removed by `cleanup`, with helpers to read and rewrite the audit file's lines. */
export class AuditFileFixture {
  readonly dir = mkdtempSync(join(tmpdir(), 'virtfleet-audit-'));
  readonly path = join(this.dir, 'audit.log');

  /** Appends `count` records through the real file sink, as the operator would. */
  async append(count: number, firstIndex = 1): Promise<void> {
    const audit = await openAuditLog({ sink: 'file', path: this.path }, { controller: 'virtfleet-0', now: steppingClock() });
    for (let index = firstIndex; index < firstIndex + count; index += 1) audit.record(entry(index));
    audit.close();
  }

  text(): string {
    return readFileSync(this.path, 'utf8');
  }

  lines(): string[] {
    return this.text().split('\n').filter((line) => line !== '');
  }

  records(): Array<Record<string, unknown>> {
    return this.lines().map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  writeLines(lines: string[], finalNewline = true): void {
    writeFileSync(this.path, lines.join('\n') + (finalNewline && lines.length > 0 ? '\n' : ''));
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
