/** [REQ-01] Runs `virtfleet standalone` as a child process (tsx on the CLI sources) and finds the URL it prints. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApiEndpoint } from '../apiserver/https-client.js';

const CLI = fileURLToPath(new URL('../../e2e/operator/virtfleet-cli.ts', import.meta.url));

export interface StandaloneProcess {
  endpoint: ApiEndpoint;
  child: ChildProcess;
  /** Resolves with the exit code, or the signal that ended the process. */
  exited: Promise<number | NodeJS.Signals | null>;
}

export async function startStandaloneProcess(dataDir: string, configDir: string, timeoutMs = 60_000): Promise<StandaloneProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'standalone', '--data-dir', dataDir, '--port', '0', '--config-dir', configDir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`standalone did not start within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      const match = /API server at (https:\/\/\S+),/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`standalone exited with ${code} before starting: ${stderr}`));
    });
  });
  const endpoint = { url, caPem: await readFile(join(dataDir, 'ca.crt'), 'utf8'), token: (await readFile(join(dataDir, 'token'), 'utf8')).trim() };
  return { endpoint, child, exited };
}
