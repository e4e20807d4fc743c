/**
 * [REQ-02] Caps concurrent channels on one SSH connection. Callers beyond the cap wait in FIFO order instead of
 * failing (OpenSSH refuses channels past its MaxSessions); a waiter whose AbortSignal fires leaves the queue.
 */
export class ChannelLimiter {
  private inUse = 0;
  private peak = 0;
  private readonly waiters: Array<{ grant: () => void }> = [];

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('channel capacity must be an integer >= 1');
  }

  get active(): number {
    return this.inUse;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /** Highest number of channels ever held at once. */
  get peakActive(): number {
    return this.peak;
  }

  /** Resolves with a release function once a slot is free. Release exactly once. */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.inUse < this.capacity) return this.take();
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.take());
        },
      };
      const onAbort = (): void => {
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) this.waiters.splice(at, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private take(): () => void {
    this.inUse += 1;
    this.peak = Math.max(this.peak, this.inUse);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inUse -= 1;
      this.waiters.shift()?.grant();
    };
  }
}
