/**
 * [REQ-01][REQ-03] Step "domain": the libvirt domain of the VM, found by its UUID (the VM's uid), defined with
 * virtfleet's owner metadata when missing. A domain of the same name without that mark is never touched: define
 * refuses it (DomainNotOwnedError, terminal). The persistent definition is compared with the desired one
 * (domain-drift.ts) and redefined when it differs, except while the guest runs a definition older than the VM's
 * generation: then a spec change waits for the next start (RestartRequired) and the domain stays untouched.
 */
import type { VirtualMachine } from '../../api/v1alpha1/virtual-machine.js';
import type { DomainSpec } from '../../libvirt/domain-spec.js';
import { buildDomainXml } from '../../libvirt/domain-xml.js';
import type { AuditedCallOptions } from '../../libvirt/libvirt-audit.js';
import { DomainNotOwnedError, isLibvirtNotFound } from '../../libvirt/libvirt-error.js';
import { DomainXmlFlags, type DomainState } from '../../libvirt/operations/domain-operations.js';
import { parseDomainXml, type ParsedDomain } from '../../libvirt/parse-domain-xml.js';
import type { DomainRef } from '../../libvirt/rpc/remote-types.js';
import { configDrift, restartRequired } from './domain-drift.js';
import type { VmHost } from './vm-host.js';

export interface DomainResult {
  ref: DomainRef;
  state: DomainState;
  /** The running guest's definition; undefined while it is shut off. */
  live?: ParsedDomain;
  /** What the guest runs that the spec no longer says (memory, vcpus); applied at its next start. */
  restartRequired: string[];
  /** Out-of-band changes this pass undid, or 'domain was undefined' when it had to be defined again. */
  repaired: string[];
  /** Defined for the first time (or again) in this pass. */
  defined: boolean;
}

async function findByUuid(host: VmHost, uuid: string): Promise<DomainRef | undefined> {
  try {
    return await host.libvirt.domains.lookupByUuid(uuid);
  } catch (error) {
    if (isLibvirtNotFound(error)) return undefined;
    throw error;
  }
}

function isActive(state: DomainState): boolean {
  return state.state !== 'shutoff' && state.state !== 'crashed' && state.state !== 'nostate';
}

/** `knownBefore`: status.domainUUID was set, so a missing domain was removed behind our back. */
export async function ensureDomain(
  host: VmHost, vm: VirtualMachine, desired: DomainSpec, knownBefore: boolean, options: AuditedCallOptions,
): Promise<DomainResult> {
  const { domains } = host.libvirt;
  const found = await findByUuid(host, desired.uuid ?? '');
  if (found === undefined) {
    const ref = await domains.defineXml(buildDomainXml(desired), options);
    return { ref, state: await domains.getState(ref), restartRequired: [], repaired: knownBefore ? ['domain was undefined'] : [], defined: true };
  }
  const inactive = parseDomainXml(await domains.getXmlDesc(found, DomainXmlFlags.Inactive));
  if (inactive.owner?.uid !== desired.owner.uid) throw new DomainNotOwnedError(found.name);
  const state = await domains.getState(found);
  const active = isActive(state);
  const live = active ? parseDomainXml(await domains.getXmlDesc(found)) : undefined;
  const drift = configDrift(desired, inactive);
  const specChanged = inactive.owner.generation < (vm.metadata?.generation ?? 0);
  let repaired: string[] = [];
  if (drift.length > 0 && !(active && specChanged)) {
    await domains.defineXml(buildDomainXml(desired), options);
    if (!specChanged) repaired = drift;
  }
  const pending = live === undefined ? [] : restartRequired(desired, live);
  return { ref: found, state, ...(live === undefined ? {} : { live }), restartRequired: pending, repaired, defined: false };
}
