/**
 * [REQ-01] Standalone mode: the embedded API server (src/apiserver/, persisted in the data directory) and the
 * operator in one process. Installs the CRDs, creates the leader-election namespace, writes the kubeconfig
 * (0600) that kubectl and the operator use. `stop()` stops the operator first, then the server, so the
 * operator's last writes (lease release, status) are stored; starting again resumes with every object.
 */
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { startApiServer, type ApiServer } from '../apiserver/api-server.js';
import { writeKubeconfig } from '../apiserver/kubeconfig.js';
import type { VirtfleetConfig } from '../config/types.js';
import { startOperator, type RunningOperator } from '../main.js';
import { openDataDirectory } from './data-directory.js';

/** The CRDs shipped with virtfleet (crds/ next to src/ and dist/). */
export const PACKAGED_CRD_DIR = fileURLToPath(new URL('../../crds', import.meta.url));
export const DEFAULT_STANDALONE_PORT = 6443;

export interface StandaloneOptions {
  dataDir: string;
  /** Listen address of the API server (default 127.0.0.1). */
  host?: string;
  port?: number;
  config: VirtfleetConfig;
  identity: string;
  crdDir?: string;
  logDestination?: Writable;
}

export interface RunningStandalone {
  url: string;
  kubeconfigPath: string;
  stop(): Promise<void>;
}

async function ensureNamespace(kubeConfig: KubeConfig, name: string): Promise<void> {
  try {
    await kubeConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
  } catch (error) {
    if ((error as { code?: number }).code !== 409) throw error;
  }
}

export async function startStandalone(options: StandaloneOptions): Promise<RunningStandalone> {
  const host = options.host ?? '127.0.0.1';
  const data = await openDataDirectory(options.dataDir, host);
  const server: ApiServer = await startApiServer({
    certificates: data.certificates,
    token: data.token,
    host,
    port: options.port ?? DEFAULT_STANDALONE_PORT,
    databasePath: data.databasePath,
    crdDir: options.crdDir ?? PACKAGED_CRD_DIR,
  });
  let operator: RunningOperator;
  try {
    await writeKubeconfig(data.kubeconfigPath, server.url, data.certificates.caPem, data.token);
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(data.kubeconfigPath);
    const election = options.config.controller.leaderElection;
    if (election.enabled) await ensureNamespace(kubeConfig, election.leaseNamespace);
    operator = await startOperator({
      config: options.config,
      identity: options.identity,
      kubeConfig,
      ...(options.logDestination === undefined ? {} : { logDestination: options.logDestination }),
    });
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    url: server.url,
    kubeconfigPath: data.kubeconfigPath,
    stop: async () => {
      try {
        await operator.stop();
      } finally {
        await server.stop();
      }
    },
  };
}
