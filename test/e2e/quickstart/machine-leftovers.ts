/**
 * [REQ-01] What the quickstart leaves on this machine besides its data directory (root's authorized entry, the
 * libvirt pool `virtfleet`, image cache and console files, daemons it started), noted before a test run so that
 * cleanup removes only what the run added: the machine is shared, and a real quickstart may live on it.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { withoutAuthorizedEntry } from '../../../src/local-host/authorized-entry.js';
import { localDaemonsUp, stopDaemonsStartedSince, type LocalDaemonsBefore } from '../../support/local-daemons.js';

const run = promisify(execFile);
const AUTHORIZED_KEYS = '/root/.ssh/authorized_keys';
export const IMAGE_CACHE = '/var/lib/virtfleet/images';
export const CONSOLE_DIR = '/var/log/virtfleet/console';
const POOL_FILE = '/etc/libvirt/storage/virtfleet.xml';

async function exists(path: string): Promise<boolean> {
  return readFile(path).then(() => true, () => false);
}

async function listing(dir: string): Promise<string[] | undefined> {
  return readdir(dir).catch(() => undefined);
}

export interface MachineState {
  daemons: LocalDaemonsBefore;
  authorizedKeys: boolean;
  pool: boolean;
  imageCache: string[] | undefined;
  consoleLogs: string[] | undefined;
}

export async function noteMachineState(): Promise<MachineState> {
  return { daemons: await localDaemonsUp(), authorizedKeys: await exists(AUTHORIZED_KEYS), pool: await exists(POOL_FILE), imageCache: await listing(IMAGE_CACHE), consoleLogs: await listing(CONSOLE_DIR) };
}

async function removeAdded(dir: string, before: string[] | undefined): Promise<void> {
  if (before === undefined) {
    await rm(dir, { recursive: true, force: true });
    // /var/lib/virtfleet, /var/log/virtfleet: gone again unless something else lives there.
    await rmdir(dirname(dir)).catch(() => undefined);
    return;
  }
  for (const name of (await listing(dir)) ?? []) if (!before.includes(name)) await rm(`${dir}/${name}`, { recursive: true, force: true });
}

/** Undoes what the run added for Host `hostName`, given the state noted before it. */
export async function removeMachineLeftovers(before: MachineState, hostName: string): Promise<void> {
  const keys = await readFile(AUTHORIZED_KEYS, 'utf8').catch(() => undefined);
  if (keys !== undefined) {
    const cleaned = withoutAuthorizedEntry(keys, hostName);
    if (!before.authorizedKeys && cleaned === '') await rm(AUTHORIZED_KEYS);
    else await writeFile(AUTHORIZED_KEYS, cleaned, { mode: 0o600 });
  }
  if (!before.pool && (await exists(POOL_FILE))) {
    await run('virsh', ['-c', 'qemu:///system', 'pool-destroy', 'virtfleet']).catch(() => undefined);
    await run('virsh', ['-c', 'qemu:///system', 'pool-undefine', 'virtfleet']);
  }
  await removeAdded(IMAGE_CACHE, before.imageCache);
  await removeAdded(CONSOLE_DIR, before.consoleLogs);
  await stopDaemonsStartedSince(before.daemons);
}
