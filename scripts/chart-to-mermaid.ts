// Draws the recovery chart as a Mermaid stateDiagram-v2 straight from the machine definition, so the
// picture in README.md cannot drift from the code (test/machines/chart-diagram.test.ts checks that it didn't).
// `npx tsx scripts/chart-to-mermaid.ts` prints the diagram; `--write README.md` refreshes the marked block.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from 'xstate';
import { recoveryMachine } from '../machines/recovery.machine.js';

export const CHART_START = '<!-- chart:start -->';
export const CHART_END = '<!-- chart:end -->';

export interface ChartToMermaidOptions {
  /**
   * Event types whose targetless transitions are left out: they only update context (TICK moves the
   * clock) and would draw a self-loop on every state. Their targeted branches (TICK → timedOut) stay.
   */
  quietEvents?: readonly string[];
}

// Words the Mermaid state grammar treats as keywords at the start of a token; a state id must not be one.
const mermaidKeywords = new Set(['default', 'state', 'note', 'class', 'classdef', 'direction', 'scale', 'hide']);

const INDENT = '  ';

interface Edge {
  from: string;
  to: string;
  labels: string[];
}

/** Where a line is written: Mermaid puts a state into the last composite block that mentions it. */
type Scope = AnyStateNode;

export function chartToMermaid(machine: AnyStateMachine, options: ChartToMermaidOptions = {}): string {
  const quietEvents = new Set(options.quietEvents ?? ['TICK']);
  const root = machine.root;
  const nodes = descendants(root);

  const ids = new Map<AnyStateNode, string>();
  const keyCounts = new Map<string, number>();
  for (const node of nodes) keyCounts.set(node.key, (keyCounts.get(node.key) ?? 0) + 1);
  const taken = new Set<string>();
  for (const node of nodes) {
    const preferred = keyCounts.get(node.key) === 1 ? node.key : node.path.join('_');
    ids.set(node, uniqueId(preferred, taken));
  }
  // A composite's own transitions into its children start from an "any step" node inside it: Mermaid
  // cannot draw an edge from a composite box to a state within that box.
  const aliases = new Map<AnyStateNode, string>();
  const aliasOf = (node: AnyStateNode): string => {
    let alias = aliases.get(node);
    if (!alias) {
      alias = uniqueId(`${node === root ? sanitize(root.id) : ids.get(node)!}_any`, taken);
      aliases.set(node, alias);
    }
    return alias;
  };

  // Parallel transitions between the same two drawn nodes share one edge, labels in chart order.
  const edges = new Map<Scope, Map<string, Edge>>();
  const addEdge = (scope: Scope, from: string, to: string, label: string) => {
    const inScope = edges.get(scope) ?? new Map<string, Edge>();
    edges.set(scope, inScope);
    const key = `${from}\u0000${to}`;
    const edge = inScope.get(key) ?? { from, to, labels: [] };
    if (!edge.labels.includes(label)) edge.labels.push(label);
    inScope.set(key, edge);
  };
  // The composite block a drawn node sits in (the root stands for the top level).
  const scopeOf = (node: AnyStateNode): Scope => node.parent ?? root;

  for (const source of [root, ...nodes]) {
    for (const transition of transitionsOf(source)) {
      const label = transitionLabel(source, transition);
      const targets = transition.target ?? [];
      if (targets.length === 0) {
        if (quietEvents.has(transition.eventType)) continue;
        const self = isLeaf(source) ? ids.get(source)! : aliasOf(source);
        addEdge(isLeaf(source) ? scopeOf(source) : source, self, self, label);
        continue;
      }
      for (const target of targets) {
        const inward = target !== source && isDescendantOf(target, source);
        const from = inward ? aliasOf(source) : ids.get(source)!;
        const fromScope = inward ? source : scopeOf(source);
        const scope = fromScope === scopeOf(target) ? fromScope : root;
        addEdge(scope, from, ids.get(target)!, label);
      }
    }
  }

  const lines: string[] = ['stateDiagram-v2'];
  const writeScope = (scope: AnyStateNode, depth: number) => {
    const pad = INDENT.repeat(depth);
    const initial = scope.initial?.target ?? [];
    for (const child of initial) lines.push(`${pad}[*] --> ${ids.get(child)!}`);
    const alias = aliases.get(scope);
    if (alias) lines.push(`${pad}state "${scope === root ? '(any state)' : '(any step)'}" as ${alias}`);
    for (const child of Object.values(scope.states) as AnyStateNode[]) {
      const id = ids.get(child)!;
      if (child.type === 'history') {
        lines.push(`${pad}state "${child.history === 'deep' ? 'H*' : 'H'}" as ${id}`);
      } else if (isLeaf(child)) {
        if (id !== child.key) lines.push(`${pad}state "${child.key}" as ${id}`);
        // A description line also declares the state; a bare id declares one without a description.
        if (child.invoke.length) lines.push(`${pad}${id} : invoke ${child.invoke.map(invokeName).join(', ')}`);
        else if (id === child.key) lines.push(`${pad}${id}`);
      } else {
        lines.push(`${pad}state ${id} {`);
        writeScope(child, depth + 1);
        lines.push(`${pad}}`);
      }
    }
    for (const edge of edges.get(scope)?.values() ?? []) {
      lines.push(`${pad}${edge.from} --> ${edge.to} : ${edge.labels.join(', ')}`);
    }
    for (const child of Object.values(scope.states) as AnyStateNode[]) {
      if (child.type === 'final') lines.push(`${pad}${ids.get(child)!} --> [*]`);
    }
  };
  writeScope(root, 1);
  return `${lines.join('\n')}\n`;
}

/** The fenced block that sits between the README markers. */
export function chartBlock(diagram: string): string {
  return `\`\`\`mermaid\n${diagram.endsWith('\n') ? diagram : `${diagram}\n`}\`\`\``;
}

/** What is between the markers today (trimmed), or null when the README has no markers yet. */
export function readChartBlock(readme: string): string | null {
  const start = readme.indexOf(CHART_START);
  const end = readme.indexOf(CHART_END, start + CHART_START.length);
  if (start === -1 || end === -1) return null;
  return readme.slice(start + CHART_START.length, end).replace(/\r\n/g, '\n').trim();
}

export function replaceChartBlock(readme: string, diagram: string): string {
  const start = readme.indexOf(CHART_START);
  const end = readme.indexOf(CHART_END, start + CHART_START.length);
  if (start === -1 || end === -1) {
    throw new Error(`no "${CHART_START}" … "${CHART_END}" markers found; add them where the chart belongs`);
  }
  return `${readme.slice(0, start + CHART_START.length)}\n${chartBlock(diagram)}\n${readme.slice(end)}`;
}

// --- Reading the machine definition ---------------------------------------------------------------

function descendants(node: AnyStateNode): AnyStateNode[] {
  return (Object.values(node.states) as AnyStateNode[]).flatMap((child) => [child, ...descendants(child)]);
}

function isLeaf(node: AnyStateNode): boolean {
  return node.type === 'atomic' || node.type === 'final' || node.type === 'history';
}

function isDescendantOf(node: AnyStateNode, ancestor: AnyStateNode): boolean {
  for (let current = node.parent; current; current = current.parent) if (current === ancestor) return true;
  return false;
}

function transitionsOf(node: AnyStateNode): AnyTransitionDefinition[] {
  return [...[...node.transitions.values()].flat(), ...(node.always ?? [])];
}

function invokeName(invoke: AnyStateNode['invoke'][number]): string {
  return typeof invoke.src === 'string' ? invoke.src : invoke.id;
}

/** `EVENT [guard]`; a service's result reads `done [guard]` / `error` (Mermaid labels cannot hold ':'). */
function transitionLabel(source: AnyStateNode, transition: AnyTransitionDefinition): string {
  const guard = transition.guard === undefined ? '' : ` [${guardName(transition.guard)}]`;
  return sanitizeLabel(`${eventLabel(source, transition.eventType)}${guard}`);
}

function eventLabel(source: AnyStateNode, eventType: string): string {
  const invokeIds = new Set(source.invoke.map((invoke) => invoke.id));
  const actorEvent = /^xstate\.(done|error)\.actor\.(.+)$/.exec(eventType);
  if (actorEvent && invokeIds.has(actorEvent[2]!)) return actorEvent[1]!;
  if (eventType.startsWith('xstate.done.state.')) return 'done';
  const delayed = /^xstate\.after\.([^.]+)\./.exec(eventType);
  if (delayed) return `after ${delayed[1]!}`;
  if (eventType === '') return 'always';
  if (eventType === '*') return 'any event';
  return eventType;
}

type GuardLike = string | { type?: unknown } | ((...args: never[]) => unknown);

function guardName(guard: unknown): string {
  const g = guard as GuardLike & { guards?: unknown[]; stateValue?: unknown };
  if (typeof g === 'string') return g;
  if (typeof g === 'function') {
    const inner = (g.guards ?? []).map(guardName);
    if (g.name === 'not' && inner.length === 1) return `!${inner[0]!}`;
    if (g.name === 'and' && inner.length) return inner.join(' && ');
    if (g.name === 'or' && inner.length) return inner.join(' || ');
    if (g.name === 'stateIn') return `in ${JSON.stringify(g.stateValue)}`;
    return g.name || 'inline guard';
  }
  if (g && typeof g === 'object' && typeof g.type === 'string') return g.type;
  return 'guard';
}

function sanitize(text: string): string {
  return text.replace(/\W+/g, '_');
}

function sanitizeLabel(text: string): string {
  // ':' ends a transition label in Mermaid's grammar and ';' ends a statement.
  return text.replace(/[:;]/g, '.');
}

function uniqueId(preferred: string, taken: Set<string>): string {
  let id = sanitize(preferred);
  if (mermaidKeywords.has(id.toLowerCase()) || /^\d/.test(id)) id = `s_${id}`;
  while (taken.has(id)) id = `${id}_`;
  taken.add(id);
  return id;
}

// --- Command line ---------------------------------------------------------------------------------

function main(argv: readonly string[]): void {
  const diagram = chartToMermaid(recoveryMachine);
  const writeAt = argv.indexOf('--write');
  if (writeAt === -1) {
    process.stdout.write(diagram);
    return;
  }
  const file = argv[writeAt + 1];
  if (!file) throw new Error('--write needs a file, e.g. --write README.md');
  const before = readFileSync(file, 'utf8');
  const after = replaceChartBlock(before, diagram);
  if (after !== before) writeFileSync(file, after);
  process.stdout.write(`${file}: chart ${after === before ? 'already up to date' : 'updated'}\n`);
}

const runAsScript = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (runAsScript) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`chart-to-mermaid: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
