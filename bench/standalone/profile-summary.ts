/**
 * [REQ-06] Prints the functions with the most self time, and the src/ functions with the most inclusive time
 * (self plus callees), with their share of the samples, from a V8 .cpuprofile: `profile-summary.ts FILE [N]`.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
const profile = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
const limit = Number(process.argv[3] ?? 25);
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
const name = (node: ProfileNode): string => `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.replace(/^.*\/(node_modules|src)\//, '$1/')}`;

const self = new Map<string, number>();
const inclusive = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, index) => {
  const micros = profile.timeDeltas[index] ?? 0;
  total += micros;
  self.set(name(byId.get(id)!), (self.get(name(byId.get(id)!)) ?? 0) + micros);
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const node = byId.get(at)!;
    if (!node.callFrame.url.includes('/src/')) continue;
    seen.add(name(node));
  }
  for (const key of seen) inclusive.set(key, (inclusive.get(key) ?? 0) + micros);
});
const print = (title: string, table: Map<string, number>): void => {
  console.log(title);
  for (const [key, micros] of [...table.entries()].sort((a, b) => b[1] - a[1]).slice(0, limit)) {
    console.log(`${((100 * micros) / total).toFixed(1).padStart(5)}%  ${(micros / 1000).toFixed(0).padStart(6)} ms  ${key}`);
  }
};
print('self time', self);
print('\ninclusive time, src/ functions', inclusive);
