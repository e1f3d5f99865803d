// `npm run bench`: the cost of a Clave turn against the bare framework, on this machine, in one run.
// Starts what it needs (a redis-server on a free port, each server under test in a process of its own, the
// OpenAI-compatible stand-in), drives them over HTTP on 127.0.0.1 only, prints a table and writes the
// generated part of bench/RESULTS.md. Every loop is bounded in count and time. Never part of `npm test`.
//
//   npm run bench                       the whole run (about 6 minutes)
//   npm run bench -- --quick            shorter phases, for a first look (about 3 minutes)
//   npm run bench -- --phases=latency,saturation   only some phases (classifier, saturation, latency, human, redis, llm)
//   npm run bench -- --rate=200         the fixed rate of the latency phase, in turns per second
//   npm run bench -- --profile=b        CPU profile of one server (a, b or c) under closed-loop load, top functions
//                                       (--profile-mode=human: under the human-pace load instead)
//   npm run bench -- --compare=DIR      before/after: servers from the tree in DIR against this tree's, interleaved
//                                       (--compare=b:name=DIR,c:name=DIR,... for any set; "." is this tree)
//   npm run bench -- --json=out.json    also write every number measured as JSON
//   npm run bench -- --no-write         leave bench/RESULTS.md alone
//   npm run bench -- --report=out.json  render the report again from a run's --json output
import { createHmac } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { encodeChat } from 'gpt-tokenizer/model/gpt-4o-mini';
import { createClient } from 'redis';
import { loadDefaultOfflineClassifier, parseCorpus } from '../src/nlu/offline-classifier.js';
import { redact } from '../src/nlu/redact.js';
import { reply, startOpenAIStandIn, userMessageOf } from '../test/helpers/openai-stand-in.js';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server.js';
import { formatSummary, summarise } from '../scripts/cpuprofile-top.js';
import { AccountPool, EchoConversation, RecoveryConversation, type BenchAccount, type Conversation, type Opener } from './conversations.js';
import { closedLoop, HttpTarget, humanPace, median, openLoop, percentile, playAll, type Recorder } from './load.js';
import {
  int,
  LABEL,
  ms,
  report,
  RESULTS_FILE,
  VARIANTS,
  writeResults,
  x,
  type ClassifierResult,
  type HumanResult,
  type LatencyResult,
  type LatencyRound,
  type LlmResult,
  type LlmRun,
  type Plan,
  type RedisResult,
  type RedisSnapshot,
  type Results,
  type SaturationResult,
  type SweepPoint,
  type Variant,
} from './report.js';
import { CLAVE_ENV, cpuSecondsOfPid, projectRoot, PUBLIC_BASE_URL, SECRET_KEY, startServer, writeBenchAccounts, type ServerProcess } from './servers.js';

// ---------------------------------------------------------------------------------------------
// What one run does, and how long each part takes.

const FULL: Plan = {
  rate: 200,
  latencyRounds: 5,
  latencyWarmupMs: 1_000,
  latencyMs: 6_000,
  // Up to 256: with many turns in flight the servers batch work per event-loop wake-up (and node-redis
  // pipelines commands of different turns), so throughput can still rise well past 2 × cores.
  sweep: [1, 2, 4, 8, 16, 32, 64, 128, 256],
  sweepStepMs: 2_500,
  peakRounds: 5,
  peakMs: 3_000,
  closedWarmupMs: 500,
  humanConversations: 1_000,
  humanThinkMs: [4_500, 5_500],
  humanMs: 40_000,
  memoryConversations: 500,
  accounts: 4_000,
};

const QUICK: Plan = {
  ...FULL,
  latencyRounds: 3,
  latencyMs: 3_000,
  sweep: [1, 4, 16, 64, 256],
  sweepStepMs: 1_500,
  peakRounds: 3,
  peakMs: 2_000,
  humanMs: 20_000,
  memoryConversations: 200,
};

/** Openers of the load phases: free text the offline classifier reads as "recover the password". */
const OPENERS: Opener[] = [
  { text: 'olvidé mi clave', locale: 'es' },
  { text: 'I forgot my password', locale: 'en' },
  { text: 'no me acuerdo de mi contraseña', locale: 'es' },
  { text: 'I cannot remember my password', locale: 'en' },
];

// ---------------------------------------------------------------------------------------------
// Arguments.

const args = new Map(
  process.argv.slice(2).map((arg) => {
    const [key = '', ...value] = arg.replace(/^--/, '').split('=');
    return [key, value.length ? value.join('=') : 'true'] as const;
  }),
);
const plan: Plan = { ...(args.has('quick') ? QUICK : FULL) };
if (args.has('rate')) plan.rate = Number(args.get('rate'));
const ALL_PHASES = ['classifier', 'saturation', 'latency', 'human', 'redis', 'llm'] as const;
type Phase = (typeof ALL_PHASES)[number];
const phases = new Set<Phase>(args.has('phases') ? (args.get('phases')!.split(',') as Phase[]) : ALL_PHASES);
for (const phase of phases) if (!ALL_PHASES.includes(phase)) throw new Error(`unknown phase ${phase}; phases are ${ALL_PHASES.join(', ')}`);

const log = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const hmac = (purpose: string, value: string) => createHmac('sha256', Buffer.from(SECRET_KEY, 'utf8')).update(purpose).update('\0').update(value).digest('hex');
/** a, b, c; then b, c, a; then c, a, b: no variant always runs first, or always right after another. */
const rotated = (round: number): Variant[] => VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]!);

// ---------------------------------------------------------------------------------------------
// The machine, and how busy it was with other work while the bench ran.

function cpuModel(): string {
  const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
  return line?.split(':')[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
}

/** Busy CPU seconds of the whole machine so far (every process), from /proc/stat. */
function machineBusySeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return (user + nice + system + irq + softirq + steal) / 100;
}

function pidListeningOn(binary: string, port: number): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (cmdline[0]?.includes(binary) && cmdline.includes(String(port))) return Number(entry);
    } catch {
      // gone already
    }
  }
  return null;
}

/** CPU seconds our own processes used: the bench itself, every server it stopped, and redis-server. */
class CpuLedger {
  private stopped = 0;
  private readonly startedSelf = process.cpuUsage();
  redisPid: number | null = null;

  add(server: ServerProcess): void {
    this.stopped += server.cpuSeconds();
  }

  total(): number {
    const self = process.cpuUsage(this.startedSelf);
    return this.stopped + (self.user + self.system) / 1e6 + (this.redisPid ? cpuSecondsOfPid(this.redisPid) : 0);
  }
}

// ---------------------------------------------------------------------------------------------
// Running variants.

interface Running {
  variant: Variant;
  server: ServerProcess;
  target: HttpTarget;
  newConversation(): Conversation;
}

interface Context {
  dir: string;
  accountsFile: string;
  accounts: BenchAccount[];
  redis: RedisServer;
  ledger: CpuLedger;
}

let runCounter = 0;

async function flushRedis(url: string): Promise<void> {
  const client = createClient({ url });
  await client.connect();
  await client.flushAll();
  await client.close();
}

function recoveryFactory(prefix: string, pool: AccountPool, server: ServerProcess, openers: readonly Opener[] = OPENERS) {
  let seq = 0;
  return (): RecoveryConversation => {
    const n = ++seq;
    return new RecoveryConversation({
      id: `${prefix}-${n}`,
      account: pool.take(),
      opener: openers[n % openers.length]!,
      codes: server.codes,
      publicBaseUrl: PUBLIC_BASE_URL,
      onDone: (account) => pool.give(account),
    });
  };
}

interface StartVariantOptions {
  env?: Record<string, string>;
  cpuProfileDir?: string;
  /** Another tree to run the server from (--compare), with a Redis of its own. */
  root?: string;
  redisUrl?: string;
}

async function start(ctx: Context, variant: Variant, options: StartVariantOptions = {}): Promise<Running> {
  const redisUrl = options.redisUrl ?? ctx.redis.url;
  if (variant === 'c') await flushRedis(redisUrl);
  const env =
    variant === 'a'
      ? {}
      : { ...CLAVE_ENV, ACCOUNTS_FILE: ctx.accountsFile, ...(variant === 'c' ? { REDIS_URL: redisUrl } : {}), ...options.env };
  const server = await startServer({
    ...(options.root ? { root: options.root } : {}),
    name: LABEL[variant],
    script: variant === 'a' ? 'bench/echo-bot.ts' : 'bench/clave-server.ts',
    env,
    ...(options.cpuProfileDir ? { cpuProfileDir: options.cpuProfileDir } : {}),
  });
  const target = new HttpTarget(server.port);
  const prefix = `${variant}${++runCounter}`;
  if (variant === 'a') {
    let seq = 0;
    return { variant, server, target, newConversation: () => new EchoConversation(`${prefix}-${++seq}`) };
  }
  return { variant, server, target, newConversation: recoveryFactory(prefix, new AccountPool(ctx.accounts), server) };
}

async function stopAll(ctx: Context, running: readonly Running[]): Promise<void> {
  for (const r of running) {
    ctx.ledger.add(r.server);
    if (r.target.retries) log(`  ${LABEL[r.variant]}: ${r.target.retries} requests sent again after the server closed an idle kept-alive connection`);
    r.target.close();
  }
  await Promise.all(running.map((r) => r.server.stop()));
}

/** Every variant started side by side, handed to `work`, then stopped whatever happens. */
async function withVariants<T>(ctx: Context, variants: readonly Variant[], work: (running: Record<Variant, Running>) => Promise<T>): Promise<T> {
  const list = await Promise.all(variants.map((v) => start(ctx, v)));
  try {
    return await work(Object.fromEntries(list.map((r) => [r.variant, r])) as Record<Variant, Running>);
  } finally {
    await stopAll(ctx, list);
  }
}

const errorsOf = (recorder: Recorder) => Object.fromEntries(recorder.errors);

// ---------------------------------------------------------------------------------------------
// Phases.

async function classifierPhase(): Promise<ClassifierResult> {
  log('classifier: training, then timing every message of test/nlu/heldout.tsv');
  const trainStart = performance.now();
  const classifier = await loadDefaultOfflineClassifier();
  const trainMs = performance.now() - trainStart;
  const rows = parseCorpus(readFileSync(join(projectRoot, 'test/nlu/heldout.tsv'), 'utf8'));
  const REPEAT = 50;
  for (let pass = 0; pass < 5; pass++) for (const row of rows) classifier.classifySync(row.text);
  const perMessage: number[] = [];
  let total = 0;
  for (const row of rows) {
    const t = performance.now();
    for (let i = 0; i < REPEAT; i++) classifier.classifySync(row.text);
    const elapsed = performance.now() - t;
    total += elapsed;
    perMessage.push((elapsed / REPEAT) * 1000);
  }
  const openers = OPENERS.filter((o): o is Opener & { text: string } => 'text' in o).map((o) => {
    const c = classifier.classifySync(o.text);
    return { text: o.text, intent: c.intent, confidence: c.confidence };
  });
  return {
    trainMs,
    messages: rows.length,
    medianUs: median(perMessage),
    p99Us: percentile(perMessage, 0.99),
    meanUs: (total / (rows.length * REPEAT)) * 1000,
    openers,
  };
}

async function saturationPhase(ctx: Context): Promise<SaturationResult> {
  log(`saturation: closed loop, concurrency ${plan.sweep.join(', ')} until throughput stops rising, a/b/c interleaved`);
  return withVariants(ctx, VARIANTS, async (running) => {
    for (const v of VARIANTS) {
      await closedLoop({ target: running[v].target, concurrency: 8, warmupMs: 0, durationMs: 2_000, newConversation: running[v].newConversation });
    }
    const curve: Record<Variant, SweepPoint[]> = { a: [], b: [], c: [] };
    const best: Record<Variant, SweepPoint | null> = { a: null, b: null, c: null };
    const flat: Record<Variant, number> = { a: 0, b: 0, c: 0 };
    const errors: Record<Variant, number> = { a: 0, b: 0, c: 0 };
    const active = new Set<Variant>(VARIANTS);
    for (const n of plan.sweep) {
      for (const v of VARIANTS) {
        if (!active.has(v)) continue;
        const { recorder, turnsPerSecond } = await closedLoop({
          target: running[v].target,
          concurrency: n,
          warmupMs: plan.closedWarmupMs,
          durationMs: plan.sweepStepMs,
          newConversation: running[v].newConversation,
        });
        const point = { n, turnsPerSecond, p50: median(recorder.latencies), p99: percentile(recorder.latencies, 0.99), errors: recorder.errorCount };
        errors[v] += recorder.errorCount;
        curve[v].push(point);
        log(`  ${v} N=${n}: ${turnsPerSecond.toFixed(0)} turns/s, p50 ${point.p50.toFixed(2)} ms, errors ${recorder.errorCount}`);
        // Past the knee throughput only wobbles; three steps in a row without a 5 % gain end the sweep. (On a
        // busy shared machine one unlucky step is common, so one or two flat steps are not enough.)
        if (!best[v] || turnsPerSecond > best[v]!.turnsPerSecond * 1.05) flat[v] = 0;
        else if (++flat[v] >= 3) active.delete(v);
        if (!best[v] || turnsPerSecond > best[v]!.turnsPerSecond) best[v] = point;
      }
    }
    const bestN = { a: best.a!.n, b: best.b!.n, c: best.c!.n };
    log(`saturation: ${plan.peakRounds} rounds at each variant's best concurrency (a ${bestN.a}, b ${bestN.b}, c ${bestN.c})`);
    const rounds: Record<Variant, number[]> = { a: [], b: [], c: [] };
    const cpu: Record<Variant, number[]> = { a: [], b: [], c: [] };
    const ratios = { b: [] as number[], c: [] as number[], bCpu: [] as number[], cCpu: [] as number[] };
    for (let round = 0; round < plan.peakRounds; round++) {
      const got = {} as Record<Variant, number>;
      const gotCpu = {} as Record<Variant, number>;
      for (const v of rotated(round)) {
        const cpuBefore = running[v].server.cpuSeconds();
        const { recorder, turnsPerSecond } = await closedLoop({
          target: running[v].target,
          concurrency: bestN[v],
          warmupMs: plan.closedWarmupMs,
          durationMs: plan.peakMs,
          newConversation: running[v].newConversation,
        });
        errors[v] += recorder.errorCount;
        got[v] = turnsPerSecond;
        rounds[v].push(turnsPerSecond);
        // Warm-up included on both sides: CPU over the whole run, turns at the measured rate over the same time.
        gotCpu[v] = ((running[v].server.cpuSeconds() - cpuBefore) * 1000) / (turnsPerSecond * ((plan.closedWarmupMs + plan.peakMs) / 1000));
        cpu[v].push(gotCpu[v]);
      }
      ratios.b.push(got.b / got.a);
      ratios.c.push(got.c / got.a);
      ratios.bCpu.push(gotCpu.b / gotCpu.a);
      ratios.cCpu.push(gotCpu.c / gotCpu.a);
      log(`  round ${round + 1}: a ${got.a.toFixed(0)}, b ${got.b.toFixed(0)}, c ${got.c.toFixed(0)} turns/s`);
    }
    return {
      curve,
      bestN,
      rounds,
      peak: { a: median(rounds.a), b: median(rounds.b), c: median(rounds.c) },
      ratio: { b: median(ratios.b), c: median(ratios.c) },
      cpuMsPerTurn: { a: median(cpu.a), b: median(cpu.b), c: median(cpu.c) },
      ratioCpu: { b: median(ratios.bCpu), c: median(ratios.cCpu) },
      errors,
    };
  });
}

async function latencyPhase(ctx: Context): Promise<LatencyResult> {
  log(`latency: open loop at ${plan.rate} turns/s, ${plan.latencyRounds} rounds of ${plan.latencyMs / 1000} s per variant, interleaved`);
  return withVariants(ctx, VARIANTS, async (running) => {
    for (const v of VARIANTS) {
      await openLoop({ target: running[v].target, rate: plan.rate, warmupMs: 0, durationMs: 2_000, newConversation: running[v].newConversation });
    }
    const rounds: Record<Variant, LatencyRound[]> = { a: [], b: [], c: [] };
    const ratios = { b50: [] as number[], c50: [] as number[], b99: [] as number[], c99: [] as number[], bCpu: [] as number[], cCpu: [] as number[] };
    const steps: Record<'b' | 'c', number[][]> = { b: [], c: [] };
    const errors: Record<Variant, Record<string, number>> = { a: {}, b: {}, c: {} };
    for (let round = 0; round < plan.latencyRounds; round++) {
      const got = {} as Record<Variant, LatencyRound>;
      for (const v of rotated(round)) {
        const cpuBefore = running[v].server.cpuSeconds();
        const recorder = await openLoop({
          target: running[v].target,
          rate: plan.rate,
          warmupMs: plan.latencyWarmupMs,
          durationMs: plan.latencyMs,
          newConversation: running[v].newConversation,
        });
        const cpuMsPerTurn = ((running[v].server.cpuSeconds() - cpuBefore) * 1000) / Math.round((plan.rate * (plan.latencyWarmupMs + plan.latencyMs)) / 1000);
        got[v] = { p50: median(recorder.latencies), p99: percentile(recorder.latencies, 0.99), turns: recorder.turns, errors: recorder.errorCount, cpuMsPerTurn };
        rounds[v].push(got[v]);
        for (const [reason, count] of recorder.errors) errors[v][reason] = (errors[v][reason] ?? 0) + count;
        if (v !== 'a') recorder.byStep.forEach((values, step) => (steps[v][step] ??= []).push(...values));
      }
      ratios.b50.push(got.b.p50 / got.a.p50);
      ratios.c50.push(got.c.p50 / got.a.p50);
      ratios.b99.push(got.b.p99 / got.a.p99);
      ratios.c99.push(got.c.p99 / got.a.p99);
      ratios.bCpu.push(got.b.cpuMsPerTurn / got.a.cpuMsPerTurn);
      ratios.cCpu.push(got.c.cpuMsPerTurn / got.a.cpuMsPerTurn);
      log(
        `  round ${round + 1}: p50 a ${got.a.p50.toFixed(2)} b ${got.b.p50.toFixed(2)} c ${got.c.p50.toFixed(2)} ms; p99 a ${got.a.p99.toFixed(2)} b ${got.b.p99.toFixed(2)} c ${got.c.p99.toFixed(2)} ms; ` +
          `server CPU per turn a ${got.a.cpuMsPerTurn.toFixed(2)} b ${got.b.cpuMsPerTurn.toFixed(2)} c ${got.c.cpuMsPerTurn.toFixed(2)} ms`,
      );
    }
    const med = (v: Variant, key: 'p50' | 'p99' | 'cpuMsPerTurn') => median(rounds[v].map((r) => r[key]));
    const stepStats = (v: 'b' | 'c') => steps[v].map((values) => ({ p50: median(values), p99: percentile(values, 0.99) }));
    return {
      rate: plan.rate,
      rounds,
      p50: { a: med('a', 'p50'), b: med('b', 'p50'), c: med('c', 'p50') },
      p99: { a: med('a', 'p99'), b: med('b', 'p99'), c: med('c', 'p99') },
      ratioP50: { b: median(ratios.b50), c: median(ratios.c50) },
      ratioP99: { b: median(ratios.b99), c: median(ratios.c99) },
      cpuMsPerTurn: { a: med('a', 'cpuMsPerTurn'), b: med('b', 'cpuMsPerTurn'), c: med('c', 'cpuMsPerTurn') },
      ratioCpu: { b: median(ratios.bCpu), c: median(ratios.cCpu) },
      byStep: { b: stepStats('b'), c: stepStats('c') },
      errors,
    };
  });
}

async function humanPhase(ctx: Context, variant: 'b' | 'c'): Promise<HumanResult> {
  log(`human pace on ${variant}: ${plan.humanConversations} conversations, next message ${plan.humanThinkMs.join('–')} ms after each reply, for ${plan.humanMs / 1000} s`);
  return withVariants(ctx, [variant], async (running) => {
    const r = running[variant];
    await openLoop({ target: r.target, rate: 100, warmupMs: 0, durationMs: 2_000, newConversation: r.newConversation });
    const recorder = await humanPace({
      target: r.target,
      conversations: plan.humanConversations,
      thinkMs: plan.humanThinkMs,
      durationMs: plan.humanMs,
      newConversation: r.newConversation,
    });
    const result = {
      conversations: plan.humanConversations,
      seconds: plan.humanMs / 1000,
      turns: recorder.turns,
      turnsPerSecond: recorder.turns / (plan.humanMs / 1000),
      completed: recorder.completed,
      p50: median(recorder.latencies),
      p99: percentile(recorder.latencies, 0.99),
      max: percentile(recorder.latencies, 1),
      errors: recorder.errorCount,
      errorReasons: errorsOf(recorder),
      byStep: recorder.byStep.map((values) => ({ p50: median(values), p99: percentile(values, 0.99) })),
    };
    log(`  ${variant}: ${result.turns} turns (${result.turnsPerSecond.toFixed(0)}/s), p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, errors ${result.errors}`);
    return result;
  });
}

// The commands Clave's store sends (src/stores/redis-store.ts); INFO commandstats also counts the commands run
// inside its Lua scripts (HGET, HSET, PEXPIRE, INCR…) and this bench's own SCAN and MEMORY USAGE, left out here.
const CLIENT_COMMANDS = new Set(['evalsha', 'eval', 'get', 'set', 'del', 'getdel', 'hmget', 'zadd', 'zrem']);

async function topLevelCommands(client: ReturnType<typeof createClient>): Promise<number> {
  const info = await client.info('commandstats');
  let total = 0;
  for (const [, name, calls] of info.matchAll(/cmdstat_([\w|]+):calls=(\d+)/g)) {
    if (CLIENT_COMMANDS.has(name!)) total += Number(calls);
  }
  return total;
}

async function redisSnapshot(url: string, conversations: readonly RecoveryConversation[], usedBefore: number): Promise<RedisSnapshot> {
  const client = createClient({ url });
  await client.connect();
  try {
    const keys: string[] = [];
    let cursor = '0';
    for (let i = 0; i < 100_000; i++) {
      const [next, batch] = (await client.sendCommand(['SCAN', cursor, 'MATCH', 'clave:*', 'COUNT', '1000'])) as [string, string[]];
      keys.push(...batch);
      cursor = next;
      if (cursor === '0') break;
    }
    const sizes = await Promise.all(keys.map((key) => client.sendCommand(['MEMORY', 'USAGE', key, 'SAMPLES', '0']) as Promise<number | null>));
    // Which conversation a hash tag belongs to: its own id, its subject (HMAC of the account id) or its
    // destination (HMAC of the address), exactly as src/services/verification-service.ts makes them.
    const owner = new Map<string, number>();
    conversations.forEach((c, i) => {
      owner.set(c.id, i);
      owner.set(hmac('account', c.account.id), i);
      owner.set(hmac('destination', c.account.email), i);
    });
    const perConversation = new Array<number>(conversations.length).fill(0);
    const keysOf = new Array<number>(conversations.length).fill(0);
    let shared = 0;
    let sharedKeys = 0;
    const families = new Map<string, { keys: number; bytes: number }>();
    keys.forEach((key, i) => {
      const bytes = Number(sizes[i] ?? 0);
      const family = key.replace(/^clave:/, '').replace(/\{.*$/, '') || key;
      const f = families.get(family) ?? { keys: 0, bytes: 0 };
      f.keys++;
      f.bytes += bytes;
      families.set(family, f);
      const tag = /\{([^}]*)\}/.exec(key)?.[1];
      const index = tag === undefined ? undefined : owner.get(tag);
      if (index === undefined) {
        shared += bytes;
        sharedKeys++;
      } else {
        perConversation[index]! += bytes;
        keysOf[index]!++;
      }
    });
    const n = conversations.length;
    const info = await client.info('memory');
    const used = Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
    return {
      conversations: n,
      bytesPerConversation: perConversation.reduce((a, b) => a + b, 0) / n + shared / n,
      keysPerConversation: keysOf.reduce((a, b) => a + b, 0) / n + sharedKeys / n,
      usedMemoryPerConversation: (used - usedBefore) / n,
      byFamily: [...families.entries()]
        .map(([family, f]) => ({ family, keys: f.keys, bytesPerConversation: f.bytes / n }))
        .sort((a, b) => b.bytesPerConversation - a.bytesPerConversation),
    };
  } finally {
    await client.close();
  }
}

async function redisPhase(ctx: Context): Promise<RedisResult> {
  const n = plan.memoryConversations;
  log(`redis: ${n} conversations to mid-journey (waiting for the code), then to the reset link; MEMORY USAGE of their keys`);
  return withVariants(ctx, ['c'], async (running) => {
    const r = running.c;
    const client = createClient({ url: ctx.redis.url });
    await client.connect();
    const pings: number[] = [];
    for (let i = 0; i < 2_000; i++) {
      const t = performance.now();
      await client.ping();
      pings.push((performance.now() - t) * 1000);
    }
    const usedBefore = Number(/used_memory:(\d+)/.exec(await client.info('memory'))?.[1] ?? 0);
    await client.configResetStat();
    const conversations = Array.from({ length: n }, () => r.newConversation() as RecoveryConversation);
    const first = await playAll(r.target, conversations, 16, 3);
    if (first.errorCount) throw new Error(`redis phase: ${first.errorCount} turns failed: ${JSON.stringify(errorsOf(first))}`);
    await sleep(200);
    const midJourney = await redisSnapshot(ctx.redis.url, conversations, usedBefore);
    const last = await playAll(r.target, conversations, 16, 1);
    if (last.errorCount) throw new Error(`redis phase: ${last.errorCount} code turns failed: ${JSON.stringify(errorsOf(last))}`);
    const afterLink = await redisSnapshot(ctx.redis.url, conversations, usedBefore);
    const commandsPerTurn = (await topLevelCommands(client)) / (n * RecoveryConversation.TURNS);
    await client.close();
    log(`  mid-journey ${midJourney.bytesPerConversation.toFixed(0)} B/conversation (${midJourney.keysPerConversation.toFixed(1)} keys), after the link ${afterLink.bytesPerConversation.toFixed(0)} B`);
    return { midJourney, afterLink, commandsPerTurn, pingUs: { p50: median(pings), p99: percentile(pings, 0.99) } };
  });
}

async function llmPhase(ctx: Context): Promise<LlmResult> {
  const rows = ['test/nlu/heldout.tsv', 'test/nlu/heldout-hard.tsv'].flatMap((file) =>
    parseCorpus(readFileSync(join(projectRoot, file), 'utf8')).filter((row) => row.intent === 'recover_password'),
  );
  log(`llm: ${rows.length} recoveries opened with the free text of the held-out recover_password rows, then ${rows.length} opened with the button`);
  const languageOf = new Map(rows.map((row) => [redact(row.text.trim()), row.language]));
  const standIn = await startOpenAIStandIn((request) =>
    reply.answer({ intent: 'recover_password', language: languageOf.get(userMessageOf(request)) ?? 'en', confidence: 0.9 }),
  );
  const running = await start(ctx, 'b', { env: { OPENAI_BASE_URL: standIn.baseUrl } });
  try {
    const play = async (openers: Opener[]): Promise<LlmRun> => {
      const before = standIn.requests.length;
      const pool = new AccountPool(ctx.accounts);
      const make = recoveryFactory(`llm${++runCounter}`, pool, running.server, openers);
      const conversations = openers.map(() => make());
      const recorder = await playAll(running.target, conversations, 4);
      const requests = standIn.requests.slice(before);
      const promptTokens = requests.reduce(
        (sum, request) => sum + encodeChat((request.json?.messages ?? []) as { role: 'system' | 'user'; content: string }[]).length,
        0,
      );
      return {
        recoveries: conversations.length,
        completed: recorder.completed,
        calls: requests.length,
        promptTokens,
        callsPerRecovery: requests.length / Math.max(1, recorder.completed),
        promptTokensPerRecovery: promptTokens / Math.max(1, recorder.completed),
        errors: recorder.errorCount,
      };
    };
    // Shifted by one so that openers[n % length] (the factory's choice) walks the list from its start.
    const shift = <T>(list: T[]) => [...list.slice(-1), ...list.slice(0, -1)];
    const freeText = await play(shift(rows.map((row) => ({ text: row.text, locale: row.language }))));
    const buttons = await play(shift(rows.map((row) => ({ button: true as const, locale: row.language }))));
    const schema = standIn.requests[0]?.json?.response_format;
    const schemaTokensPerCall = schema ? encodeChat([{ role: 'system', content: JSON.stringify(schema) }]).length : 0;
    log(`  free text: ${freeText.calls} calls for ${freeText.completed} recoveries; buttons: ${buttons.calls} calls for ${buttons.completed}`);
    return { freeText, buttons, schemaTokensPerCall };
  } finally {
    await stopAll(ctx, [running]);
    await standIn.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Before/after: the same measurements on servers run from other trees (e.g. copies with a change taken out),
// interleaved with this tree's, so a change is judged side by side on the same machine at the same time.
//   --compare=DIR                         b and c from DIR ("before") against this tree's ("after")
//   --compare=b:name=DIR,c:name=DIR,...   any set of named servers; "." is this tree

interface CompareEntry {
  name: string;
  variant: Variant;
  root: string | undefined;
}

function compareEntries(spec: string): CompareEntry[] {
  if (!spec.includes('=')) {
    return [
      { name: 'b before', variant: 'b', root: spec },
      { name: 'b after', variant: 'b', root: undefined },
      { name: 'c before', variant: 'c', root: spec },
      { name: 'c after', variant: 'c', root: undefined },
    ];
  }
  return spec.split(',').map((part) => {
    const [head = '', dir = '.'] = part.split('=');
    const [variant, name] = head.split(':');
    if (variant !== 'b' && variant !== 'c') throw new Error(`--compare: "${part}" should read b:name=DIR or c:name=DIR`);
    return { name: `${variant} ${name ?? dir}`, variant, root: dir === '.' ? undefined : dir };
  });
}

async function compare(ctx: Context, spec: string): Promise<string> {
  const entries: CompareEntry[] = [{ name: 'a echo', variant: 'a', root: undefined }, ...compareEntries(spec)];
  // Every Clave on Redis from another tree gets a Redis of its own; this tree's uses the bench's.
  const extraRedis: RedisServer[] = [];
  const options: StartVariantOptions[] = [];
  for (const entry of entries) {
    if (entry.variant === 'c' && entry.root) {
      const redis = await startRedisServer({ maxmemoryPolicy: 'noeviction' });
      extraRedis.push(redis);
      options.push({ root: entry.root, redisUrl: redis.url });
    } else {
      options.push(entry.root ? { root: entry.root } : {});
    }
  }
  const concurrency = Number(args.get('compare-n') ?? 8);
  log(`compare ${entries.map((e) => e.name).join(', ')}: ${plan.latencyRounds} rounds, open loop at ${plan.rate}/s then closed loop N=${concurrency}`);
  const running = await Promise.all(entries.map((e, i) => start(ctx, e.variant, options[i])));
  const rows = entries.map(() => ({ p50: [] as number[], p99: [] as number[], cpu: [] as number[], peak: [] as number[], peakCpu: [] as number[], errors: 0 }));
  try {
    for (const r of running) await openLoop({ target: r.target, rate: plan.rate, warmupMs: 0, durationMs: 2_000, newConversation: r.newConversation });
    for (let round = 0; round < plan.latencyRounds; round++) {
      for (let k = 0; k < entries.length; k++) {
        const i = (k + round) % entries.length;
        const r = running[i]!;
        const row = rows[i]!;
        let cpuBefore = r.server.cpuSeconds();
        const recorder = await openLoop({ target: r.target, rate: plan.rate, warmupMs: plan.latencyWarmupMs, durationMs: plan.latencyMs, newConversation: r.newConversation });
        const sent = Math.round((plan.rate * (plan.latencyWarmupMs + plan.latencyMs)) / 1000);
        row.cpu.push(((r.server.cpuSeconds() - cpuBefore) * 1000) / sent);
        row.p50.push(median(recorder.latencies));
        row.p99.push(percentile(recorder.latencies, 0.99));
        cpuBefore = r.server.cpuSeconds();
        const closed = await closedLoop({ target: r.target, concurrency, warmupMs: plan.closedWarmupMs, durationMs: plan.peakMs, newConversation: r.newConversation });
        row.peakCpu.push(((r.server.cpuSeconds() - cpuBefore) * 1000) / Math.max(1, closed.turnsPerSecond * ((plan.closedWarmupMs + plan.peakMs) / 1000)));
        row.peak.push(closed.turnsPerSecond);
        row.errors += recorder.errorCount + closed.recorder.errorCount;
      }
      log(`  round ${round + 1}: ` + entries.map((e, i) => `${e.name} p50 ${rows[i]!.p50.at(-1)!.toFixed(2)} ms, ${rows[i]!.peak.at(-1)!.toFixed(0)}/s`).join('; '));
    }
  } finally {
    await stopAll(ctx, running);
    for (const redis of extraRedis) await redis.stop();
  }
  const m = (i: number, key: 'p50' | 'p99' | 'cpu' | 'peak' | 'peakCpu') => median(rows[i]![key]);
  const lines = [
    `| server | p50 at ${plan.rate}/s | p99 at ${plan.rate}/s | server CPU per turn at ${plan.rate}/s | turns/s, closed loop N=${concurrency} | server CPU per turn there | errors |`,
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...entries.map((e, i) => `| ${e.name} | ${ms(m(i, 'p50'))} | ${ms(m(i, 'p99'))} | ${ms(m(i, 'cpu'))} | ${int(m(i, 'peak'))} | ${ms(m(i, 'peakCpu'))} | ${rows[i]!.errors} |`),
    '',
    `Medians of ${plan.latencyRounds} interleaved rounds (${plan.latencyMs / 1000} s open loop, then ${plan.peakMs / 1000} s closed loop, per server). ` +
      'Relative to the last server of the same kind: ' +
      entries
        .map((e, i) => {
          const last = entries.map((f, j) => (f.variant === e.variant ? j : -1)).filter((j) => j >= 0).at(-1)!;
          if (e.variant === 'a' || i === last) return null;
          return `${e.name}: p50 ${x(m(i, 'p50') / m(last, 'p50'))}×, peak ${x(m(i, 'peak') / m(last, 'peak'))}×, CPU per turn at peak ${x(m(i, 'peakCpu') / m(last, 'peakCpu'))}×`;
        })
        .filter(Boolean)
        .join('; ') +
      '.',
  ];
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Profiling one server under load.

async function profile(ctx: Context, variant: Variant): Promise<void> {
  const concurrency = Number(args.get('profile-n') ?? 8);
  const seconds = Number(args.get('profile-seconds') ?? 15);
  const dir = mkdtempSync(join(ctx.dir, 'profile-'));
  log(`profile: ${LABEL[variant]} with --cpu-prof, closed loop N=${concurrency} for ${seconds} s`);
  const running = await start(ctx, variant, { cpuProfileDir: dir });
  let turnsPerSecond = 0;
  // The load's window on CLOCK_MONOTONIC (process.hrtime), the profile's clock: start-up and warm-up stay out.
  const nowUs = () => Number(process.hrtime.bigint() / 1000n);
  const window = { fromUs: 0, toUs: 0 };
  try {
    await closedLoop({ target: running.target, concurrency, warmupMs: 0, durationMs: 3_000, newConversation: running.newConversation });
    window.fromUs = nowUs();
    if (args.get('profile-mode') === 'human') {
      // The human-pace phase instead: many conversations, each a few seconds between messages.
      const recorder = await humanPace({
        target: running.target,
        conversations: plan.humanConversations,
        thinkMs: plan.humanThinkMs,
        durationMs: seconds * 1000,
        newConversation: running.newConversation,
      });
      turnsPerSecond = recorder.turns / seconds;
      log(`  human pace: p50 ${median(recorder.latencies).toFixed(2)} ms, p99 ${percentile(recorder.latencies, 0.99).toFixed(2)} ms, errors ${recorder.errorCount}`);
    } else {
      const result = await closedLoop({ target: running.target, concurrency, warmupMs: 0, durationMs: seconds * 1000, newConversation: running.newConversation });
      turnsPerSecond = result.turnsPerSecond;
    }
    window.toUs = nowUs();
  } finally {
    await stopAll(ctx, [running]);
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile written in ${dir}`);
  const kept = join(os.tmpdir(), `clave-bench-${variant}-${Date.now()}.cpuprofile`);
  writeFileSync(kept, readFileSync(join(dir, file)));
  process.stdout.write(
    `${LABEL[variant]}: ${turnsPerSecond.toFixed(0)} turns/s under the profiler; profile kept at ${kept}\n` +
      `(samples of the measured load only: npx tsx scripts/cpuprofile-top.ts ${kept} --from-us ${window.fromUs} --to-us ${window.toUs})\n\n`,
  );
  process.stdout.write(formatSummary(summarise(JSON.parse(readFileSync(kept, 'utf8')), window), Number(args.get('top') ?? 30)) + '\n');
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  if (args.has('report')) {
    // Renders the report again from a run's --json output, e.g. after the report's wording changed.
    const text = report(JSON.parse(readFileSync(args.get('report')!, 'utf8')) as Results);
    process.stdout.write(`${text}\n`);
    if (!args.has('no-write')) writeResults(text);
    return;
  }
  const startedAt = new Date();
  const loadBefore = os.loadavg();
  const busyBefore = machineBusySeconds();
  const dir = mkdtempSync(join(os.tmpdir(), 'clave-bench-'));
  const ledger = new CpuLedger();
  const { file: accountsFile, accounts } = writeBenchAccounts(dir, plan.accounts);
  const redis = await startRedisServer({ maxmemoryPolicy: 'noeviction' });
  ledger.redisPid = pidListeningOn('redis-server', redis.port);
  const ctx: Context = { dir, accountsFile, accounts, redis, ledger };
  const results: Partial<Results> = { startedAt: startedAt.toISOString(), plan };
  try {
    if (args.has('profile')) {
      await profile(ctx, args.get('profile') as Variant);
      return;
    }
    if (args.has('compare')) {
      process.stdout.write(`\n${await compare(ctx, args.get('compare')!)}\n`);
      return;
    }
    if (phases.has('classifier')) results.classifier = await classifierPhase();
    if (phases.has('saturation')) results.saturation = await saturationPhase(ctx);
    if (phases.has('latency')) {
      if (results.saturation) {
        const slowest = Math.min(...Object.values(results.saturation.peak));
        if (plan.rate > slowest / 2) log(`warning: ${plan.rate} turns/s is more than half the slowest peak (${slowest.toFixed(0)}): latency will include queueing`);
      }
      results.latency = await latencyPhase(ctx);
    }
    if (phases.has('human')) results.human = { b: await humanPhase(ctx, 'b'), c: await humanPhase(ctx, 'c') };
    if (phases.has('redis')) results.redis = await redisPhase(ctx);
    if (phases.has('llm')) results.llm = await llmPhase(ctx);
  } finally {
    const ours = ledger.total();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
    const seconds = (Date.now() - startedAt.getTime()) / 1000;
    const busy = machineBusySeconds() - busyBefore;
    const cores = os.availableParallelism();
    results.minutes = seconds / 60;
    results.machine = {
      nproc: cores,
      memoryGiB: os.totalmem() / 2 ** 30,
      node: process.versions.node,
      cpu: cpuModel(),
      loadBefore,
      loadAfter: os.loadavg(),
      otherCpuShare: Math.max(0, busy - ours) / (seconds * cores),
      otherCores: Math.max(0, busy - ours) / seconds,
    };
  }
  if (args.has('profile') || args.has('compare')) return;
  const text = report(results as Results);
  process.stdout.write(`\n${text}\n`);
  if (args.has('json')) writeFileSync(args.get('json')!, JSON.stringify(results, null, 2));
  if (!args.has('no-write')) {
    writeResults(text);
    log(`wrote ${RESULTS_FILE}`);
  }
}

main().catch((error: Error) => {
  process.stderr.write(`bench failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
