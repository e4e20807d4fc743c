/**
 * [REQ-01][REQ-05] `virtfleet host add-local`: makes this machine a virtfleet Host of the cluster in a kubeconfig
 * (standalone mode's by default). In order: sshd and libvirtd run (installed and started when asked to); the
 * login key comes from the Host's Secret or is made once; root's authorized_keys holds one tagged entry for it,
 * usable only from loopback and only for commands; the host keys are read from /etc/ssh and pinned; the Secret and
 * the Host (address 127.0.0.1) exist as wanted. Every step checks before it acts, so a re-run changes nothing.
 *
 * Why root and not a dedicated user in the libvirt group: membership of that group is root-equivalent (a domain
 * can use any file of the host as its disk), and the operator also writes the image cache and console logs, which
 * a dedicated user could only do through extra ownership rules or sudo. The restricted, loopback-only entry with
 * a key that lives only in the Secret narrows what the credential allows without pretending to less privilege.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { join } from 'node:path';
import type { HostSpec } from '../api/v1alpha1/host.js';
import { authorizedEntry, ensureAuthorizedEntry } from './authorized-entry.js';
import { generateLocalHostKey, publicKeyOf } from './local-host-key.js';
import { readLocalHostKeys } from './local-host-keys.js';
import { LocalHostObjects, type WriteOutcome } from './local-host-objects.js';
import { ensureLocalServices } from './local-services.js';

export const LOCAL_HOST_USER = 'root';

export interface AddLocalHostOptions {
  kubeConfig: KubeConfig;
  hostName: string;
  secretNamespace: string;
  sshPort: number;
  install: boolean;
  imageCacheDir?: string;
  /** root's home (/root); its .ssh/authorized_keys gets the entry. */
  homeDir?: string;
  sshConfigDir?: string;
  libvirtSocket?: string;
  log(line: string): void;
}

export interface AddLocalHostResult {
  started: string[];
  keyGenerated: boolean;
  authorizedKeysChanged: boolean;
  secret: WriteOutcome;
  host: WriteOutcome;
  hostKeys: string[];
}

export function localHostSecretName(hostName: string): string {
  return `${hostName}-ssh`;
}

export async function addLocalHost(options: AddLocalHostOptions): Promise<AddLocalHostResult> {
  const started = await ensureLocalServices({
    sshPort: options.sshPort,
    libvirtSocket: options.libvirtSocket ?? '/var/run/libvirt/libvirt-sock',
    install: options.install,
    log: options.log,
  });
  const objects = new LocalHostObjects(options.kubeConfig);
  const secretName = localHostSecretName(options.hostName);
  await objects.ensureNamespace(options.secretNamespace);

  const stored = await objects.readPrivateKey(options.secretNamespace, secretName);
  const storedPublic = stored === undefined ? undefined : publicKeyOf(stored);
  const key = stored !== undefined && storedPublic !== undefined ? { privateKey: stored, publicKey: storedPublic } : generateLocalHostKey();

  const authorizedKeys = join(options.homeDir ?? '/root', '.ssh', 'authorized_keys');
  const authorizedKeysChanged = await ensureAuthorizedEntry(authorizedKeys, authorizedEntry(key.publicKey, options.hostName), options.hostName);
  const hostKeys = await readLocalHostKeys(options.sshConfigDir);
  const secret = await objects.ensureSecret(options.secretNamespace, secretName, key.privateKey);

  const spec: HostSpec = {
    address: '127.0.0.1',
    port: options.sshPort,
    user: LOCAL_HOST_USER,
    credentialsSecretRef: { namespace: options.secretNamespace, name: secretName },
    hostKeys,
    ...(options.imageCacheDir === undefined ? {} : { imageCacheDir: options.imageCacheDir }),
  };
  const host = await objects.ensureHost(options.hostName, spec);
  return { started, keyGenerated: storedPublic === undefined, authorizedKeysChanged, secret, host, hostKeys };
}
