/**
 * [REQ-01][REQ-05] A Secret's data read through the API and decoded to strings, or undefined when the Secret does
 * not exist (the caller names it in a condition). What the VM controller (cloud-init userDataSecretRef) and the
 * ImageTransfer controller (headersSecretRef) read; RBAC grants `get` on Secrets in the namespaces they watch.
 * The values are secrets: callers never log them.
 */
import { CoreV1Api, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { isNotFound } from './api-errors.js';

export type SecretDataReader = (namespace: string, name: string) => Promise<Record<string, string> | undefined>;

export function apiSecretDataReader(kubeConfig: KubeConfig): SecretDataReader {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  return async (namespace, name) => {
    let secret: V1Secret;
    try {
      secret = await core.readNamespacedSecret({ namespace, name });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
    return Object.fromEntries(Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
  };
}
