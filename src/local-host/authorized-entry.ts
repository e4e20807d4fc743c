/**
 * [REQ-01][REQ-05] The one authorized_keys entry `virtfleet host add-local` owns: the local Host's key, usable
 * only from loopback (`from="127.0.0.1,::1"`) and for nothing but commands (`restrict`: no port, agent or X11
 * forwarding, no pty, no ~/.ssh/rc), tagged with the comment `virtfleet-local:<host>` so that a re-run replaces
 * it in place and removal finds it. Every other line of the file is kept byte for byte.
 */
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

const TAG_PREFIX = 'virtfleet-local:';

export function authorizedEntryTag(hostName: string): string {
  return `${TAG_PREFIX}${hostName}`;
}

/** `publicKey` is "<algorithm> <base64>" (no comment). */
export function authorizedEntry(publicKey: string, hostName: string): string {
  return `from="127.0.0.1,::1",restrict ${publicKey} ${authorizedEntryTag(hostName)}`;
}

function isTagged(line: string, tag: string): boolean {
  return line.trimEnd().endsWith(` ${tag}`);
}

function splitLines(content: string): string[] {
  if (content === '') return [];
  return (content.endsWith('\n') ? content.slice(0, -1) : content).split('\n');
}

/** `content` with the entry tagged for `hostName` replaced by `entry` (or appended); other lines unchanged. */
export function withAuthorizedEntry(content: string, entry: string, hostName: string): string {
  const tag = authorizedEntryTag(hostName);
  const lines = splitLines(content).filter((line) => !isTagged(line, tag));
  return [...lines, entry].join('\n') + '\n';
}

/** `content` without the entry tagged for `hostName`. */
export function withoutAuthorizedEntry(content: string, hostName: string): string {
  const lines = splitLines(content).filter((line) => !isTagged(line, authorizedEntryTag(hostName)));
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}

async function readOptional(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

/** Writes the file (0600, in a 0700 directory) only when its content changes; returns whether it did. */
export async function ensureAuthorizedEntry(path: string, entry: string, hostName: string): Promise<boolean> {
  const before = await readOptional(path);
  const after = withAuthorizedEntry(before, entry, hostName);
  if (after === before) return false;
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const staged = `${path}.virtfleet-${process.pid}`;
  await writeFile(staged, after, { mode: 0o600 });
  await chmod(staged, 0o600);
  await rename(staged, path);
  return true;
}
