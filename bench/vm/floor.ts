/**
 * [REQ-03][REQ-06] The floor of `bench:vm`: what apply-to-Running cannot beat, the same define + start done
 * directly, (1) through virtfleet's libvirt RPC client on one persistent connection per host, every VM at once
 * with the same per-host bound of concurrent calls as the operator,
 * and (2) for reference with stock tools, `virsh define` + `virsh start` over `qemu+ssh` (one ssh connection per
 * command, OpenSSH with the host key pinned), one VM after the other. The domains have the operator's shape for a
 * VM without disks (1 vCPU, 64 MiB, no boot device) and a UUID that is no VM's uid, so the operator ignores them.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildDomainXml } from '../../src/libvirt/domain-xml.js';
import type { HostOperationSlots } from '../../src/hosts/host-operation-slots.js';
import type { LibvirtClient } from '../../src/libvirt/libvirt-client.js';
import { isLibvirtNotFound } from '../../src/libvirt/libvirt-error.js';
import type { OpenSshVirsh } from '../libvirt/openssh-virsh.js';
import { now } from './vm-watch.js';

export function floorDomainXml(name: string): string {
  // The owner mark lets the client change the domain; with no <uuid> libvirt picks one that is no VM's uid, so
  // the operator's event mapping ignores these domains.
  return buildDomainXml({
    name, type: 'qemu', machine: 'pc', vcpus: 1, memoryBytes: 64 * 1024 * 1024, firmware: 'bios', disks: [], interfaces: [],
    owner: { namespace: 'bench-floor', name, uid: '00000000-0000-4000-8000-00000000f100', generation: 1 },
  });
}

/** Every promise settled, then the first failure thrown (no rejection is left unhandled). */
async function settleAll<T>(promises: Array<Promise<T>>): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((outcome) => outcome.status === 'rejected');
  if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<T>).value);
}

/**
 * Defines and starts `count` domains spread over `clients` (VM i on client i % n), all issued at once, each call
 * bounded per host like the operator's (`slots`: the Hosts' maxConcurrentOperations); ms per VM from t0.
 */
export async function rpcFloor(clients: readonly LibvirtClient[], slots: HostOperationSlots, prefix: string, count: number): Promise<{ perVmMs: number[]; totalMs: number }> {
  const t0 = now();
  const perVmMs = await settleAll(Array.from({ length: count }, async (_, index) => {
    const client = clients[index % clients.length] as LibvirtClient;
    const host = `hv${index % clients.length}`;
    const domain = await slots.run(host, () => client.domains.defineXml(floorDomainXml(`${prefix}-${index}`)));
    await slots.run(host, () => client.domains.create(domain));
    return now() - t0;
  }));
  return { perVmMs, totalMs: Math.max(...perVmMs) };
}

/** Destroys and undefines the floor domains again. */
export async function removeFloor(clients: readonly LibvirtClient[], prefix: string, count: number): Promise<void> {
  await settleAll(Array.from({ length: count }, async (_, index) => {
    const client = clients[index % clients.length] as LibvirtClient;
    try {
      const domain = await client.domains.lookupByName(`${prefix}-${index}`);
      await client.domains.destroy(domain).catch(() => undefined);
      await client.domains.undefine(domain);
    } catch (error) {
      if (!isLibvirtNotFound(error)) throw error;
    }
  }));
}

/** `virsh define FILE` + `virsh start NAME` over qemu+ssh for each of `count` VMs in turn; ms per VM. */
export async function virshFloor(virsh: OpenSshVirsh, dir: string, prefix: string, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const name = `${prefix}-${index}`;
    const file = join(dir, `${name}.xml`);
    await writeFile(file, floorDomainXml(name));
    const start = now();
    for (const args of [['define', file], ['start', name]]) {
      const outcome = await virsh.virsh(args);
      if (outcome.code !== 0) throw new Error(`virsh ${args.join(' ')} failed: ${outcome.stderr}`);
    }
    samples.push(now() - start);
  }
  return samples;
}
