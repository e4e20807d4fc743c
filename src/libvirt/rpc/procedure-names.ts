/** [REQ-03] Readable names of remote procedures, for error messages and logs. */
import { RemoteProcedure } from './protocol-constants.js';

const NAMES = new Map<number, string>(Object.entries(RemoteProcedure).map(([name, number]) => [number, name]));

export function procedureName(procedure: number): string {
  return NAMES.get(procedure) ?? `procedure ${procedure}`;
}
