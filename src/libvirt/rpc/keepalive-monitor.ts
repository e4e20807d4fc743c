/**
 * [REQ-03] libvirt keepalive, client side: every interval without incoming traffic sends a PING; after
 * `countMax` intervals in a row without any answer the peer is declared dead. What counts as a sign of life is
 * the connection's call (`noteTraffic`): any packet except the peer's own PINGs, unlike libvirt's virKeepAlive, so
 * that a peer sending nothing but PINGs cannot keep a dead connection open. While the reader is paused on purpose
 * (a slow download consumer) silence is expected and not counted.
 */
import type { Clock, TimerHandle } from '../../time/clock.js';

export interface KeepaliveSettings {
  intervalMs: number;
  countMax: number;
}

export interface KeepaliveHooks {
  sendPing(): void;
  onDead(unansweredPings: number): void;
  isReadingPaused(): boolean;
}

export class KeepaliveMonitor {
  private timer: TimerHandle | undefined;
  private trafficSinceTick = false;
  private unanswered = 0;

  constructor(
    private readonly settings: KeepaliveSettings,
    private readonly clock: Clock,
    private readonly hooks: KeepaliveHooks,
  ) {}

  start(): void {
    if (this.settings.intervalMs > 0 && this.settings.countMax > 0) this.schedule();
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  noteTraffic(): void {
    this.trafficSinceTick = true;
  }

  private schedule(): void {
    this.timer = this.clock.setTimeout(() => this.tick(), this.settings.intervalMs);
  }

  private tick(): void {
    this.timer = undefined;
    if (this.trafficSinceTick || this.hooks.isReadingPaused()) {
      this.unanswered = 0;
    } else if (this.unanswered >= this.settings.countMax) {
      this.hooks.onDead(this.unanswered);
      return;
    } else {
      this.hooks.sendPing();
      this.unanswered += 1;
    }
    this.trafficSinceTick = false;
    this.schedule();
  }
}
