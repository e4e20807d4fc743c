/**
 * [REQ-01] Test support: polls `probe` until it returns a value (undefined means "not yet") and returns it; fails
 * naming `what` after `timeoutMs`. For e2e tests that wait on an outside process they cannot be told about.
 */
export async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, intervalMs = 300): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
