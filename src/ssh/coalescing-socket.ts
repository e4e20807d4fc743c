/**
 * [REQ-06] The TCP socket under every SSH connection. ssh2 writes one SSH packet (at most 32 KiB of channel
 * data) per `write()`, which costs one system call each; bulk transfers spent most of their CPU there. This
 * socket corks on the first write of a tick and uncorks on the next tick, so a burst of packets leaves in one
 * vectored write. Latency is unchanged: nothing waits longer than the current tick. Nagle is off, so small
 * request/response exchanges (channel open, exec, exit-status) never wait for delayed ACKs.
 */
import { Socket } from 'node:net';

export class CoalescingSocket extends Socket {
  private corkedThisTick = false;

  /** Connects and installs the coalescing `write` (net.Socket's connect() resets an instance's `write`). */
  connectTo(port: number, host: string): this {
    this.connect(port, host);
    this.setNoDelay(true);
    const write = this.write as (...args: unknown[]) => boolean;
    this.write = ((...args: unknown[]): boolean => {
      this.corkUntilNextTick();
      return write.apply(this, args);
    }) as Socket['write'];
    return this;
  }

  private corkUntilNextTick(): void {
    if (this.corkedThisTick) return;
    this.corkedThisTick = true;
    this.cork();
    process.nextTick(() => {
      this.corkedThisTick = false;
      this.uncork();
    });
  }
}
