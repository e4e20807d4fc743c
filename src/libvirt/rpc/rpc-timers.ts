/** [REQ-03] The timer functions the RPC layer uses, injectable so unit tests drive time instead of sleeping. */

export type TimerHandle = unknown;

export interface RpcTimers {
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Real timers, unref'd: a pending keepalive or call timeout never keeps the process alive on its own. */
export const systemTimers: RpcTimers = {
  setTimeout(callback, delayMs) {
    const handle = setTimeout(callback, delayMs);
    handle.unref();
    return handle;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};
