/** [REQ-06] The random source file `bench:libvirt` and its upload profile send to a test host. */
import { randomFillSync } from 'node:crypto';
import { open } from 'node:fs/promises';

const FILL_CHUNK_BYTES = 4 * 1024 * 1024;

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
