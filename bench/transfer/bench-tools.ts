/**
 * [REQ-04][REQ-06] Tools of `bench:transfer`: the reference commands (scp, ssh cat, rsync) as child processes,
 * the test images (random, or sparse with 10% data) and one engine run measured from its progress: wall time,
 * bytes on the wire and the time spent verifying (first Verifying snapshot to the end).
 */
import { spawn } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { open } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { startTransfer, type TransferEngineDeps, type TransferJob } from '../../src/transfer/transfer-job.js';
import type { TransferPlan } from '../../src/transfer/transfer-plan.js';
import type { TransferProgress } from '../../src/transfer/transfer-progress.js';

export const MIB = 1024 * 1024;

export function load(): string {
  return loadavg().map((value) => value.toFixed(2)).join(' ');
}

/** Runs a command with an optional file as stdin and returns its stdout; rejects with its stderr on a non-zero exit. */
export function run(command: string, args: string[], stdinFile?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    void (async () => {
      const input = stdinFile ? await open(stdinFile, 'r') : undefined;
      const child = spawn(command, args, { stdio: [input?.fd ?? 'ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (piece: Buffer) => (stdout += piece.toString()));
      child.stderr?.on('data', (piece: Buffer) => (stderr += piece.toString()));
      child.once('close', (code) => {
        void input?.close();
        if (code === 0) resolve(stdout);
        else reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr}`));
      });
    })();
  });
}

/** Data MiB of a `writeImage(path, mib, dataEvery)` image. */
export function dataMib(mib: number, dataEvery: number): number {
  return Array.from({ length: mib }, (_, at) => at % (16 * dataEvery) < 16).filter(Boolean).length;
}

/**
 * Writes `mib` MiB: runs of 16 MiB of random data, one per 16 * dataEvery MiB, the rest holes (dataEvery 1: all random);
 * synced and read once, so that every contender finds it in the page cache.
 */
export async function writeImage(path: string, mib: number, dataEvery: number): Promise<string> {
  const hash = createHash('sha256');
  const file = await open(path, 'w');
  const block = Buffer.allocUnsafe(MIB);
  const zero = Buffer.alloc(MIB);
  for (let at = 0; at < mib; at++) {
    if (at % (16 * dataEvery) < 16) {
      randomFillSync(block);
      await file.write(block, 0, MIB, at * MIB);
      hash.update(block);
    } else hash.update(zero);
  }
  await file.truncate(mib * MIB);
  await file.sync();
  await file.close();
  // Read once after the sync: the first read of a freshly written file ran 4-5x slower here (7.6 s against 1.6 s for
  // 2 GiB), and whoever came first (the engine) would pay it alone.
  await run('sh', ['-c', 'cat -- "$1" > /dev/null', 'sh', path]);
  return hash.digest('hex');
}

export interface EngineRun {
  ms: number;
  /** From the first Verifying snapshot to the end. */
  verifyMs: number;
  result: TransferProgress;
  job: TransferJob;
}

/** Starts the plan; `watch` sees the job first (e.g. to cut a network at 50%). Throws unless it succeeded. */
export async function runEngine(plan: TransferPlan, deps: TransferEngineDeps, label: string, watch?: (job: TransferJob) => void): Promise<EngineRun> {
  const start = performance.now();
  let verifyingAt: number | undefined;
  const job = startTransfer(plan, deps);
  job.progress$.subscribe((progress) => {
    if (verifyingAt === undefined && progress.destinations.some((d) => d.phase === 'Verifying')) verifyingAt = performance.now();
  });
  watch?.(job);
  const result = await job.done;
  const end = performance.now();
  if (result.phase !== 'Succeeded') throw new Error(`engine ${label}: ${JSON.stringify(result)}`);
  return { ms: end - start, verifyMs: verifyingAt === undefined ? 0 : end - verifyingAt, result, job };
}

export function mibps(bytes: number, ms: number): string {
  return `${(bytes / MIB / (ms / 1000)).toFixed(0)} MiB/s`;
}

export function ms(value: number): string {
  return `${value.toFixed(0)} ms`;
}
