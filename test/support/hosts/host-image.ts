/** [REQ-03] The test hypervisor host image: built once by build-image.sh (cached by recipe hash). */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const buildScript = fileURLToPath(new URL('./build-image.sh', import.meta.url));
const buildTimeoutMs = 15 * 60_000;

let imageName: Promise<string> | undefined;

/**
 * Returns the name of the host image, building it when missing (slow, once per recipe; progress on stderr).
 * The promise is shared, so concurrent callers wait for one build.
 */
export function ensureHostImage(): Promise<string> {
  imageName ??= runBuild().catch((error: unknown) => {
    imageName = undefined;
    throw error;
  });
  return imageName;
}

function runBuild(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [buildScript], {
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: buildTimeoutMs,
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const name = stdout.trim().split('\n').pop() ?? '';
      if (code === 0 && name.startsWith('virtfleet-testhost:')) resolve(name);
      else reject(new Error(`build-image.sh failed (code ${code}, signal ${signal}): ${stdout.slice(-500)}`));
    });
  });
}
