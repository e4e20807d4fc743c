/**
 * [REQ-06] The observing side of `bench:vm`: one watch on the VirtualMachines of a namespace (the API server pushes
 * every status write), recording for each VM when each printableStatus and each status change was first seen, on
 * the monotonic clock. Waiting is done on these records, never by polling kubectl. A watch the server ends is
 * made again.
 */
import { KubeConfig, Watch } from '@kubernetes/client-node';

interface WatchedVm {
  metadata?: { name?: string };
  status?: { printableStatus?: string; startFailure?: { consecutiveFailCount?: number } };
}

/** Milliseconds on the monotonic clock (performance.now), the same clock the bench's t0 values use. */
export const now = (): number => performance.now();

export class VmWatch {
  /** name -> printableStatus -> first time seen (ms). */
  private readonly seen = new Map<string, Map<string, number>>();
  /** name -> every status as seen, with its time. */
  private readonly history = new Map<string, Array<{ at: number; printableStatus?: string; failCount: number }>>();
  private waiters: Array<() => void> = [];
  private request: { abort(): void } | undefined;
  private stopped = false;

  constructor(private readonly kubeconfigPath: string, private readonly namespace: string) {}

  async start(): Promise<void> {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(this.kubeconfigPath);
    const watch = new Watch(kubeConfig);
    this.request = await watch.watch(`/apis/virtfleet.io/v1alpha1/namespaces/${this.namespace}/virtualmachines`, {}, (phase, object: WatchedVm) => {
      const name = object.metadata?.name ?? '';
      if (phase === 'DELETED') {
        this.seen.delete(name);
        this.history.delete(name);
        return;
      }
      const at = now();
      const status = object.status?.printableStatus;
      const byStatus = this.seen.get(name) ?? new Map<string, number>();
      if (status !== undefined && !byStatus.has(status)) byStatus.set(status, at);
      this.seen.set(name, byStatus);
      const entries = this.history.get(name) ?? [];
      entries.push({ at, ...(status === undefined ? {} : { printableStatus: status }), failCount: object.status?.startFailure?.consecutiveFailCount ?? 0 });
      this.history.set(name, entries);
      const waiting = this.waiters;
      this.waiters = [];
      for (const wake of waiting) wake();
    }, (error: unknown) => {
      if (this.stopped) return;
      // The server ends watches now and then (and on errors): watch again; the replayed ADDED events are current.
      if (error !== null && error !== undefined) console.error(`bench:vm watch ended, watching again: ${String(error)}`);
      setTimeout(() => void this.start(), 100);
    });
  }

  /** When `name` was first seen with `status` (undefined: not yet). */
  firstSeen(name: string, status: string): number | undefined {
    return this.seen.get(name)?.get(status);
  }

  /** The first time after `since` at which `name`'s status satisfied `test`. */
  seenAfter(name: string, since: number, test: (entry: { printableStatus?: string; failCount: number }) => boolean): number | undefined {
    return this.history.get(name)?.find((entry) => entry.at >= since && test(entry))?.at;
  }

  /** Resolves when `ready()` returns a value; fails after `timeoutMs` naming `what`. */
  async until<T>(what: string, timeoutMs: number, ready: () => T | undefined): Promise<T> {
    const deadline = now() + timeoutMs;
    for (;;) {
      const value = ready();
      if (value !== undefined) return value;
      const left = deadline - now();
      if (left <= 0) throw new Error(`bench:vm timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 1000));
        this.waiters.push(() => { clearTimeout(timer); resolve(); });
      });
    }
  }

  stop(): void {
    this.stopped = true;
    this.request?.abort();
  }
}
