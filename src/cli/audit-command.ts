/**
 * [REQ-05] `virtfleet audit verify FILE`: checks an audit file's hash chain offline.
 * Exit 0 and `ok: N records` when the chain is intact; exit 1 and one line naming the first bad record
 * (`tampered: line L (seq S): why`, `missing: record seq S before line L`, `truncated: line L: ...`,
 * `unparsable: line L: ...`); exit 2 when the file cannot be read (usage errors exit 2 through commander).
 */
import type { Command } from 'commander';
import { verifyAuditLog, type AuditVerification } from '../security/audit-verify.js';
import type { CliIo } from './index.js';

export function registerAuditCommands(program: Command, io: CliIo): void {
  const audit = program.command('audit').description('Work with virtfleet audit logs');
  audit
    .command('verify')
    .description('Verify the hash chain of an audit log file')
    .argument('<file>', 'audit log written with audit.sink=file')
    .action(async (file: string) => {
      let verification: AuditVerification;
      try {
        verification = await verifyAuditLog(file);
      } catch (error) {
        io.err.write(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}\n`);
        io.setExitCode(2);
        return;
      }
      io.out.write(`${describeVerification(verification)}\n`);
      io.setExitCode(verification.ok ? 0 : 1);
    });
}

export function describeVerification(verification: AuditVerification): string {
  if (verification.ok) {
    return `ok: ${verification.records} records\nchain head: seq ${verification.lastSeq}, hash ${verification.lastHash}`;
  }
  const { defect, line, seq, expectedSeq, reason } = verification;
  switch (defect) {
    case 'missing': {
      const lastMissing = (seq ?? expectedSeq + 1) - 1;
      return lastMissing === expectedSeq
        ? `missing: record seq ${expectedSeq} before line ${line}`
        : `missing: records seq ${expectedSeq}..${lastMissing} before line ${line}`;
    }
    case 'tampered':
      return `tampered: line ${line}${seq === undefined ? '' : ` (seq ${seq})`}: ${reason}`;
    case 'truncated':
    case 'unparsable':
      return `${defect}: line ${line}: ${reason}`;
  }
}
