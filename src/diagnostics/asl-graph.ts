/**
 * Draws a state machine definition (ASL) as SVG, with the path one execution took: states entered are filled,
 * the state where it failed is red, and a ↻N badge counts the retried attempts of a state (their errors in its
 * tooltip). Pure string building: the console serves it, tests read it.
 */
import type { ExecutionPath } from './execution-path.js';

interface AslState {
  Type: string;
  Next?: string;
  Default?: string;
  End?: boolean;
  Choices?: Array<{ Next?: string }>;
  Catch?: Array<{ Next?: string; ErrorEquals?: string[] }>;
  ItemProcessor?: AslDefinition;
  Iterator?: AslDefinition;
}
interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
}

export interface GraphNode {
  name: string;
  type: string;
  layer: number;
  x: number;
  y: number;
  /** The Map state this one runs inside, if any. */
  parent?: string;
}
export interface GraphEdge {
  from: string;
  to: string;
  kind: 'next' | 'choice' | 'catch' | 'iteration';
}

const NODE_W = 170;
const NODE_H = 34;
const GAP_X = 24;
const GAP_Y = 30;

/**
 * Nodes in layers by their shortest distance from StartAt (a Map's inner states hang below the Map), edges for
 * Next, Default, Choices, Catch and Map iterations.
 *
 * @example
 * layoutAsl({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'B' }, B: { Type: 'Succeed' } } }).edges
 * // [{ from: 'A', to: 'B', kind: 'next' }]
 */
export function layoutAsl(definition: unknown): { nodes: GraphNode[]; edges: GraphEdge[]; width: number; height: number } {
  const def = definition as AslDefinition;
  const states = new Map<string, { state: AslState; parent?: string }>();
  const edges: GraphEdge[] = [];
  const collect = (d: AslDefinition, parent?: string) => {
    for (const [name, state] of Object.entries(d.States ?? {})) {
      states.set(name, { state, ...(parent ? { parent } : {}) });
      if (state.Next) edges.push({ from: name, to: state.Next, kind: 'next' });
      if (state.Default) edges.push({ from: name, to: state.Default, kind: 'choice' });
      for (const c of state.Choices ?? []) if (c.Next) edges.push({ from: name, to: c.Next, kind: 'choice' });
      for (const c of state.Catch ?? []) if (c.Next) edges.push({ from: name, to: c.Next, kind: 'catch' });
      const inner = state.ItemProcessor ?? state.Iterator;
      if (inner) {
        edges.push({ from: name, to: inner.StartAt, kind: 'iteration' });
        collect(inner, name);
      }
    }
  };
  collect(def);

  const layer = new Map<string, number>([[def.StartAt, 0]]);
  const queue = [def.StartAt];
  while (queue.length > 0) {
    const current = queue.shift()!;
    for (const e of edges) {
      if (e.from !== current || layer.has(e.to) || !states.has(e.to)) continue;
      layer.set(e.to, layer.get(current)! + 1);
      queue.push(e.to);
    }
  }
  let maxLayer = Math.max(0, ...layer.values());
  for (const name of states.keys()) if (!layer.has(name)) layer.set(name, ++maxLayer);

  const rows = new Map<number, string[]>();
  for (const [name, l] of layer) rows.set(l, [...(rows.get(l) ?? []), name]);
  const widest = Math.max(...[...rows.values()].map((r) => r.length));
  const width = widest * (NODE_W + GAP_X) + GAP_X;
  const nodes: GraphNode[] = [];
  for (const [l, names] of [...rows].sort((a, b) => a[0] - b[0])) {
    const rowWidth = names.length * (NODE_W + GAP_X) - GAP_X;
    names.forEach((name, i) => {
      const entry = states.get(name)!;
      nodes.push({
        name,
        type: entry.state.Type,
        layer: l,
        x: (width - rowWidth) / 2 + i * (NODE_W + GAP_X),
        y: GAP_Y + l * (NODE_H + GAP_Y),
        ...(entry.parent ? { parent: entry.parent } : {}),
      });
    });
  }
  const height = GAP_Y + (Math.max(...nodes.map((n) => n.layer)) + 1) * (NODE_H + GAP_Y);
  return { nodes, edges, width, height };
}

/** The definition as SVG, the execution's path on it when given. */
export function renderAslSvg(definition: unknown, path?: Pick<ExecutionPath, 'states' | 'visited' | 'failures' | 'end'>): string {
  const { nodes, edges, width, height } = layoutAsl(definition);
  const at = new Map(nodes.map((n) => [n.name, n]));
  const visited = new Set(path?.visited ?? []);
  const order = (path?.states ?? []).map((s) => s.name);
  const taken = (from: string, to: string) => {
    const i = order.indexOf(from);
    return i >= 0 && order.indexOf(to, i + 1) > i;
  };
  const failedHere = new Set((path?.failures ?? []).filter((f) => !f.retried).map((f) => f.state));
  const lastState = order.at(-1);

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="asl-graph" width="100%" style="max-width:${width}px" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#94a3b8"/></marker>',
    '<marker id="arrow-taken" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#0f766e"/></marker></defs>',
  );
  for (const e of edges) {
    const a = at.get(e.from);
    const b = at.get(e.to);
    if (!a || !b) continue;
    const isTaken = taken(e.from, e.to);
    const x1 = a.x + NODE_W / 2;
    const y1 = a.y + NODE_H;
    const x2 = b.x + NODE_W / 2;
    const y2 = b.y;
    const d = y2 > y1 ? `M${x1},${y1} C${x1},${y1 + GAP_Y / 1.5} ${x2},${y2 - GAP_Y / 1.5} ${x2},${y2}` : `M${a.x + NODE_W},${a.y + NODE_H / 2} C${a.x + NODE_W + 60},${a.y} ${b.x + NODE_W + 60},${b.y + NODE_H} ${b.x + NODE_W},${b.y + NODE_H / 2}`;
    parts.push(
      `<path class="edge ${e.kind}${isTaken ? ' taken' : ''}" data-from="${esc(e.from)}" data-to="${esc(e.to)}" d="${d}" fill="none" stroke="${isTaken ? '#0f766e' : '#cbd5e1'}" stroke-width="${isTaken ? 2.5 : 1.2}"${e.kind === 'catch' || e.kind === 'iteration' ? ' stroke-dasharray="5,4"' : ''} marker-end="url(#${isTaken ? 'arrow-taken' : 'arrow'})"/>`,
    );
  }
  for (const n of nodes) {
    const wasVisited = visited.has(n.name);
    const failed = wasVisited && (failedHere.has(n.name) || (n.type === 'Fail' && n.name === lastState));
    const retries = (path?.failures ?? []).filter((f) => f.state === n.name && f.retried);
    const fill = failed ? '#fee2e2' : wasVisited ? '#ccfbf1' : '#ffffff';
    const stroke = failed ? '#b91c1c' : wasVisited ? '#0f766e' : '#94a3b8';
    const count = order.filter((s) => s === n.name).length;
    const tooltip = [
      `${n.name} (${n.type}${n.parent ? ` in ${n.parent}` : ''})`,
      ...(path?.failures ?? []).filter((f) => f.state === n.name).map((f) => `attempt ${f.attempt}: ${f.error}${f.retried ? ' (retried)' : ''}`),
    ].join('\n');
    parts.push(
      `<g class="state${wasVisited ? ' visited' : ''}${failed ? ' failed' : ''}" data-state="${esc(n.name)}" data-type="${esc(n.type)}" data-retries="${retries.length}">`,
      `<title>${esc(tooltip)}</title>`,
      `<rect x="${n.x}" y="${n.y}" width="${NODE_W}" height="${NODE_H}" rx="${n.type === 'Choice' ? 17 : 6}" fill="${fill}" stroke="${stroke}" stroke-width="${wasVisited ? 2 : 1}"${n.parent ? ' stroke-dasharray="3,2"' : ''}/>`,
      `<text x="${n.x + NODE_W / 2}" y="${n.y + NODE_H / 2 + 4}" text-anchor="middle" fill="#0f172a">${esc(n.name)}${count > 1 ? ` ×${count}` : ''}</text>`,
    );
    if (retries.length > 0) {
      parts.push(
        `<g class="retry-badge"><circle cx="${n.x + NODE_W - 2}" cy="${n.y + 2}" r="11" fill="#f59e0b"/><text x="${n.x + NODE_W - 2}" y="${n.y + 6}" text-anchor="middle" font-size="10" fill="#fff">↻${retries.length}</text></g>`,
      );
    }
    parts.push('</g>');
  }
  parts.push('</svg>');
  return parts.join('\n');
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
