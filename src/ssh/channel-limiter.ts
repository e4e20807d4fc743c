/**
 * [REQ-02] Caps concurrent channels on one SSH connection. Callers beyond the cap wait in FIFO order instead of
 * failing (OpenSSH refuses channels past its MaxSessions); a waiter whose AbortSignal fires leaves the queue.
 * The cap adapts to what the server accepts: a refused channel lowers it to the most channels the server has
 * held open at once on this connection (at least 1), which its limit is known to allow. Not to the channels open
 * at the moment of the refusal: sshd frees a session slot a moment after the client sees the channel close, so
 * a refusal right after a close says nothing about the limit. (A host whose limit drops while the session lives
 * keeps being asked for that many; each refused open is retried by the caller.) Every RAISE_AFTER_ACCEPTED
 * channels accepted in a row raise the cap by one again, up to the configured capacity.
 */

/** Channels accepted in a row, without a refusal, before the lowered cap is raised by one. */
export const RAISE_AFTER_ACCEPTED = 32;

/** One granted slot. Exactly one of `refused` or `release` ends it; later calls do nothing. */
export interface ChannelSlot {
  /** The server opened the channel; it counts as open until `release`. */
  accepted(): void;
  /** The server refused the channel: the cap is lowered and the slot is freed. */
  refused(): void;
  /** The channel closed (or was never opened): the slot is freed. */
  release(): void;
}

export class ChannelLimiter {
  private inUse = 0;
  private open = 0;
  private peakOpen = 0;
  private peak = 0;
  private cap: number;
  private acceptedInARow = 0;
  private readonly waiters: Array<{ grant: () => void }> = [];

  /** `onLimit` hears every change of the cap. */
  constructor(
    private readonly capacity: number,
    private readonly onLimit?: (limit: number, change: 'lowered' | 'raised') => void,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('channel capacity must be an integer >= 1');
    this.cap = capacity;
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

  /** The current cap: the configured capacity, or less after the server refused channels. */
  get limit(): number {
    return this.cap;
  }

  /** Resolves with a slot once one is free. */
  async acquire(signal?: AbortSignal): Promise<ChannelSlot> {
    signal?.throwIfAborted();
    if (this.inUse < this.cap && this.waiters.length === 0) return this.take();
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

  private take(): ChannelSlot {
    this.inUse += 1;
    this.peak = Math.max(this.peak, this.inUse);
    let state: 'pending' | 'open' | 'done' = 'pending';
    const finish = (): boolean => {
      if (state === 'done') return false;
      if (state === 'open') this.open -= 1;
      state = 'done';
      this.inUse -= 1;
      return true;
    };
    return {
      accepted: () => {
        if (state !== 'pending') return;
        state = 'open';
        this.open += 1;
        this.peakOpen = Math.max(this.peakOpen, this.open);
        this.onAccepted();
      },
      refused: () => {
        if (!finish()) return;
        this.onRefused();
        this.grantWaiters();
      },
      release: () => {
        if (finish()) this.grantWaiters();
      },
    };
  }

  private onAccepted(): void {
    if (this.cap >= this.capacity) return;
    this.acceptedInARow += 1;
    if (this.acceptedInARow < RAISE_AFTER_ACCEPTED) return;
    this.acceptedInARow = 0;
    this.cap += 1;
    this.onLimit?.(this.cap, 'raised');
    this.grantWaiters();
  }

  private onRefused(): void {
    this.acceptedInARow = 0;
    const lowered = Math.max(1, Math.min(this.cap, this.peakOpen));
    if (lowered === this.cap) return;
    this.cap = lowered;
    this.onLimit?.(this.cap, 'lowered');
  }

  private grantWaiters(): void {
    while (this.inUse < this.cap && this.waiters.length > 0) this.waiters.shift()?.grant();
  }
}
