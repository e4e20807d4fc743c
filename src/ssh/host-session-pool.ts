/**
 * [REQ-02] One HostSession per host, shared by every controller and the transfer engine. A target whose
 * address, user, key or pinned host keys changed gets a fresh session; the old one is closed (on purpose: audited
 * as a disconnect with reason target-changed). `forget` and `closeAll` resolve once the sessions are closed and
 * their records written.
 */
import type { SshConfig } from '../config/types.js';
import { HostSession, type CloseReason, type HostSessionDeps } from './host-session.js';
import { sameTarget, type SshTarget } from './ssh-target.js';

export class HostSessionPool {
  private readonly sessions = new Map<string, HostSession>();
  /** Closes of replaced sessions still running. */
  private readonly replaced = new Set<Promise<void>>();

  constructor(
    private readonly config: SshConfig,
    private readonly deps: HostSessionDeps,
  ) {}

  session(target: SshTarget): HostSession {
    const existing = this.sessions.get(target.host);
    if (existing && sameTarget(existing.target, target)) return existing;
    if (existing !== undefined) this.closing(existing.close('target-changed'));
    const session = new HostSession(target, this.config, this.deps);
    this.sessions.set(target.host, session);
    return session;
  }

  /** Closes and forgets the session of a host (deleted, or its credentials were revoked). */
  async forget(host: string, reason: CloseReason = 'host-forgotten'): Promise<void> {
    const session = this.sessions.get(host);
    this.sessions.delete(host);
    await session?.close(reason);
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Closes every session, and waits for the sessions replaced earlier to finish closing. */
  async closeAll(): Promise<void> {
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all([...sessions.map((session) => session.close('shutdown')), ...this.replaced]);
  }

  private closing(closed: Promise<void>): void {
    this.replaced.add(closed);
    void closed.finally(() => this.replaced.delete(closed));
  }
}
