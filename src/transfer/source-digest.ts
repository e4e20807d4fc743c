/**
 * [REQ-04] The digest of a host or volume source whose plan names none: `openssl dgst -sha256` of the file on its
 * own host, before the first attempt (a URL source must come with its digest: refused here). Every later step checks against
 * it exactly as against a digest from the spec, and a job started again (a restart) computes it again, so staged
 * files of a source that changed in between no longer match their manifests and are not resumed.
 */
import { CommandFailedError } from '../errors/command-failed-error.js';
import { InvalidSpecError } from '../errors/invalid-spec-error.js';
import type { AuditContext } from '../ssh/remote-process.js';
import { DIGEST_ARGV } from './remote-scripts.js';
import type { TransferSource } from './transfer-plan.js';
import { SourceNotFoundError } from './transfer-errors.js';
import { volumeFilePath } from './volume-source.js';

export async function sourceDigest(source: TransferSource, audit: AuditContext, signal: AbortSignal): Promise<string> {
  if (source.kind === 'url') throw new InvalidSpecError('sha256', 'a URL source needs its digest');
  const path = source.kind === 'host' ? source.path : await volumeFilePath(source);
  const label = `${source.host.name}:${path}`;
  const stat = await source.host.session.exec(['test', '-f', path], { signal, audit });
  if (stat.code !== 0) throw new SourceNotFoundError(label, 'no such file');
  const argv = DIGEST_ARGV(path);
  const result = await source.host.session.exec(argv, { signal, audit, timeoutMs: 0 });
  const hex = /^([0-9a-f]{64})/.exec(result.stdout)?.[1];
  if (result.code !== 0 || hex === undefined) throw new CommandFailedError(source.host.name, argv.join(' '), result.code, result.stderr, { retryable: true });
  return hex;
}
