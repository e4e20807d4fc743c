/**
 * [REQ-01][REQ-05] The cluster side of `virtfleet host add-local`: the Namespace of the Secret, the Secret of
 * type kubernetes.io/ssh-auth holding the login key, and the cluster-scoped Host. Each is created when missing
 * and written only when it differs from what is wanted (fields the command does not own are kept), so a re-run
 * changes no resourceVersion.
 */
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { isDeepStrictEqual } from 'node:util';
import { GROUP, VERSION } from '../api/v1alpha1/group.js';
import type { HostSpec } from '../api/v1alpha1/host.js';
import { PRIVATE_KEY_FIELD } from '../hosts/host-credentials.js';
import { SSH_AUTH_SECRET_TYPE } from '../hosts/watch-keys.js';

export type WriteOutcome = 'created' | 'updated' | 'unchanged';

interface HostObject {
  apiVersion: string;
  kind: 'Host';
  metadata: { name: string; resourceVersion?: string; labels?: Record<string, string> };
  spec: HostSpec;
}

const HOST_API = { group: GROUP, version: VERSION, plural: 'hosts' };
export const LOCAL_HOST_LABEL = 'virtfleet.io/local-host';

function isNotFound(error: unknown): boolean {
  return (error as { code?: number }).code === 404;
}

async function readOptional<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export class LocalHostObjects {
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;

  constructor(kubeConfig: KubeConfig) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.custom = kubeConfig.makeApiClient(CustomObjectsApi);
  }

  async ensureNamespace(name: string): Promise<void> {
    if ((await readOptional(() => this.core.readNamespace({ name }))) !== undefined) return;
    try {
      await this.core.createNamespace({ body: { metadata: { name } } });
    } catch (error) {
      if ((error as { code?: number }).code !== 409) throw error;
    }
  }

  /** The private key stored in the Secret, if there is one of the right type. */
  async readPrivateKey(namespace: string, name: string): Promise<string | undefined> {
    const secret = await readOptional(() => this.core.readNamespacedSecret({ namespace, name }));
    const encoded = secret?.type === SSH_AUTH_SECRET_TYPE ? secret.data?.[PRIVATE_KEY_FIELD] : undefined;
    return encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8');
  }

  async ensureSecret(namespace: string, name: string, privateKey: string): Promise<WriteOutcome> {
    const data = { [PRIVATE_KEY_FIELD]: Buffer.from(privateKey).toString('base64') };
    const live = await readOptional(() => this.core.readNamespacedSecret({ namespace, name }));
    const wanted: V1Secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace, labels: { [LOCAL_HOST_LABEL]: 'true' } }, type: SSH_AUTH_SECRET_TYPE, data };
    if (live === undefined) {
      await this.core.createNamespacedSecret({ namespace, body: wanted });
      return 'created';
    }
    if (live.type === SSH_AUTH_SECRET_TYPE && isDeepStrictEqual(live.data, data)) return 'unchanged';
    if (live.type !== SSH_AUTH_SECRET_TYPE) {
      // A Secret's type is immutable: replace the object.
      await this.core.deleteNamespacedSecret({ namespace, name });
      await this.core.createNamespacedSecret({ namespace, body: wanted });
    } else {
      await this.core.replaceNamespacedSecret({ namespace, name, body: { ...live, data } });
    }
    return 'updated';
  }

  async ensureHost(name: string, spec: HostSpec): Promise<WriteOutcome> {
    const live = (await readOptional(() => this.custom.getClusterCustomObject({ ...HOST_API, name }))) as HostObject | undefined;
    if (live === undefined) {
      const body: HostObject = { apiVersion: `${GROUP}/${VERSION}`, kind: 'Host', metadata: { name, labels: { [LOCAL_HOST_LABEL]: 'true' } }, spec };
      await this.custom.createClusterCustomObject({ ...HOST_API, body });
      return 'created';
    }
    const liveSpec = live.spec as unknown as Record<string, unknown>;
    const owned = Object.fromEntries(Object.keys(spec).map((key) => [key, liveSpec[key]]));
    if (isDeepStrictEqual(owned, { ...spec })) return 'unchanged';
    await this.custom.replaceClusterCustomObject({ ...HOST_API, name, body: { ...live, spec: { ...live.spec, ...spec } } });
    return 'updated';
  }
}
