/**
 * [REQ-01] This machine's own sshd and libvirtd as tests find them: whether they answer, and stopping again only
 * the daemons a test caused to start (by their pid files), never ones that ran before.
 */
import { readFile } from 'node:fs/promises';
import { libvirtdAnswers, sshdAnswers } from '../../src/local-host/local-services.js';

export const LIBVIRT_SOCKET = '/var/run/libvirt/libvirt-sock';
const PID_FILES = { sshd: ['/run/sshd.pid'], libvirtd: ['/run/libvirtd.pid', '/run/virtlogd.pid'] } as const;

export interface LocalDaemonsBefore {
  sshd: boolean;
  libvirtd: boolean;
}

export async function localDaemonsUp(): Promise<LocalDaemonsBefore> {
  return { sshd: await sshdAnswers(22), libvirtd: await libvirtdAnswers(LIBVIRT_SOCKET) };
}

async function stopByPidFile(path: string): Promise<void> {
  try {
    process.kill(Number((await readFile(path, 'utf8')).trim()), 'SIGTERM');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && (error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Stops what was not running in `before` (sshd's listener only: open sessions end with their connection). */
export async function stopDaemonsStartedSince(before: LocalDaemonsBefore): Promise<void> {
  if (!before.sshd) for (const path of PID_FILES.sshd) await stopByPidFile(path);
  if (!before.libvirtd) for (const path of PID_FILES.libvirtd) await stopByPidFile(path);
}
