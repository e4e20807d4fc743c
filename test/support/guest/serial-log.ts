/** [REQ-03] Reads a test guest's serial console log inside a test host and waits for a marker line. */
import type { TestHost } from '../hosts/index.js';

const pollIntervalMs = 500;

/**
 * Polls the serial log file (through docker exec, not SSH) until it contains `marker`; returns the log
 * text. Throws with the log's tail when `timeoutMs` passes first.
 */
export async function waitForSerialMarker(
  host: TestHost,
  serialLogPath: string,
  marker: string,
  timeoutMs: number,
): Promise<string> {
  const giveUpAt = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < giveUpAt) {
    const read = await host.exec(['cat', serialLogPath]);
    text = read.code === 0 ? read.stdout : '';
    if (text.includes(marker)) return text;
    await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
  }
  throw new Error(`${marker} not in ${serialLogPath} on ${host.name} after ${timeoutMs} ms; log ends: ${text.slice(-400)}`);
}
