/** [REQ-01] Key paths in configuration messages: dot notation, `[i]` for list items, e.g. `algorithms.ciphers[1]`. */

export type KeyPathSegment = string | number;

export function formatKeyPath(segments: readonly KeyPathSegment[]): string {
  return segments.reduce<string>((path, segment) => {
    if (typeof segment === 'number') return `${path}[${segment}]`;
    return path === '' ? segment : `${path}.${segment}`;
  }, '');
}

/**
 * Turns an ajv instance path (JSON pointer such as `/algorithms/ciphers/1`) into segments, reading `document`
 * alongside so that an index into a list becomes a number while a mapping key that looks like a number stays a
 * string.
 */
export function segmentsOfJsonPointer(pointer: string, document: unknown): KeyPathSegment[] {
  if (pointer === '') return [];
  const segments: KeyPathSegment[] = [];
  let node: unknown = document;
  for (const escaped of pointer.slice(1).split('/')) {
    const key = escaped.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(node)) {
      const index = Number(key);
      segments.push(index);
      node = node[index];
    } else {
      segments.push(key);
      node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined;
    }
  }
  return segments;
}
