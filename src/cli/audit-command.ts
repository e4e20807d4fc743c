/**
 * [REQ-05] `virtfleet audit verify FILE [--head SEQ:HASH | --head-from-cluster [NAMESPACE/NAME]]`: checks an
 * audit file's hash chain offline and, given the chain head published outside the file, that the file still
 * reaches it through the very record it names (audit-head.ts).
 * Exit 0 and `ok: N records` when the chain is intact; exit 1 and one line naming the first bad record
 * (`tampered: line L (seq S): why`, `missing: record seq S before line L`, `truncated: line L: ...`,
 * `oversized: line L: ...`, `unparsable: line L: ...`, `behind head: ...`, `rolled back: ...`); exit 2 when the
 * file or the published head cannot be read or the head is malformed (usage errors exit 2 through commander).
 * `--head-from-cluster` reads the ConfigMap through the kubeconfig (KUBECONFIG, else ~/.kube/config).
 */
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { Command } from 'commander';
import { isNotFound } from '../controller/api-errors.js';
import type { ChainHead } from '../security/audit-file.js';
import { headConfigMapName, parseChainHead, readPublishedHead } from '../security/audit-head.js';
import { verifyAuditLog, type AuditVerification } from '../security/audit-verify.js';
import type { CliIo } from './index.js';

const DEFAULT_HEAD_CONFIGMAP = `virtfleet-system/${headConfigMapName('virtfleet-controller')}`;

interface VerifyFlags {
  head?: string;
  headFromCluster?: string | true;
}

export function registerAuditCommands(program: Command, io: CliIo): void {
  const audit = program.command('audit').description('Work with virtfleet audit logs');
  audit
    .command('verify')
    .description('Verify the hash chain of an audit log file, and that it reaches the chain head published outside it')
    .argument('<file>', 'audit log written with audit.sink=file')
    .option('--head <seq:hash>', 'chain head published by the operator: the file must reach it')
    .option('--head-from-cluster [namespace/name]', `read the published chain head from this ConfigMap (default ${DEFAULT_HEAD_CONFIGMAP})`)
    .action(async (file: string, flags: VerifyFlags) => {
      const fail = (message: string): void => {
        io.err.write(`${message}\n`);
        io.setExitCode(2);
      };
      let head: ChainHead | undefined;
      try {
        head = await headOf(flags, io);
      } catch (error) {
        fail(messageOf(error));
        return;
      }
      let verification: AuditVerification;
      try {
        verification = await verifyAuditLog(file, head === undefined ? {} : { head });
      } catch (error) {
        fail(`cannot read ${file}: ${messageOf(error)}`);
        return;
      }
      io.out.write(`${describeVerification(verification)}\n`);
      io.setExitCode(verification.ok ? 0 : 1);
    });
}

async function headOf(flags: VerifyFlags, io: CliIo): Promise<ChainHead | undefined> {
  if (flags.head !== undefined && flags.headFromCluster !== undefined) throw new Error('give either --head or --head-from-cluster, not both');
  if (flags.head !== undefined) {
    const head = parseChainHead(flags.head);
    if (head === undefined) throw new Error(`--head ${JSON.stringify(flags.head)}: expected SEQ:HASH (a positive integer, a colon, 64 lowercase hex digits)`);
    return head;
  }
  if (flags.headFromCluster === undefined) return undefined;
  const reference = flags.headFromCluster === true ? DEFAULT_HEAD_CONFIGMAP : flags.headFromCluster;
  const [namespace, name, ...rest] = reference.split('/');
  if (namespace === undefined || name === undefined || namespace === '' || name === '' || rest.length > 0) {
    throw new Error(`--head-from-cluster ${JSON.stringify(reference)}: expected NAMESPACE/NAME`);
  }
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  let published;
  try {
    published = await readPublishedHead(kubeConfig.makeApiClient(CoreV1Api), namespace, name);
  } catch (error) {
    const why = isNotFound(error) ? 'not found' : messageOf(error).split('\n')[0];
    throw new Error(`cannot read the published chain head from ConfigMap ${namespace}/${name}: ${why}`, { cause: error });
  }
  const origin = [published.writer && `writer ${published.writer}`, published.file && `file ${published.file}`, published.published && `published ${published.published}`]
    .filter((part) => typeof part === 'string' && part !== '')
    .join(', ');
  io.out.write(`published chain head: seq ${published.head.seq}, hash ${published.head.lastLineHash}${origin === '' ? '' : ` (${origin})`}\n`);
  return published.head;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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
    case 'behind-head':
      return `behind head: ${reason}`;
    case 'head-mismatch':
      return `rolled back: line ${line} (seq ${seq ?? expectedSeq}): ${reason}`;
    case 'oversized':
    case 'truncated':
    case 'unparsable':
      return `${defect}: line ${line}: ${reason}`;
  }
}
