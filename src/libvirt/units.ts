/**
 * [REQ-03] libvirt's scaled integers (`<memory unit='MiB'>`, `<capacity unit='bytes'>`) to and from bytes, with
 * libvirt's own unit names: b/byte/bytes, k/KiB (1024), KB (1000), and so on up to E/EiB and EB; case-insensitive.
 */
import { LibvirtXmlError } from './libvirt-xml-error.js';

const SCALE_LETTERS = ['k', 'm', 'g', 't', 'p', 'e'];
const BYTE_UNITS = new Set(['b', 'byte', 'bytes']);

function unitFactor(unit: string): bigint | undefined {
  const lower = unit.toLowerCase();
  if (BYTE_UNITS.has(lower)) return 1n;
  const power = SCALE_LETTERS.indexOf(lower.charAt(0)) + 1;
  if (power === 0) return undefined;
  const suffix = lower.slice(1);
  if (suffix === '' || suffix === 'ib') return 1024n ** BigInt(power);
  if (suffix === 'b') return 1000n ** BigInt(power);
  return undefined;
}

/**
 * Converts `value` in `unit` (or `defaultUnit` when the attribute is absent) to bytes. `where` names the element in
 * errors. Sizes beyond Number.MAX_SAFE_INTEGER bytes (8 PiB) are rejected rather than rounded.
 */
export function scaledToBytes(value: string, unit: string | undefined, defaultUnit: string, where: string): number {
  const effectiveUnit = unit ?? defaultUnit;
  const factor = unitFactor(effectiveUnit);
  if (factor === undefined) throw new LibvirtXmlError(where, `unknown unit '${effectiveUnit}'`);
  if (!/^\d+$/.test(value)) throw new LibvirtXmlError(where, `'${value}' is not a non-negative integer`);
  const bytes = BigInt(value) * factor;
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) throw new LibvirtXmlError(where, `${value} ${effectiveUnit} is too large`);
  return Number(bytes);
}

/** Bytes to KiB for `<memory unit='KiB'>`, rounded up so a guest never gets less than asked for. */
export function bytesToKiB(bytes: number): number {
  return Math.ceil(bytes / 1024);
}
