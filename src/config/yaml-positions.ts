/**
 * [REQ-01] Parses a YAML document and records where each key path starts, so configuration problems can name a
 * line and column. Positions come from js-yaml's `listener` option: every node is reported when it opens (with the
 * reader's line and offset) and when it closes (with its value), which rebuilds the node tree without re-reading
 * the text. Only the first POSITIONED_CHILDREN nodes inside each list or mapping are kept, so a hostile file with
 * millions of items costs no more memory than its parsed value.
 */
import { load } from 'js-yaml';
import { formatKeyPath, type KeyPathSegment } from './key-path.js';

/** 1-based line and column. */
export interface YamlPosition {
  line: number;
  column: number;
}

export interface PositionedYaml {
  document: unknown;
  /** Position of each key (for mapping entries) or item (for list entries), by formatted key path. */
  positions: ReadonlyMap<string, YamlPosition>;
}

/** Child nodes per list or mapping whose positions are recorded (a mapping entry is two: its key and its value). */
export const POSITIONED_CHILDREN = 40_000;

interface YamlNode {
  position: YamlPosition;
  value: unknown;
  children: YamlNode[];
}

/** Stands for a node past POSITIONED_CHILDREN and everything inside it: nothing is recorded for them. */
const UNRECORDED: YamlNode = { position: { line: 0, column: 0 }, value: undefined, children: [] };

/** Loads `text` (throws js-yaml's YAMLException on invalid YAML) and maps key paths to positions. */
export function loadYamlWithPositions(text: string, filename: string): PositionedYaml {
  const open: YamlNode[] = [];
  const root: YamlNode = { position: { line: 1, column: 1 }, value: undefined, children: [] };
  const document = load(text, {
    filename,
    listener(event, state) {
      if (event === 'open') {
        const parent = open.at(-1) ?? root;
        open.push(parent === UNRECORDED || parent.children.length >= POSITIONED_CHILDREN
          ? UNRECORDED
          : { position: { line: state.line + 1, column: state.position - state.lineStart + 1 }, value: undefined, children: [] });
        return;
      }
      const node = open.pop();
      if (node === undefined || node === UNRECORDED) return;
      node.value = state.result;
      (open.at(-1) ?? root).children.push(node);
    },
  });
  const positions = new Map<string, YamlPosition>();
  const top = root.children.at(-1);
  if (top !== undefined) recordPositions(top, [], positions);
  return { document, positions };
}

function recordPositions(node: YamlNode, path: KeyPathSegment[], positions: Map<string, YamlPosition>): void {
  const content = unwrap(node);
  if (Array.isArray(content.value)) {
    content.children.forEach((item, index) => {
      positions.set(formatKeyPath([...path, index]), item.position);
      recordPositions(item, [...path, index], positions);
    });
  } else if (isMapping(content.value)) {
    // Children of a mapping alternate key node, value node.
    for (let i = 0; i + 1 < content.children.length; i += 2) {
      const keyNode = content.children[i] as YamlNode;
      const valueNode = content.children[i + 1] as YamlNode;
      if (typeof keyNode.value !== 'string' && typeof keyNode.value !== 'number') continue;
      const entryPath = [...path, String(keyNode.value)];
      positions.set(formatKeyPath(entryPath), keyNode.position);
      recordPositions(valueNode, entryPath, positions);
    }
  }
}

/**
 * js-yaml sometimes composes a node by first trying to read it as an implicit mapping key, which nests a child node
 * holding the very same value (e.g. a list item `- {a: 1}`); the real content is that child.
 */
function unwrap(node: YamlNode): YamlNode {
  let content = node;
  while (content.children.length === 1 && content.children[0]?.value === content.value && typeof content.value === 'object') {
    content = content.children[0] as YamlNode;
  }
  return content;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
