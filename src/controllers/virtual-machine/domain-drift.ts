/**
 * [REQ-01][REQ-03] What differs between the domain a VM should be and the one on the host, as pure functions:
 * `configDrift` compares the persistent definition (memory, vCPUs, disk sources), `restartRequired` the live
 * guest (memory and vCPUs take effect only at its next start). Each difference is a sentence for Events.
 */
import type { DomainSpec } from '../../libvirt/domain-spec.js';
import type { ParsedDomain } from '../../libvirt/parse-domain-xml.js';
import { bytesToKiB } from '../../libvirt/units.js';

function mib(bytes: number): string {
  return `${Math.round(bytes / 2 ** 20)}Mi`;
}

function resourceDrift(desired: DomainSpec, actual: ParsedDomain): string[] {
  const drift: string[] = [];
  const memoryBytes = bytesToKiB(desired.memoryBytes) * 1024; // what libvirt stores: whole KiB, rounded up
  if (actual.memoryBytes !== memoryBytes) drift.push(`memory ${mib(actual.memoryBytes)} -> ${mib(memoryBytes)}`);
  if (actual.vcpus !== desired.vcpus) drift.push(`vcpus ${actual.vcpus} -> ${desired.vcpus}`);
  return drift;
}

export function configDrift(desired: DomainSpec, actual: ParsedDomain): string[] {
  const drift = resourceDrift(desired, actual);
  const want = desired.disks.map((disk) => disk.path).join(', ');
  const have = actual.disks.filter((disk) => disk.device === 'disk' || disk.device === 'cdrom').map((disk) => disk.source ?? '(none)').join(', ');
  if (want !== have) drift.push(`disks [${have}] -> [${want}]`);
  return drift;
}

export function restartRequired(desired: DomainSpec, live: ParsedDomain): string[] {
  return resourceDrift(desired, live);
}
