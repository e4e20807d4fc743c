/**
 * [REQ-01] Where the kubectl behaviour tests run: a real cluster when KUBECONFIG is set in the environment (the
 * CRDs from crds/ are applied first), otherwise the in-process test API server loaded with crds/.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApiServer, type TestApiServer } from '../../support/apiserver/index.js';
import { kubectl, type KubectlOptions, type KubectlResult } from '../../support/kubectl.js';

export interface KubectlTarget {
  namespace: string;
  /** Runs kubectl against the target with a fresh --cache-dir per call site's test. */
  run(args: string[], options?: Partial<KubectlOptions>): Promise<KubectlResult>;
  /** Gives the current test its own kubectl cache directory. */
  newCacheDir(): Promise<void>;
  close(): Promise<void>;
}

export async function openKubectlTarget(): Promise<KubectlTarget> {
  const external = process.env.KUBECONFIG;
  let server: TestApiServer | undefined;
  let kubeconfig: string;
  if (external !== undefined && external !== '') kubeconfig = external;
  else {
    server = await startTestApiServer({ crdDir: 'crds' });
    kubeconfig = server.kubeconfigPath;
  }
  const cacheRoot = await mkdtemp(join(tmpdir(), 'virtfleet-kubectl-cache-'));
  let cacheDir = cacheRoot;
  let cacheCount = 0;
  const run = (args: string[], options: Partial<KubectlOptions> = {}): Promise<KubectlResult> => kubectl(args, { kubeconfig, cacheDir, ...options });
  if (server === undefined) {
    const applied = await run(['apply', '--server-side', '-f', 'crds/']);
    if (applied.code !== 0) throw new Error(`applying crds/ failed: ${applied.stderr}`);
    await run(['wait', '--for=condition=Established', '--timeout=60s', '-f', 'crds/']);
  }
  const namespace = `vf-e2e-${randomBytes(3).toString('hex')}`;
  const manifest = JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  const created = await run(['apply', '-f', '-'], { stdin: manifest });
  if (created.code !== 0) throw new Error(`creating namespace failed: ${created.stderr}`);
  return {
    namespace,
    run: (args, options) => run(['--namespace', namespace, ...args], options),
    newCacheDir: async () => {
      cacheCount += 1;
      cacheDir = join(cacheRoot, String(cacheCount));
    },
    close: async () => {
      await run(['delete', 'namespace', namespace, '--wait=false']);
      await server?.stop();
      await rm(cacheRoot, { recursive: true, force: true });
    },
  };
}
