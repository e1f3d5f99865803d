// Reads a V8 .cpuprofile (node --cpu-prof) and prints where the time went: the functions with the most self
// time, and the same time summed by layer (a package in node_modules, a folder of this project, Node itself,
// the garbage collector), with each layer's inclusive time too (samples with the layer anywhere on the stack).
//   npx tsx scripts/cpuprofile-top.ts <file.cpuprofile> [--top 30] [--from-us N] [--to-us N]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/**
 * Which samples count, in the profile's own clock (microseconds of CLOCK_MONOTONIC on Linux, the clock of
 * `process.hrtime`, so another process can say when its load began and ended). Start-up stays out this way.
 */
export interface SampleWindow {
  fromUs?: number;
  toUs?: number;
}

const projectRoot = fileURLToPath(new URL('..', import.meta.url));

/** The layer a frame belongs to: a package, a folder of this project, Node's internals, or V8 itself. */
export function layerOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node:' + (url.slice(5).split('/')[1] ?? url.slice(5)).replace(/_.*$/, '');
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const [first, second] = url.slice(modules + '/node_modules/'.length).split('/');
    return first?.startsWith('@') ? `${first}/${second}` : (first ?? url);
  }
  const path = url.replace(/^file:\/\//, '');
  if (path.startsWith(projectRoot)) {
    const parts = path.slice(projectRoot.length).split('/');
    return parts.length > 2 ? `${parts[0]}/${parts[1]}` : (parts[0] ?? path);
  }
  return path;
}

export interface ProfileSummary {
  totalMs: number;
  busyMs: number;
  functions: { name: string; where: string; layer: string; selfMs: number }[];
  layers: { layer: string; selfMs: number; inclusiveMs: number }[];
}

const IDLE = new Set(['(idle)', '(program)']);

export function summarise(profile: CpuProfile, window: SampleWindow = {}): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfMs = new Map<number, number>();
  const layerInclusive = new Map<string, number>();
  let totalMs = 0;
  let idleMs = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    at += profile.timeDeltas[i] ?? 0;
    if (at < (window.fromUs ?? -Infinity) || at > (window.toUs ?? Infinity)) return;
    totalMs += ms;
    selfMs.set(id, (selfMs.get(id) ?? 0) + ms);
    const frame = byId.get(id)?.callFrame;
    if (frame && IDLE.has(frame.functionName)) {
      idleMs += ms;
      return;
    }
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at)?.callFrame;
      if (f && f.functionName !== '(root)') seen.add(layerOf(f));
    }
    for (const layer of seen) layerInclusive.set(layer, (layerInclusive.get(layer) ?? 0) + ms);
  });

  const functions = new Map<string, { name: string; where: string; layer: string; selfMs: number }>();
  const layerSelf = new Map<string, number>();
  for (const [id, ms] of selfMs) {
    const frame = byId.get(id)!.callFrame;
    if (IDLE.has(frame.functionName)) continue;
    const where = frame.url ? `${frame.url.replace(/^file:\/\//, '').replace(projectRoot, '')}:${frame.lineNumber + 1}` : '';
    const key = `${frame.functionName}@${where}`;
    const layer = layerOf(frame);
    const entry = functions.get(key) ?? { name: frame.functionName || '(anonymous)', where, layer, selfMs: 0 };
    entry.selfMs += ms;
    functions.set(key, entry);
    layerSelf.set(layer, (layerSelf.get(layer) ?? 0) + ms);
  }
  return {
    totalMs,
    busyMs: totalMs - idleMs,
    functions: [...functions.values()].sort((a, b) => b.selfMs - a.selfMs),
    layers: [...layerSelf.entries()]
      .map(([layer, ms]) => ({ layer, selfMs: ms, inclusiveMs: layerInclusive.get(layer) ?? ms }))
      .sort((a, b) => b.selfMs - a.selfMs),
  };
}

export function formatSummary(summary: ProfileSummary, top = 30): string {
  const pct = (ms: number) => `${((100 * ms) / summary.busyMs).toFixed(1).padStart(5)}%`;
  const lines = [
    `busy ${summary.busyMs.toFixed(0)} ms of ${summary.totalMs.toFixed(0)} ms profiled (percentages are of busy time)`,
    '',
    'self time by function:',
    ...summary.functions.slice(0, top).map((f) => `${pct(f.selfMs)} ${f.selfMs.toFixed(0).padStart(7)} ms  ${f.name}  ${f.where}`),
    '',
    'by layer (self, inclusive):',
    ...summary.layers.slice(0, top).map((l) => `${pct(l.selfMs)} ${pct(l.inclusiveMs)}  ${l.layer}`),
  ];
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const option = (name: string) => {
    const at = args.indexOf(name);
    return at >= 0 ? Number(args[at + 1]) : undefined;
  };
  const file = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
  if (!file) {
    process.stderr.write('usage: npx tsx scripts/cpuprofile-top.ts <file.cpuprofile> [--top 30] [--from-us N] [--to-us N]\n');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const window = { fromUs: option('--from-us'), toUs: option('--to-us') };
  process.stdout.write(formatSummary(summarise(profile, window), option('--top') ?? 30) + '\n');
}
