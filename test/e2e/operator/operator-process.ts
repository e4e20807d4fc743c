/**
 * [REQ-01] Runs `virtfleet run` as a child process (Node + tsx on the sources, exactly the CLI entry) for e2e
 * tests: collects its JSON log lines, finds the health address it bound, and stops it with a signal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('./virtfleet-cli.ts', import.meta.url));

export interface OperatorProcess {
  /** `host:port` of /metrics, /healthz, /readyz. */
  healthAddress: string;
  /** The operator's process id (its /proc entry, for benchmarks). */
  pid: number;
  /** Every stdout line so far (JSON logs, and audit records with sink stdout). */
  readonly lines: string[];
  readonly stderr: string;
  /** Sends `signal` and resolves with the exit code (rejects after `timeoutMs`). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

export interface OperatorProcessOptions {
  configDir: string;
  kubeconfig: string;
  podName: string;
  startTimeoutMs?: number;
}

export async function startOperatorProcess(options: OperatorProcessOptions): Promise<OperatorProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'run', '--config-dir', options.configDir], {
    env: { ...process.env, KUBECONFIG: options.kubeconfig, POD_NAME: options.podName, VIRTFLEET_CONFIG_DIR: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  let pending = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (pending + chunk).split('\n');
    pending = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const healthAddress = await waitForStart(child, lines, () => stderr, exited, options.startTimeoutMs ?? 60_000);
  return {
    healthAddress,
    pid: child.pid as number,
    lines,
    get stderr() {
      return stderr;
    },
    async stop(signal = 'SIGTERM', timeoutMs = 30_000) {
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

async function waitForStart(child: ChildProcess, lines: string[], stderr: () => string, exited: Promise<number | null>, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  for (;;) {
    for (const line of lines) {
      const entry = parseJson(line);
      if (entry?.message === 'operator started' && typeof entry.healthAddress === 'string') return entry.healthAddress;
    }
    if (exitCode !== undefined) throw new Error(`operator exited with ${exitCode} before starting: ${stderr()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`operator did not start within ${timeoutMs} ms: ${stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function parseJson(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
