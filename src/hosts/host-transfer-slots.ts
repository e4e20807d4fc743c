/**
 * [REQ-04][REQ-06] How many image transfers may write to hosts at once: at most `perHost` running transfers per
 * destination Host and `global` in the whole operator (transfer_config `concurrency`), and never two on the same
 * file of a host (two transfers of one digest to one host cache would share its `.part`). `tryAcquire` never
 * waits: a transfer that gets no slot stays Pending and is woken through `released()` when one frees up.
 */
import { Subject, type Observable } from 'rxjs';

export interface TransferSlotLimits {
  perHost: number;
  global: number;
}

/** One file a transfer writes: the destination Host and the final path. */
export interface SlotTarget {
  host: string;
  path: string;
}

export class HostTransferSlots {
  private readonly held = new Map<string, readonly SlotTarget[]>();
  private readonly waiting = new Set<string>();
  private readonly freed = new Subject<string>();

  constructor(private readonly limits: TransferSlotLimits) {}

  /**
   * Takes one slot per target Host for `owner` (a transfer's key), all or none. True when held (already held
   * counts); false when a limit is reached or a file is in use, and `owner` is then told in `released()` later.
   */
  tryAcquire(owner: string, targets: readonly SlotTarget[]): boolean {
    if (this.held.has(owner)) return true;
    if (this.blocked(targets)) {
      this.waiting.add(owner);
      return false;
    }
    this.held.set(owner, targets);
    this.waiting.delete(owner);
    return true;
  }

  /** Gives back what `owner` held; every transfer that waited is named in `released()`. */
  release(owner: string): void {
    this.waiting.delete(owner);
    if (!this.held.delete(owner)) return;
    const woken = [...this.waiting];
    for (const key of woken) this.freed.next(key);
  }

  /** Forgets every holder and waiter (the controller stopped; nothing runs any more). */
  releaseAll(): void {
    this.held.clear();
    this.waiting.clear();
  }

  /** Keys of transfers that waited for a slot, each time one was released. */
  released(): Observable<string> {
    return this.freed.asObservable();
  }

  /** Why `targets` cannot run now, for a status message; undefined when they can. */
  blockedBy(targets: readonly SlotTarget[]): string | undefined {
    if (this.held.size >= this.limits.global) return `${this.held.size} transfers are running (transfer_config concurrency.global is ${this.limits.global})`;
    for (const target of targets) {
      const onHost = [...this.held.values()].filter((other) => other.some((t) => t.host === target.host)).length;
      if (onHost >= this.limits.perHost) return `${onHost} transfers are writing to Host ${target.host} (transfer_config concurrency.perHost is ${this.limits.perHost})`;
      if ([...this.held.values()].some((other) => other.some((t) => t.host === target.host && t.path === target.path))) {
        return `another transfer is writing ${target.path} on Host ${target.host}`;
      }
    }
    return undefined;
  }

  private blocked(targets: readonly SlotTarget[]): boolean {
    return this.blockedBy(targets) !== undefined;
  }
}
