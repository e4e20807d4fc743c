/**
 * [REQ-01][REQ-06] Per-Host bound on concurrent state-changing operations: at most `spec.maxConcurrentOperations`
 * (default 4) run at once on one Host, across every controller that shares this instance (the operator makes
 * one, in main.ts). Further operations wait in FIFO order; a waiter whose AbortSignal fires leaves the queue with
 * the signal's reason. The limit is read from the Host cache at each acquire, so an edited spec takes effect for
 * the next grant; operations already running are never cut off.
 *
 * API:
 *   await slots.run('hv1', () => libvirt.domains.create(ref), signal);
 *   slots.inUse('hv1')   // operations running now
 */
import { HOST_DEFAULTS, type Host } from '../api/v1alpha1/host.js';

interface Waiter {
  grant: () => void;
}

interface HostSlots {
  active: number;
  waiting: Waiter[];
}

export interface HostLimitSource {
  get(namespace: undefined, name: string): Host | undefined;
}

export class HostOperationSlots {
  private readonly hosts = new Map<string, HostSlots>();

  constructor(private readonly hostCache: HostLimitSource) {}

  /** The bound in force for a Host: its spec.maxConcurrentOperations, or the CRD default. */
  limitOf(host: string): number {
    const limit = this.hostCache.get(undefined, host)?.spec.maxConcurrentOperations;
    return limit === undefined || limit < 1 ? HOST_DEFAULTS.maxConcurrentOperations : limit;
  }

  inUse(host: string): number {
    return this.hosts.get(host)?.active ?? 0;
  }

  async run<T>(host: string, operation: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(host, signal);
    try {
      return await operation();
    } finally {
      this.release(host);
    }
  }

  private acquire(host: string, signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted();
    const slots = this.slotsOf(host);
    if (slots.waiting.length === 0 && slots.active < this.limitOf(host)) {
      slots.active += 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        slots.waiting = slots.waiting.filter((other) => other !== waiter);
        reject(signal?.reason as Error);
      };
      const waiter: Waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      slots.waiting.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private release(host: string): void {
    const slots = this.slotsOf(host);
    slots.active -= 1;
    while (slots.waiting.length > 0 && slots.active < this.limitOf(host)) {
      const next = slots.waiting.shift() as Waiter;
      slots.active += 1;
      next.grant();
    }
    if (slots.active === 0 && slots.waiting.length === 0) this.hosts.delete(host);
  }

  private slotsOf(host: string): HostSlots {
    let slots = this.hosts.get(host);
    if (slots === undefined) {
      slots = { active: 0, waiting: [] };
      this.hosts.set(host, slots);
    }
    return slots;
  }
}
