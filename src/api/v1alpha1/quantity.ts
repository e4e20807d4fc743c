/**
 * [REQ-01] Kubernetes quantities (`512Mi`, `2Gi`, `1G`, `1e9`, plain integers) to bytes, parsed once at the edge:
 * callers carry the number. A value that is not a whole, positive, safe number of bytes is an InvalidSpecError
 * naming the field.
 */
import { InvalidSpecError } from '../../errors/invalid-spec-error.js';
import type { Quantity } from './meta.js';

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
const QUANTITY = /^\+?(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[kMGTPE]|[eE]\+?\d+)?$/;

export function quantityToBytes(field: string, quantity: Quantity): number {
  const text = String(quantity).trim();
  const match = QUANTITY.exec(text);
  if (match === null) throw new InvalidSpecError(field, `'${text}' is not a quantity such as 512Mi or 2Gi`);
  const [, digits = '', suffix = ''] = match;
  const factor = BINARY[suffix] ?? DECIMAL[suffix] ?? 10 ** Number(suffix.slice(1).replace('+', ''));
  const bytes = Number(digits) * factor;
  if (!Number.isSafeInteger(bytes) || bytes < 1) throw new InvalidSpecError(field, `'${text}' is not a whole, positive number of bytes`);
  return bytes;
}
