/**
 * [REQ-02][REQ-06] Opens channels on a host's connection under its ChannelLimiter. A channel the server refuses
 * (SshChannelRefusedError: sshd's MaxSessions is below our cap, or sshd has not yet freed the slot of a channel
 * that just closed) lowers the cap and puts the caller back in the queue after a backoff (exponential with
 * jitter, on the injected Clock), at most CHANNEL_OPEN_ATTEMPTS times in a row; then the refusal is thrown,
 * naming MaxSessions. The cap is exported as `virtfleet_ssh_channel_limit`, refusals as
 * `virtfleet_ssh_channel_refusals_total`, and the first time the cap drops below maxSessionsPerHost a warning
 * is logged, once per host.
 */
import { sleep, systemClock, type Clock } from '../time/clock.js';
import type { BackoffConfig } from '../config/types.js';
import { SshChannelRefusedError } from '../errors/ssh-errors.js';
import type { Logger } from '../observability/logger.js';
import type { OperatorMetrics } from '../observability/metrics.js';
import { ChannelLimiter, type ChannelSlot } from './channel-limiter.js';
import { reconnectDelay } from './reconnect-delay.js';

/** Refusals in a row after which one caller gives up. */
export const CHANNEL_OPEN_ATTEMPTS = 10;
/** Backoff between a refusal and the next attempt of the same caller (about 2.5 s over all attempts). */
export const CHANNEL_RETRY_BACKOFF: BackoffConfig = { baseDelayMs: 10, maxDelayMs: 1000 };

export interface ChannelOpenerDeps {
  clock?: Clock;
  random?: () => number;
  logger?: Pick<Logger, 'warn'>;
  metrics?: Pick<OperatorMetrics, 'sshChannelsInUse' | 'sshChannelLimit' | 'sshChannelRefusals'>;
}

export interface OpenedChannel<T> {
  value: T;
  /** Frees the channel's slot once the channel closed. Idempotent. */
  release: () => void;
}

export class ChannelOpener {
  private readonly limiter: ChannelLimiter;
  private warned = false;

  constructor(
    private readonly host: string,
    private readonly maxSessionsPerHost: number,
    private readonly deps: ChannelOpenerDeps = {},
  ) {
    this.limiter = new ChannelLimiter(maxSessionsPerHost, (limit, change) => this.limitChanged(limit, change));
    deps.metrics?.sshChannelLimit.set({ host }, maxSessionsPerHost);
  }

  get stats(): { active: number; waiting: number; peak: number; limit: number } {
    return { active: this.limiter.active, waiting: this.limiter.waiting, peak: this.limiter.peakActive, limit: this.limiter.limit };
  }

  /** Runs `open` under a channel slot, again after each refusal; the slot stays held until `release`. */
  async open<T>(open: () => Promise<T>, signal?: AbortSignal): Promise<OpenedChannel<T>> {
    for (let refusals = 1; ; refusals += 1) {
      const slot = await this.limiter.acquire(signal);
      this.gauge();
      try {
        const value = await open();
        slot.accepted();
        return { value, release: () => this.end(slot, 'release') };
      } catch (error) {
        if (!(error instanceof SshChannelRefusedError)) {
          this.end(slot, 'release');
          throw error;
        }
        this.end(slot, 'refused');
        this.deps.metrics?.sshChannelRefusals.inc({ host: this.host });
        if (refusals >= CHANNEL_OPEN_ATTEMPTS) {
          throw new SshChannelRefusedError(
            this.host,
            `the server refused ${refusals} channel opens in a row (is its sshd MaxSessions below the ${this.limiter.limit} channels we use at once?)`,
            { cause: error },
          );
        }
        await sleep(this.deps.clock ?? systemClock, reconnectDelay(refusals, CHANNEL_RETRY_BACKOFF, this.deps.random), signal);
      }
    }
  }

  private end(slot: ChannelSlot, how: 'release' | 'refused'): void {
    slot[how]();
    this.gauge();
  }

  private gauge(): void {
    this.deps.metrics?.sshChannelsInUse.set({ host: this.host }, this.limiter.active);
  }

  private limitChanged(limit: number, change: 'lowered' | 'raised'): void {
    this.deps.metrics?.sshChannelLimit.set({ host: this.host }, limit);
    if (change !== 'lowered' || this.warned) return;
    this.warned = true;
    this.deps.logger?.warn('ssh server allows fewer sessions than maxSessionsPerHost', {
      host: this.host,
      maxSessionsPerHost: this.maxSessionsPerHost,
      acceptedSessions: limit,
      hint: "the host's sshd MaxSessions is lower: channels are capped to what it accepts; raise MaxSessions or lower maxSessionsPerHost",
    });
  }
}
