/** [REQ-06] Timing and statistics helpers of `bench:libvirt`, and the random source file it uploads. */
import { randomFillSync } from 'node:crypto';
import { open } from 'node:fs/promises';

const FILL_CHUNK_BYTES = 4 * 1024 * 1024;

/** The sample at `fraction` (0..1) of the sorted samples (nearest rank). */
export function percentile(samples: number[], fraction: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
}

export function median(samples: number[]): number {
  return percentile(samples, 0.5);
}

/** Milliseconds `action` took. */
export async function timed(action: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await action();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Writes `bytes` of random data to `path` (incompressible, like a real disk image's used blocks). */
export async function writeRandomFile(path: string, bytes: number): Promise<void> {
  const file = await open(path, 'w');
  try {
    const chunk = Buffer.allocUnsafe(FILL_CHUNK_BYTES);
    for (let written = 0; written < bytes; written += chunk.length) {
      const length = Math.min(chunk.length, bytes - written);
      randomFillSync(chunk, 0, length);
      await file.write(chunk, 0, length);
    }
  } finally {
    await file.close();
  }
}
