/**
 * [REQ-05] The audit chain head as published outside the audit file, so that records cut from the end of the
 * file, or a file rolled back to an older copy, show (threat model in the README, "Audit log"):
 * annotations on the ConfigMap `<leaseName>-audit-head` in the leader-election namespace, written by the
 * operator (AuditHeadPublisher) and read by `virtfleet audit verify FILE --head-from-cluster`.
 * - `virtfleet.io/audit-chain-head`: `SEQ:HASH`, the seq of the last record written and the SHA-256 of its line;
 * - `virtfleet.io/audit-chain-writer`: the identity (pod name) whose file that is;
 * - `virtfleet.io/audit-chain-file`: the path of the file;
 * - `virtfleet.io/audit-chain-published`: when it was published (ISO 8601).
 */
import type { CoreV1Api } from '@kubernetes/client-node';
import type { ChainHead } from './audit-file.js';

export const HEAD_ANNOTATION = 'virtfleet.io/audit-chain-head';
export const WRITER_ANNOTATION = 'virtfleet.io/audit-chain-writer';
export const FILE_ANNOTATION = 'virtfleet.io/audit-chain-file';
export const PUBLISHED_ANNOTATION = 'virtfleet.io/audit-chain-published';

export function headConfigMapName(leaseName: string): string {
  return `${leaseName}-audit-head`;
}

export function formatChainHead(head: ChainHead): string {
  return `${head.seq}:${head.lastLineHash}`;
}

const HEAD_PATTERN = /^([1-9][0-9]{0,15}):([0-9a-f]{64})$/;

/** Parses `SEQ:HASH` (seq a positive safe integer, hash 64 lowercase hex digits); undefined when malformed. */
export function parseChainHead(text: string): ChainHead | undefined {
  const match = HEAD_PATTERN.exec(text.trim());
  if (match?.[1] === undefined || match[2] === undefined) return undefined;
  const seq = Number(match[1]);
  return Number.isSafeInteger(seq) ? { seq, lastLineHash: match[2] } : undefined;
}

export interface PublishedHead {
  head: ChainHead;
  writer?: string;
  file?: string;
  published?: string;
}

/** Reads the published head from its ConfigMap; throws when the ConfigMap or its annotation is missing or bad. */
export async function readPublishedHead(api: Pick<CoreV1Api, 'readNamespacedConfigMap'>, namespace: string, name: string): Promise<PublishedHead> {
  const configMap = await api.readNamespacedConfigMap({ namespace, name });
  const annotations = configMap.metadata?.annotations ?? {};
  const text = annotations[HEAD_ANNOTATION];
  const head = text === undefined ? undefined : parseChainHead(text);
  if (head === undefined) {
    throw new Error(`ConfigMap ${namespace}/${name} has ${text === undefined ? 'no' : 'a malformed'} ${HEAD_ANNOTATION} annotation`);
  }
  return {
    head,
    ...optional('writer', annotations[WRITER_ANNOTATION]),
    ...optional('file', annotations[FILE_ANNOTATION]),
    ...optional('published', annotations[PUBLISHED_ANNOTATION]),
  };
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}
