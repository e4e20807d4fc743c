/** [REQ-01] Shared pieces of the controller-runtime integration tests: test API server, kubeconfig, objects, waiting. */
import { CoreV1Api, KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { fileURLToPath } from 'node:url';
import type { ControllerConfig } from '../../../src/config/types.js';
import { CustomResourceClient } from '../../../src/controller/custom-resource-client.js';
import type { ResourceKind } from '../../../src/controller/resource-kind.js';
import { startTestApiServer, type TestApiServer } from '../../support/apiserver/index.js';

export const CRD_DIR = fileURLToPath(new URL('../../../crds', import.meta.url));

export const VIRTUAL_MACHINES: ResourceKind = { group: 'virtfleet.io', version: 'v1alpha1', plural: 'virtualmachines', kind: 'VirtualMachine', namespaced: true };

export interface VirtualMachineLike extends KubernetesObject {
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

export type RuntimeTestConfig = Pick<ControllerConfig, 'resyncPeriodSeconds' | 'leaderElection' | 'backoff'>;

/** Lease timings short enough for tests: 2 s lease, 1.5 s renew deadline, 0.25 s retry. */
export function testConfig(overrides: Partial<RuntimeTestConfig['leaderElection']> = {}): RuntimeTestConfig {
  return {
    resyncPeriodSeconds: 0,
    leaderElection: {
      enabled: true,
      leaseName: 'virtfleet-controller',
      leaseNamespace: 'virtfleet-system',
      leaseDurationSeconds: 2,
      renewDeadlineSeconds: 1.5,
      retryPeriodSeconds: 0.25,
      ...overrides,
    },
    backoff: { baseDelayMs: 5, maxDelayMs: 1000, globalQps: 10, globalBurst: 100 },
  };
}

export async function startServerWithNamespaces(...namespaces: string[]): Promise<{ server: TestApiServer; kubeConfig: KubeConfig }> {
  const server = await startTestApiServer({ crdDir: CRD_DIR });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(server.kubeconfigPath);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  for (const name of namespaces) await core.createNamespace({ body: { metadata: { name } } });
  return { server, kubeConfig };
}

export function virtualMachine(namespace: string, name: string): VirtualMachineLike {
  return {
    apiVersion: 'virtfleet.io/v1alpha1',
    kind: 'VirtualMachine',
    metadata: { namespace, name },
    spec: { runStrategy: 'Halted', cpu: { cores: 1 }, memory: '64Mi' },
  };
}

export function vmClient(kubeConfig: KubeConfig): CustomResourceClient<VirtualMachineLike> {
  return new CustomResourceClient<VirtualMachineLike>(kubeConfig, VIRTUAL_MACHINES);
}

/** Polls `condition` every 20 ms until it holds; fails after `timeoutMs`. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
