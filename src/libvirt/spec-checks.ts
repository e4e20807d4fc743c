/**
 * [REQ-03] Field checks shared by the domain and storage XML builders; each throws InvalidSpecError (terminal)
 * naming the field, before any XML is written.
 */
import { InvalidSpecError } from '../errors/invalid-spec-error.js';

export function requireText(field: string, value: string | undefined): void {
  if (value === undefined || value.trim() === '') throw new InvalidSpecError(field, 'must not be empty');
}

/** libvirt object names (domains, volumes) become file names on the host, so they must not contain '/'. */
export function requireObjectName(field: string, value: string): void {
  requireText(field, value);
  if (value.includes('/')) throw new InvalidSpecError(field, "must not contain '/'");
}

export function requireAbsolutePath(field: string, value: string): void {
  if (!value.startsWith('/')) throw new InvalidSpecError(field, `'${value}' is not an absolute path`);
}

export function requirePositiveInteger(field: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new InvalidSpecError(field, `${value} is not a positive integer`);
}
