/**
 * [REQ-01][REQ-04] Step "bring the image": an image disk whose file is not in the chosen Host's cache gets it through
 * an ImageTransfer. For `source.image` {url, digest} the VM creates one ImageTransfer per disk, owned by the VM
 * (ownerReference, so deleting the VM deletes it), from the URL into that Host's cache; for `transferRef` it follows
 * the named ImageTransfer. Either way the VM waits (WaitingForImage) with the transfer's phase and progress in its
 * condition message, and boots from an overlay on the cache file once it is there. An existing transfer is never
 * changed (its spec is immutable): a second pass only reads it.
 */
import { API_VERSION } from '../../api/v1alpha1/group.js';
import type { ImageTransfer } from '../../api/v1alpha1/image-transfer.js';
import type { Disk, VirtualMachine } from '../../api/v1alpha1/virtual-machine.js';
import type { CustomResourceClient } from '../../controller/custom-resource-client.js';
import { isAlreadyExists } from '../../controller/api-errors.js';
import type { ReconcileRequest } from '../../controller/reconciler.js';

/** Label on the ImageTransfers a VM creates: the VM's name. */
export const IMAGE_TRANSFER_VM_LABEL = 'virtfleet.io/virtual-machine';

export interface ImageTransferRequests {
  /** The digest of a `transferRef` disk's image (undefined while the transfer is missing or names none). */
  digestOf(vm: VirtualMachine, disk: Disk): Promise<string | undefined>;
  /** Ensures the ImageTransfer that brings the disk's image to `host`; returns what the VM waits for. */
  request(vm: VirtualMachine, disk: Disk, host: string): Promise<string>;
}

/** `<vm>-<disk>-<uid prefix>`, within the 253 characters of a name. */
export function transferNameFor(vm: VirtualMachine, disk: Disk): string {
  const uid = (vm.metadata?.uid ?? '').replace(/-/g, '').slice(0, 8);
  return `${vm.metadata?.name ?? ''}-${disk.name}`.slice(0, 243).replace(/[^a-z0-9.-]/g, '-') + `-${uid}`;
}

function describe(transfer: ImageTransfer): string {
  const status = transfer.status ?? {};
  const complete = status.conditions?.find((c) => c.type === 'Complete');
  const failure = status.phase === 'Failed' && complete !== undefined ? `: ${complete.reason}: ${complete.message}` : '';
  return `ImageTransfer ${transfer.metadata?.name ?? ''} ${status.phase ?? 'Pending'} ${status.progress ?? '0%'}${status.rate ? ` at ${status.rate}` : ''}${status.eta ? `, ${status.eta} left` : ''}${failure}`;
}

export class ApiImageTransferRequests implements ImageTransferRequests {
  constructor(private readonly transfers: CustomResourceClient<ImageTransfer>) {}

  async digestOf(vm: VirtualMachine, disk: Disk): Promise<string | undefined> {
    const ref = disk.source.image?.transferRef;
    if (ref === undefined) return disk.source.image?.digest;
    return (await this.transfers.get(vm.metadata?.namespace, ref.name))?.spec.digest;
  }

  async request(vm: VirtualMachine, disk: Disk, host: string): Promise<string> {
    const image = disk.source.image ?? {};
    const namespace = vm.metadata?.namespace;
    if (image.transferRef !== undefined) {
      const referenced = await this.transfers.get(namespace, image.transferRef.name);
      if (referenced === undefined) return `disk ${disk.name}: ImageTransfer ${image.transferRef.name} (transferRef) does not exist`;
      const toHost = referenced.spec.destinations?.some((d) => d.host === host && d.path === undefined && d.pool === undefined) ?? referenced.spec.hostSelector !== undefined;
      return `disk ${disk.name}: ${describe(referenced)}${toHost ? '' : `; it does not copy to Host ${host}'s image cache`}`;
    }
    const name = transferNameFor(vm, disk);
    const existing = await this.transfers.get(namespace, name) ?? await this.create(vm, name, { url: image.url ?? '', digest: image.digest ?? '', host });
    return `disk ${disk.name}: ${describe(existing)}`;
  }

  private async create(vm: VirtualMachine, name: string, wanted: { url: string; digest: string; host: string }): Promise<ImageTransfer> {
    const transfer: ImageTransfer = {
      apiVersion: API_VERSION,
      kind: 'ImageTransfer',
      metadata: {
        name,
        namespace: vm.metadata?.namespace ?? '',
        labels: { [IMAGE_TRANSFER_VM_LABEL]: vm.metadata?.name ?? '' },
        ownerReferences: [{ apiVersion: vm.apiVersion ?? API_VERSION, kind: 'VirtualMachine', name: vm.metadata?.name ?? '', uid: vm.metadata?.uid ?? '', controller: true }],
      },
      spec: { source: { url: { url: wanted.url } }, digest: wanted.digest, destinations: [{ host: wanted.host }] },
    };
    try {
      return await this.transfers.create(transfer);
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
      return (await this.transfers.get(vm.metadata?.namespace, name)) ?? transfer;
    }
  }
}

/** The VMs waiting on a transfer: its owner VM, and the VMs whose disks name it in `transferRef`. */
export function vmsWaitingOn(transfer: ImageTransfer, vms: readonly VirtualMachine[]): ReconcileRequest[] {
  const namespace = transfer.metadata?.namespace ?? '';
  const owners = (transfer.metadata?.ownerReferences ?? []).filter((owner) => owner.kind === 'VirtualMachine').map((owner) => owner.name);
  const referencing = vms
    .filter((vm) => vm.metadata?.namespace === namespace && (vm.spec.disks ?? []).some((disk) => disk.source.image?.transferRef?.name === transfer.metadata?.name))
    .map((vm) => vm.metadata?.name ?? '');
  return [...new Set([...owners, ...referencing])].map((name) => ({ namespace, name }));
}
