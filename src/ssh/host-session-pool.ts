/**
 * [REQ-02] One HostSession per host, shared by every controller and the transfer engine. A target whose
 * address, user, key or pinned host keys changed gets a fresh session; the old one is closed.
 */
import type { SshConfig } from '../config/types.js';
import { HostSession, type HostSessionDeps } from './host-session.js';
import { sameTarget, type SshTarget } from './ssh-target.js';

export class HostSessionPool {
  private readonly sessions = new Map<string, HostSession>();

  constructor(
    private readonly config: SshConfig,
    private readonly deps: HostSessionDeps,
  ) {}

  session(target: SshTarget): HostSession {
    const existing = this.sessions.get(target.host);
    if (existing && sameTarget(existing.target, target)) return existing;
    existing?.close();
    const session = new HostSession(target, this.config, this.deps);
    this.sessions.set(target.host, session);
    return session;
  }

  /** Closes and forgets the session of a host that was deleted. */
  forget(host: string): void {
    this.sessions.get(host)?.close();
    this.sessions.delete(host);
  }

  get size(): number {
    return this.sessions.size;
  }

  closeAll(): void {
    for (const session of this.sessions.values()) session.close();
    this.sessions.clear();
  }
}
