/**
 * [REQ-01] Finds what a broken YAML file left open, so that a configuration message can point at the line and
 * key where it opened instead of where js-yaml gave up (`maxSessionsPerHost: [8` on line 7 makes js-yaml
 * complain about line 8). A small scanner walks the text once: flow lists `[` and mappings `{`, and quoted
 * strings; it treats `[`, `{` and quotes as openers only where YAML does (at the start of a value in block
 * context, at the start of an entry in flow context), skips comments, and reports the outermost opener still
 * open at the end of the text, with the block-mapping keys above it.
 */

export type UnclosedKind = 'list' | 'mapping' | 'quoted string';

export interface Unclosed {
  kind: UnclosedKind;
  /** The opening character: `[`, `{`, `"` or `'`. */
  opener: string;
  /** 1-based line and column of the opener. */
  line: number;
  column: number;
  /** Block-mapping keys leading to the opener, e.g. ['algorithms', 'ciphers']; empty at the top level. */
  keyPath: string[];
}

interface Opener {
  char: string;
  offset: number;
}

const CLOSERS: Readonly<Record<string, string>> = { '[': ']', '{': '}' };

/** The outermost flow collection or quoted string that the text never closes; undefined when all are closed. */
export function findUnclosed(text: string): Unclosed | undefined {
  const flow: Opener[] = [];
  let quote: Opener | undefined;
  let valueStart = true;
  for (let offset = 0; offset < text.length; offset += 1) {
    const char = text[offset] as string;
    if (quote !== undefined) {
      if (char === '\\' && quote.char === '"') offset += 1;
      else if (char === quote.char) {
        if (quote.char === "'" && text[offset + 1] === "'") offset += 1;
        else quote = undefined;
      }
      continue;
    }
    if (char === '#' && (offset === 0 || /\s/.test(text[offset - 1] as string))) {
      const end = text.indexOf('\n', offset);
      offset = end < 0 ? text.length : end - 1;
      continue;
    }
    if (char === '\n' || char === ' ' || char === '\t' || char === '\r') {
      if (char === '\n' && flow.length === 0) valueStart = true;
      continue;
    }
    if (valueStart && (char === '"' || char === "'")) {
      quote = { char, offset };
      valueStart = false;
      continue;
    }
    if ((valueStart || flow.length > 0) && (char === '[' || char === '{')) {
      flow.push({ char, offset });
      valueStart = true;
      continue;
    }
    if (flow.length > 0 && (char === ']' || char === '}')) {
      if (CLOSERS[flow.at(-1)?.char ?? ''] === char) flow.pop();
      valueStart = false;
      continue;
    }
    valueStart = isIndicator(text, offset, flow.length > 0);
  }
  const opener = flow[0] ?? quote;
  if (opener === undefined) return undefined;
  const kind: UnclosedKind = opener.char === '[' ? 'list' : opener.char === '{' ? 'mapping' : 'quoted string';
  return { kind, opener: opener.char, ...lineAndColumn(text, opener.offset), keyPath: keyPathAt(text, opener.offset) };
}

/** True when the character ends a token after which a value may start: `:` or `-` then a space, or `,` in flow. */
function isIndicator(text: string, offset: number, inFlow: boolean): boolean {
  const char = text[offset];
  const next = text[offset + 1] ?? ' ';
  if (inFlow && (char === ',' || char === ':')) return true;
  return (char === ':' || char === '-' || char === '?') && /\s/.test(next);
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  let line = 1;
  for (let index = text.indexOf('\n'); index >= 0 && index < offset; index = text.indexOf('\n', index + 1)) line += 1;
  return { line, column: offset - lineStart + 1 };
}

const KEY_BEFORE = /^(\s*)(?:-\s+)*(["']?)([^\s#"'][^#]*?)\2\s*:\s*$/;
const PARENT_KEY = /^(\s*)(?:-\s+)*(["']?)([^\s#"'][^#]*?)\2\s*:\s*(?:#.*)?$/;

/** The key on the opener's line (text before it is `key:`) and the keys of the less indented lines above. */
function keyPathAt(text: string, offset: number): string[] {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const own = KEY_BEFORE.exec(text.slice(lineStart, offset));
  if (own === null) return [];
  const path = [own[3] as string];
  let indent = (own[1] as string).length;
  let end = lineStart - 1;
  while (indent > 0 && end > 0) {
    const start = text.lastIndexOf('\n', end - 1) + 1;
    const parent = PARENT_KEY.exec(text.slice(start, end));
    if (parent !== null && (parent[1] as string).length < indent) {
      path.unshift(parent[3] as string);
      indent = (parent[1] as string).length;
    }
    end = start - 1;
  }
  return path;
}
