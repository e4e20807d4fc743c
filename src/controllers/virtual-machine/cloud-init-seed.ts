/**
 * [REQ-01] Step "cloud-init seed": the NoCloud seed of spec.cloudInit (userData, or userDataSecretRef read from the
 * VM's namespace; networkData), as an ISO 9660 image built on the operator (nocloud-iso.ts) and uploaded into a
 * raw volume over the host's libvirt connection.
 *
 * Why on the operator and not on the host: a host needs nothing but SSH and libvirt (no genisoimage or
 * cloud-localds to install and keep in step), the user data (possibly a Secret) never appears on a command line
 * or in a temporary file on the host, the bytes travel on the connection that is already open (an audited volume
 * upload), and the builder is a pure function with unit tests. The volume's name carries a hash of the content:
 * changed data gets a new volume (old ones go with the VM), unchanged data is never uploaded again.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { ERROR_REASONS } from '../../api/v1alpha1/condition.js';
import type { VirtualMachine } from '../../api/v1alpha1/virtual-machine.js';
import { VIRTUAL_MACHINE_DEFAULTS } from '../../api/v1alpha1/virtual-machine.js';
import { OperatorError } from '../../errors/operator-error.js';
import type { AuditedCallOptions } from '../../libvirt/libvirt-audit.js';
import { isLibvirtNotFound } from '../../libvirt/libvirt-error.js';
import type { StoragePoolRef } from '../../libvirt/rpc/remote-types.js';
import { buildVolumeXml } from '../../libvirt/storage-xml.js';
import { buildNoCloudSeed } from './nocloud-iso.js';
import type { VmHost } from './vm-host.js';
import { seedVolumeName, uidOf } from './vm-names.js';

/** Reads one key of a Secret in the VM's namespace; undefined when the Secret or key is missing. */
export type SecretValueReader = (namespace: string, name: string, key: string) => Promise<string | undefined>;

/** The Secret named by spec.cloudInit.userDataSecretRef is missing; retried with backoff (it may be created later). */
export class UserDataNotFoundError extends OperatorError {
  readonly retryable = true;
  readonly reason = ERROR_REASONS.UserDataNotFound;
}

async function userDataOf(vm: VirtualMachine, readSecret: SecretValueReader): Promise<string> {
  const cloudInit = vm.spec.cloudInit ?? {};
  const ref = cloudInit.userDataSecretRef;
  if (ref === undefined) return cloudInit.userData ?? '';
  const namespace = vm.metadata?.namespace ?? '';
  const key = ref.key ?? VIRTUAL_MACHINE_DEFAULTS.cloudInitUserDataKey;
  const value = await readSecret(namespace, ref.name, key);
  if (value === undefined) throw new UserDataNotFoundError(`spec.cloudInit.userDataSecretRef: Secret ${namespace}/${ref.name} with key '${key}' not found`);
  return value;
}

/** The seed's bytes for the VM, or undefined when it has no spec.cloudInit. */
export async function seedImageOf(vm: VirtualMachine, readSecret: SecretValueReader): Promise<Buffer | undefined> {
  const cloudInit = vm.spec.cloudInit;
  if (cloudInit === undefined) return undefined;
  const metaData = `instance-id: ${uidOf(vm)}\nlocal-hostname: ${vm.metadata?.name ?? ''}\n`;
  const networkConfig = cloudInit.networkData;
  return buildNoCloudSeed({ metaData, userData: await userDataOf(vm, readSecret), ...(networkConfig === undefined ? {} : { networkConfig }) });
}

/** The seed volume's path, uploading it first when it does not exist yet; undefined without spec.cloudInit. */
export async function ensureSeed(
  host: VmHost, vm: VirtualMachine, pool: StoragePoolRef, readSecret: SecretValueReader, options: AuditedCallOptions,
): Promise<string | undefined> {
  const image = await seedImageOf(vm, readSecret);
  if (image === undefined) return undefined;
  const name = seedVolumeName(uidOf(vm), createHash('sha256').update(image).digest('hex').slice(0, 16));
  try {
    return (await host.libvirt.storage.lookupVolumeByName(pool, name)).key;
  } catch (error) {
    if (!isLibvirtNotFound(error)) throw error;
  }
  const volume = await host.libvirt.storage.createVolumeXml(pool, buildVolumeXml({ name, capacityBytes: image.length, format: 'raw' }), options);
  try {
    await host.libvirt.storage.uploadVolume(volume, Readable.from([image]), {}, options);
  } catch (error) {
    // A half-written seed must not pass for a finished one on the next pass.
    await host.libvirt.storage.deleteVolume(volume, options).catch(() => undefined);
    throw error;
  }
  return volume.key;
}
