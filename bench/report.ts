// The report of a bench run: the shape of every result, and the Markdown made of them (printed, and written
// between the markers of bench/RESULTS.md, whose other parts are written by hand).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RecoveryConversation } from './conversations.js';
import { projectRoot } from './servers.js';

export interface Plan {
  /** Fixed rate of the latency phase (turns per second). */
  rate: number;
  latencyRounds: number;
  latencyWarmupMs: number;
  latencyMs: number;
  /** Concurrency steps of the saturation sweep; a variant stops when three steps in a row add < 5 %. */
  sweep: number[];
  sweepStepMs: number;
  peakRounds: number;
  peakMs: number;
  /** Discarded at the start of every closed-loop measurement. */
  closedWarmupMs: number;
  humanConversations: number;
  humanThinkMs: [number, number];
  humanMs: number;
  memoryConversations: number;
  accounts: number;
}

export type Variant = 'a' | 'b' | 'c';

export const VARIANTS: readonly Variant[] = ['a', 'b', 'c'];

export const LABEL: Record<Variant, string> = {
  a: '(a) echo bot, same stack',
  b: '(b) Clave, memory store',
  c: '(c) Clave, Redis',
};

export interface ClassifierResult {
  trainMs: number;
  messages: number;
  medianUs: number;
  p99Us: number;
  meanUs: number;
  openers: { text: string; intent: string; confidence: number }[];
}

export interface SweepPoint {
  n: number;
  turnsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

export interface SaturationResult {
  curve: Record<Variant, SweepPoint[]>;
  bestN: Record<Variant, number>;
  rounds: Record<Variant, number[]>;
  peak: Record<Variant, number>;
  ratio: { b: number; c: number };
  /** Server CPU time per turn during the peak rounds (user + system, from /proc). */
  cpuMsPerTurn: Record<Variant, number>;
  ratioCpu: { b: number; c: number };
  errors: Record<Variant, number>;
}

export interface LatencyRound {
  p50: number;
  p99: number;
  turns: number;
  errors: number;
  /** Server CPU time (user + system, from /proc) per turn during the round, warm-up included. */
  cpuMsPerTurn: number;
}

export interface LatencyResult {
  rate: number;
  rounds: Record<Variant, LatencyRound[]>;
  p50: Record<Variant, number>;
  p99: Record<Variant, number>;
  ratioP50: { b: number; c: number };
  ratioP99: { b: number; c: number };
  cpuMsPerTurn: Record<Variant, number>;
  ratioCpu: { b: number; c: number };
  byStep: Record<'b' | 'c', { p50: number; p99: number }[]>;
  errors: Record<Variant, Record<string, number>>;
}

export interface HumanResult {
  conversations: number;
  seconds: number;
  turns: number;
  turnsPerSecond: number;
  completed: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  errorReasons: Record<string, number>;
  byStep: { p50: number; p99: number }[];
}

export interface RedisSnapshot {
  conversations: number;
  /** Keys tagged with the conversation, its subject or its destination, plus its share of untagged keys. */
  bytesPerConversation: number;
  keysPerConversation: number;
  /** All of Redis' used_memory growth divided by the conversations (allocator and dictionary overhead included). */
  usedMemoryPerConversation: number;
  byFamily: { family: string; keys: number; bytesPerConversation: number }[];
}

export interface RedisResult {
  midJourney: RedisSnapshot;
  afterLink: RedisSnapshot;
  /** Commands Clave sent per turn (scripts count once; the commands inside them do not), over whole recoveries. */
  commandsPerTurn: number;
  /** One PING from this process through node-redis, one at a time: the price of a round trip on this machine. */
  pingUs: { p50: number; p99: number };
}

export interface LlmRun {
  recoveries: number;
  completed: number;
  calls: number;
  promptTokens: number;
  callsPerRecovery: number;
  promptTokensPerRecovery: number;
  errors: number;
}

export interface LlmResult {
  freeText: LlmRun;
  buttons: LlmRun;
  /** Tokens of the structured-output schema sent with every call (counted by the API on top of the messages). */
  schemaTokensPerCall: number;
}

export interface Results {
  startedAt: string;
  minutes: number;
  machine: { nproc: number; memoryGiB: number; node: string; cpu: string; loadBefore: number[]; loadAfter: number[]; otherCpuShare: number; otherCores: number };
  plan: Plan;
  classifier?: ClassifierResult;
  saturation?: SaturationResult;
  latency?: LatencyResult;
  human?: Partial<Record<'b' | 'c', HumanResult>>;
  redis?: RedisResult;
  llm?: LlmResult;
}

export const ms = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '—' : `${v.toFixed(2)} ms`);
export const x = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '—' : v.toFixed(2));
export const int = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '—' : Math.round(v).toLocaleString('en-US'));
const verdict = (ok: boolean | undefined) => (ok === undefined ? '' : ok ? 'met' : '**not met**');

export function report(r: Results): string {
  const { latency: lat, saturation: sat, human, redis, llm, classifier, plan } = r;
  const lines: string[] = [];
  const m = r.machine;
  lines.push(
    `Measured ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC in ${r.minutes.toFixed(1)} minutes on: ${m.nproc} cores (${m.cpu}), ` +
      `${m.memoryGiB.toFixed(0)} GiB of memory, Node.js ${m.node}. Load average ${m.loadBefore.map((l) => l.toFixed(2)).join(' ')} before ` +
      `and ${m.loadAfter.map((l) => l.toFixed(2)).join(' ')} after; other processes (not the bench, its servers or its Redis) used ` +
      `${(m.otherCpuShare * 100).toFixed(0)} % of the machine's CPU time during the run (${m.otherCores.toFixed(2)} cores on average): ` +
      `absolute numbers are noisy, the ratios are measured side by side.`,
    '',
    '| measure | (a) echo bot | (b) Clave, memory | (c) Clave, Redis | b/a | c/a | target |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  );
  if (lat) {
    lines.push(
      `| median turn latency at ${lat.rate} turns/s | ${ms(lat.p50.a)} | ${ms(lat.p50.b)} | ${ms(lat.p50.c)} | ${x(lat.ratioP50.b)} | ${x(lat.ratioP50.c)} | b/a ≤ 1.3 ${verdict(lat.ratioP50.b <= 1.3)}; c/a ≤ 1.6 ${verdict(lat.ratioP50.c <= 1.6)} |`,
      `| p99 turn latency at ${lat.rate} turns/s | ${ms(lat.p99.a)} | ${ms(lat.p99.b)} | ${ms(lat.p99.c)} | ${x(lat.ratioP99.b)} | ${x(lat.ratioP99.c)} | |`,
      `| server CPU per turn at ${lat.rate} turns/s | ${ms(lat.cpuMsPerTurn.a)} | ${ms(lat.cpuMsPerTurn.b)} | ${ms(lat.cpuMsPerTurn.c)} | ${x(lat.ratioCpu.b)} | ${x(lat.ratioCpu.c)} | |`,
    );
  }
  if (sat) {
    lines.push(
      `| peak turns/s (closed loop; best N) | ${int(sat.peak.a)} (N=${sat.bestN.a}) | ${int(sat.peak.b)} (N=${sat.bestN.b}) | ${int(sat.peak.c)} (N=${sat.bestN.c}) | ${x(sat.ratio.b)} | ${x(sat.ratio.c)} | b/a ≥ 0.75 ${verdict(sat.ratio.b >= 0.75)}; c/a ≥ 0.6 ${verdict(sat.ratio.c >= 0.6)} |`,
      `| server CPU per turn at peak | ${ms(sat.cpuMsPerTurn.a)} | ${ms(sat.cpuMsPerTurn.b)} | ${ms(sat.cpuMsPerTurn.c)} | ${x(sat.ratioCpu.b)} | ${x(sat.ratioCpu.c)} | |`,
    );
  }
  if (human) {
    const h = (v: 'b' | 'c') => human[v];
    const cell = (v: 'b' | 'c') => (h(v) ? `p50 ${ms(h(v)!.p50)}, p99 ${ms(h(v)!.p99)}, ${h(v)!.errors} errors` : '—');
    const ok = (['b', 'c'] as const).filter((v) => h(v)).every((v) => h(v)!.p99 < 50 && h(v)!.errors === 0);
    lines.push(`| ${int(plan.humanConversations)} conversations at human pace | — | ${cell('b')} | ${cell('c')} | | | p99 < 50 ms, 0 errors ${verdict(ok)} |`);
  }
  if (redis) {
    lines.push(
      `| Redis bytes per active conversation (mid-journey) | — | — | ${int(redis.midJourney.bytesPerConversation)} B | | | ≤ 4 KB ${verdict(redis.midJourney.bytesPerConversation <= 4096)} |`,
    );
  }
  if (llm) {
    lines.push(
      `| LLM calls per completed recovery: free-text opener / buttons | — | ${x(llm.freeText.callsPerRecovery)} / ${x(llm.buttons.callsPerRecovery)} | | | | ≤ 1 / 0 ${verdict(llm.freeText.callsPerRecovery <= 1 && llm.buttons.calls === 0)} |`,
      `| prompt tokens per completed recovery: free text / buttons | — | ${int(llm.freeText.promptTokensPerRecovery)} / ${int(llm.buttons.promptTokensPerRecovery)} | | | | |`,
    );
  }
  if (classifier) {
    lines.push(`| offline classifier, time per message (median) | — | ${(classifier.medianUs).toFixed(1)} µs | | | | |`);
  }
  lines.push('');

  if (lat) {
    lines.push(
      `### Latency at a fixed rate`,
      '',
      `Open loop at ${lat.rate} turns/s: a turn starts every ${(1000 / lat.rate).toFixed(1)} ms whatever the server does, and its latency counts ` +
        `from its scheduled start to the last byte of the reply (replies come back in the response: expectReplies). ` +
        (sat ? `The rate is ${((100 * lat.rate) / Math.min(sat.peak.a, sat.peak.b, sat.peak.c)).toFixed(0)} % of the slowest variant's peak below, so no variant is saturated. ` : '') +
        `${plan.latencyRounds} rounds of ${plan.latencyMs / 1000} s (after ${plan.latencyWarmupMs / 1000} s discarded) per variant, interleaved (a b c, b c a, c a b…); ` +
        `the table gives the median of the rounds' medians and of their p99s, and the median of the per-round ratios.`,
      '',
      '| round | ' + VARIANTS.map((v) => `${v} p50 / p99 (CPU per turn)`).join(' | ') + ' |',
      '| --- | --- | --- | --- |',
      ...lat.rounds.a.map(
        (_, i) => `| ${i + 1} | ` + VARIANTS.map((v) => `${x(lat.rounds[v][i]!.p50)} / ${x(lat.rounds[v][i]!.p99)} ms (${x(lat.rounds[v][i]!.cpuMsPerTurn)} ms)`).join(' | ') + ' |',
      ),
      '',
      'Where a Clave turn spends it, by step of the recovery (all rounds):',
      '',
      '| step | (b) p50 | (b) p99 | (c) p50 | (c) p99 |',
      '| --- | --- | --- | --- | --- |',
      ...RecoveryConversation.STEP_NAMES.map((name, i) => `| ${name} | ${ms(lat.byStep.b[i]?.p50)} | ${ms(lat.byStep.b[i]?.p99)} | ${ms(lat.byStep.c[i]?.p50)} | ${ms(lat.byStep.c[i]?.p99)} |`),
      '',
      `Errors: ${VARIANTS.map((v) => `${v} ${JSON.stringify(lat.errors[v])}`).join(', ')}.`,
      '',
    );
  }
  if (sat) {
    lines.push(
      '### Peak throughput',
      '',
      `Closed loop: N connections, each sending its next turn as soon as the last reply is in (Clave's conversations are whole ` +
        `recoveries; the echo bot's are four lines of text). N doubles until three steps in a row add less than 5 %; each variant's best N ` +
        `is then measured in ${plan.peakRounds} interleaved rounds of ${plan.peakMs / 1000} s, and the table gives the medians. The load generator shares ` +
        `the 2 cores with the server (and Redis), as any single-machine benchmark here must: peaks are what this machine serves, not what one core of a server does.`,
      '',
      '| N | ' + VARIANTS.map((v) => `${v} turns/s (p50)`).join(' | ') + ' |',
      '| --- | --- | --- | --- |',
      ...plan.sweep
        .filter((n) => VARIANTS.some((v) => sat.curve[v].some((p) => p.n === n)))
        .map((n) => `| ${n} | ` + VARIANTS.map((v) => {
          const p = sat.curve[v].find((q) => q.n === n);
          return p ? `${int(p.turnsPerSecond)} (${x(p.p50)} ms)` : '—';
        }).join(' | ') + ' |'),
      '',
      `Rounds at the best N: ${VARIANTS.map((v) => `${v} ${sat.rounds[v].map((t) => int(t)).join(', ')}`).join('; ')}. Errors: ${VARIANTS.map((v) => `${v} ${sat.errors[v]}`).join(', ')}.`,
      '',
    );
  }
  if (human) {
    lines.push(
      '### Many conversations at human pace',
      '',
      `${int(plan.humanConversations)} conversations at once, each sending its next message ${plan.humanThinkMs.map((t) => t / 1000).join('–')} s after the last reply ` +
        `(the first messages spread over the first ${plan.humanThinkMs[1] / 1000} s), each playing whole recoveries and starting a new one when one ends, for ${plan.humanMs / 1000} s. ` +
        `Latency counts from when the message was due. No language model.`,
      '',
      '| | turns | turns/s | recoveries completed | p50 | p99 | max | errors |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      ...(['b', 'c'] as const)
        .filter((v) => human[v])
        .map((v) => {
          const h = human[v]!;
          return `| ${LABEL[v]} | ${int(h.turns)} | ${int(h.turnsPerSecond)} | ${int(h.completed)} | ${ms(h.p50)} | ${ms(h.p99)} | ${ms(h.max)} | ${h.errors}${h.errors ? ` ${JSON.stringify(h.errorReasons)}` : ''} |`;
        }),
      '',
    );
  }
  if (redis) {
    const s = redis.midJourney;
    lines.push(
      '### Redis memory per conversation',
      '',
      `${s.conversations} conversations on a fresh Redis, each with its own account, brought to mid-journey (the code sent, waiting for it). ` +
        `Every key was found with SCAN and sized with \`MEMORY USAGE key SAMPLES 0\`; a key belongs to a conversation when its hash tag is the ` +
        `conversation id, the subject (HMAC of the account id) or the destination (HMAC of the address) it created; keys with no such tag ` +
        `(\`nudges:due\`, reset grants) are shared out evenly. ${s.keysPerConversation.toFixed(1)} keys and ${int(s.bytesPerConversation)} bytes per conversation ` +
        `mid-journey; ${int(redis.afterLink.bytesPerConversation)} bytes once the reset link is issued. Redis' own \`used_memory\` grew by ` +
        `${int(s.usedMemoryPerConversation)} bytes per conversation mid-journey (allocator and keyspace overhead included). ` +
        `Over these recoveries Clave sent ${redis.commandsPerTurn.toFixed(1)} commands per turn (a script counts once); ` +
        `one round trip (PING through node-redis, one at a time) took ${redis.pingUs.p50.toFixed(0)} µs at the median and ${redis.pingUs.p99.toFixed(0)} µs at p99 on this machine.`,
      '',
      '| key family | keys | bytes per conversation, mid-journey | after the link |',
      '| --- | --- | --- | --- |',
      ...s.byFamily.map((f) => {
        const after = redis.afterLink.byFamily.find((g) => g.family === f.family);
        return `| \`${f.family}\` | ${f.keys} | ${int(f.bytesPerConversation)} | ${after ? int(after.bytesPerConversation) : 0} |`;
      }),
      ...redis.afterLink.byFamily
        .filter((f) => !s.byFamily.some((g) => g.family === f.family))
        .map((f) => `| \`${f.family}\` | (${f.keys} after) | 0 | ${int(f.bytesPerConversation)} |`),
      '',
    );
  }
  if (llm) {
    lines.push(
      '### Language model',
      '',
      `Clave with \`OPENAI_BASE_URL\` pointed at the local OpenAI-compatible stand-in (it answers \`recover_password\` at once and counts). ` +
        `Free text: ${llm.freeText.recoveries} recoveries, each opened with one of the held-out \`recover_password\` messages (test/nlu/heldout.tsv and ` +
        `heldout-hard.tsv), all different, so the answer cache never helps; buttons: the same number opened with the "recover" button. Prompt tokens ` +
        `are the o200k tokens (gpt-4o-mini's) of the chat messages sent, chat framing included; the structured-output schema sent with each call ` +
        `adds about ${llm.schemaTokensPerCall} more per call.`,
      '',
      '| opener | recoveries completed | LLM calls | per recovery | prompt tokens | per recovery | errors |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      `| free text | ${llm.freeText.completed} of ${llm.freeText.recoveries} | ${llm.freeText.calls} | ${x(llm.freeText.callsPerRecovery)} | ${int(llm.freeText.promptTokens)} | ${int(llm.freeText.promptTokensPerRecovery)} | ${llm.freeText.errors} |`,
      `| buttons | ${llm.buttons.completed} of ${llm.buttons.recoveries} | ${llm.buttons.calls} | ${x(llm.buttons.callsPerRecovery)} | ${int(llm.buttons.promptTokens)} | ${int(llm.buttons.promptTokensPerRecovery)} | ${llm.buttons.errors} |`,
      '',
    );
  }
  if (classifier) {
    lines.push(
      '### Offline classifier',
      '',
      `Every message of test/nlu/heldout.tsv (${classifier.messages}), each classified 50 times in a row after 5 warm-up passes, in the bench's own ` +
        `process: median ${classifier.medianUs.toFixed(1)} µs, p99 ${classifier.p99Us.toFixed(1)} µs, mean ${classifier.meanUs.toFixed(1)} µs per message. ` +
        `Training from dialogs/nlu/corpus.tsv at start-up took ${classifier.trainMs.toFixed(0)} ms (once per process, never per request). ` +
        `The load phases' openers: ${classifier.openers.map((o) => `"${o.text}" → ${o.intent} ${o.confidence.toFixed(2)}`).join('; ')}.`,
      '',
    );
  }
  lines.push(
    '### Settings',
    '',
    'Each server runs in a process of its own, started with `node --import tsx` (as the Dockerfile runs Clave); the load generator, the ' +
      'OpenAI stand-in and the bench run in another. Clave runs with `LOG_LEVEL=silent`, `AUDIT_LOG=off`, a fixed `SECRET_KEY`, ' +
      '`RESEND_COOLDOWN_SECONDS=0`, `SENDS_PER_15_MINUTES=10` and `SENDS_PER_DAY=50` (the most the schema allows), `ACCOUNT_FAILURES_PER_HOUR=100`, ' +
      `\`DIRECT_LINE_ENABLED=false\`, nudges and metrics as by default, and a demo directory of ${int(plan.accounts)} accounts without 2FA handed out first ` +
      'in, first out, so no account comes near a send limit and no security limit shapes the load. Codes are read from the development outbox ' +
      '(`app.outbox`), which `bench/clave-server.ts` forwards to the bench over IPC, one message per event-loop turn. Server CPU per turn ' +
      'comes from `/proc/<pid>/stat`; at 200 turns/s it includes what a server spends whatever the load (timers, the nudge poller, ' +
      'metrics), so the figure at peak is the cost of a turn. Redis is a `redis-server` on a free port with ' +
      '`maxmemory-policy noeviction` and no persistence, flushed before each variant (c) starts; every phase starts its servers afresh.',
  );
  return lines.join('\n');
}

export const RESULTS_FILE = join(projectRoot, 'bench/RESULTS.md');
const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';

export function writeResults(generated: string): void {
  const block = `${START}\n${generated}\n${END}`;
  if (existsSync(RESULTS_FILE)) {
    const current = readFileSync(RESULTS_FILE, 'utf8');
    const from = current.indexOf(START);
    const to = current.indexOf(END);
    if (from >= 0 && to > from) {
      writeFileSync(RESULTS_FILE, current.slice(0, from) + block + current.slice(to + END.length));
      return;
    }
  }
  writeFileSync(
    RESULTS_FILE,
    `# Benchmarks\n\nThe cost of a Clave turn against the bare framework. \`npm run bench\` (bench/run.ts) measures it and rewrites the part ` +
      `between the markers below; the rest of this file is written by hand.\n\n${block}\n`,
  );
}
