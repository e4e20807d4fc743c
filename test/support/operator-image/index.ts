/**
 * [REQ-05] The operator's container image for tests: the repository's Dockerfile built with `docker build
 * --network none` on locally made bases (build-base-images.sh: Debian minbase + this machine's Node.js 20 and
 * npm cache), so nothing is pulled and nothing leaves the machine. Docker's layer cache makes rebuilds quick.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const BASE_SCRIPT = fileURLToPath(new URL('./build-base-images.sh', import.meta.url));
const BUILD_TIMEOUT_MS = 20 * 60_000;

export interface BaseImages {
  /** BASE_IMAGE of the Dockerfile: glibc + /nodejs/bin/node. */
  runtime: string;
  /** BUILD_IMAGE: Node.js, npm, compilers, an offline npm cache. */
  build: string;
}

/** Runs a command with stderr passed through (progress), resolving with stdout; rejects on a non-zero exit. */
function runWithProgress(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'], timeout: BUILD_TIMEOUT_MS });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`${command} ${args.join(' ')} failed (code ${code}, signal ${signal}): ${stdout.slice(-2000)}`));
    });
  });
}

export async function ensureBaseImages(): Promise<BaseImages> {
  const last = (await runWithProgress('bash', [BASE_SCRIPT])).trim().split('\n').pop() ?? '';
  const [runtime, build] = last.split(' ');
  if (runtime === undefined || build === undefined) throw new Error(`build-base-images.sh printed no image names: ${last}`);
  return { runtime, build };
}

/**
 * Builds the Dockerfile on the local bases with no network, tagged `virtfleet-operator:test-<hash>`
 * (a hash of the Dockerfile and the bases, so a different recipe never reuses a stale tag).
 */
export async function buildOperatorImage(bases: BaseImages): Promise<string> {
  const hash = createHash('sha256').update(readFileSync(`${REPO}/Dockerfile`)).update(`${bases.runtime} ${bases.build}`).digest('hex').slice(0, 12);
  const tag = `virtfleet-operator:test-${hash}`;
  await runWithProgress('docker', [
    'build', '--network', 'none', '--build-arg', `BASE_IMAGE=${bases.runtime}`, '--build-arg', `BUILD_IMAGE=${bases.build}`, '--tag', tag, '--quiet', '.',
  ]);
  return tag;
}

export async function docker(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('docker', args, { maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? String(error) };
  }
}
