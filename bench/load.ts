// The load generator: an HTTP client on a keep-alive agent and three ways of driving conversations with it,
// all bounded in count and time and stopping by themselves.
// - open loop: turns start on a fixed schedule whatever the server does; latency counts from the scheduled
//   start, so a late client or a slow server cannot hide queueing (no coordinated omission);
// - closed loop: N connections, each sending its next turn as soon as the last reply is in (throughput);
// - human pace: many conversations, each sending its next turn a few seconds after the last reply.
import http from 'node:http';
import type { Conversation } from './conversations.js';

export interface HttpReply {
  status: number;
  body: string;
}

/** POSTs JSON to one server over kept-alive connections; every request has a deadline. */
export class HttpTarget {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 2048, maxFreeSockets: 2048, scheduling: 'lifo' });
  /** Requests sent again because a kept-alive connection had just been closed by the server. */
  retries = 0;

  constructor(
    readonly port: number,
    private readonly timeoutMs = 10_000,
  ) {}

  post(path: string, body: string): Promise<HttpReply> {
    return this.send(path, body, true);
  }

  private send(path: string, body: string, mayRetry: boolean): Promise<HttpReply> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: this.port,
          path,
          method: 'POST',
          agent: this.agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error(`no reply within ${this.timeoutMs} ms`)));
      req.on('error', (error: NodeJS.ErrnoException) => {
        // The server may close an idle kept-alive connection just as a request goes out on it; that request
        // was never read, so sending it once more on a new connection is safe (Node's documented pattern).
        if (mayRetry && req.reusedSocket && error.code === 'ECONNRESET') {
          this.retries++;
          this.send(path, body, false).then(resolve, reject);
        } else {
          reject(error);
        }
      });
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Latencies (ms) and failures of one run. */
export class Recorder {
  readonly latencies: number[] = [];
  readonly byStep: number[][] = [];
  readonly errors = new Map<string, number>();
  turns = 0;
  completed = 0;

  record(step: number, ms: number): void {
    this.latencies.push(ms);
    (this.byStep[step] ??= []).push(ms);
    this.turns++;
  }

  error(reason: string): void {
    this.errors.set(reason, (this.errors.get(reason) ?? 0) + 1);
  }

  get errorCount(): number {
    let n = 0;
    for (const count of this.errors.values()) n += count;
    return n;
  }
}

/** Nearest-rank percentile (q in 0..1) of unsorted values; NaN when there are none. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function median(values: readonly number[]): number {
  return percentile(values, 0.5);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Sends one turn and records it; returns false when the conversation cannot go on. */
async function playTurn(target: HttpTarget, conversation: Conversation, body: string, startedAt: number, recorder: Recorder, measure: (endedAt: number) => boolean): Promise<boolean> {
  const step = conversation.step;
  let reply: HttpReply;
  try {
    reply = await target.post('/api/messages', body);
  } catch (error) {
    recorder.error((error as Error).message.replace(/\d+/g, 'N'));
    return false;
  }
  const endedAt = performance.now();
  const problem = conversation.accept(reply.status, reply.body);
  if (measure(endedAt)) {
    recorder.record(step, endedAt - startedAt);
    if (problem) recorder.error(problem);
    else if (conversation.finished) recorder.completed++;
  }
  return problem === null;
}

export interface OpenLoopOptions {
  target: HttpTarget;
  /** Turns per second, started on a fixed schedule. */
  rate: number;
  warmupMs: number;
  durationMs: number;
  newConversation: () => Conversation;
}

/**
 * Open loop at a fixed rate: every 1/rate seconds the conversation that has waited longest for its next turn
 * sends it (a new conversation starts when none is waiting). Bounded: exactly rate × time turns are sent.
 */
export async function openLoop(options: OpenLoopOptions): Promise<Recorder> {
  const { target, rate, warmupMs, durationMs, newConversation } = options;
  const recorder = new Recorder();
  const ready: { conversation: Conversation; body: string }[] = [];
  const inFlight = new Set<Promise<void>>();
  const total = Math.round((rate * (warmupMs + durationMs)) / 1000);
  const start = performance.now();
  const measureFrom = start + warmupMs;
  const interval = 1000 / rate;
  let sent = 0;

  const makeReady = (conversation: Conversation) => {
    Promise.resolve(conversation.next()).then(
      (body) => ready.push({ conversation, body }),
      (error: Error) => recorder.error(error.message),
    );
  };

  const fire = (scheduledAt: number) => {
    let item = ready.shift();
    if (!item) {
      const conversation = newConversation();
      item = { conversation, body: conversation.next() as string };
    }
    const { conversation, body } = item;
    const job = playTurn(target, conversation, body, scheduledAt, recorder, () => scheduledAt >= measureFrom).then((ok) => {
      if (ok && !conversation.finished) makeReady(conversation);
    });
    inFlight.add(job);
    void job.finally(() => inFlight.delete(job));
  };

  while (sent < total) {
    const now = performance.now();
    const due = Math.min(total, Math.floor((now - start) / interval) + 1);
    while (sent < due) fire(start + sent++ * interval);
    if (sent < total) await sleep(Math.max(0, start + sent * interval - performance.now()));
  }
  await Promise.all(inFlight);
  return recorder;
}

export interface ClosedLoopOptions {
  target: HttpTarget;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  newConversation: () => Conversation;
}

/** N connections, each sending its next turn when the last reply is in. Turns per second in the measured window. */
export async function closedLoop(options: ClosedLoopOptions): Promise<{ recorder: Recorder; turnsPerSecond: number }> {
  const { target, concurrency, warmupMs, durationMs, newConversation } = options;
  const recorder = new Recorder();
  const start = performance.now();
  const measureFrom = start + warmupMs;
  const end = measureFrom + durationMs;
  const inWindow = (t: number) => t >= measureFrom && t <= end;

  const worker = async () => {
    let conversation: Conversation | null = null;
    while (performance.now() < end) {
      conversation ??= newConversation();
      let body: string;
      try {
        body = await conversation.next();
      } catch (error) {
        recorder.error((error as Error).message);
        conversation = null;
        continue;
      }
      const ok = await playTurn(target, conversation, body, performance.now(), recorder, inWindow);
      if (!ok || conversation.finished) conversation = null;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { recorder, turnsPerSecond: recorder.turns / (durationMs / 1000) };
}

export interface HumanPaceOptions {
  target: HttpTarget;
  /** Conversations active at once; each starts a new recovery when one ends. */
  conversations: number;
  /** Quiet time between a reply and the next message, drawn uniformly from [min, max] ms. */
  thinkMs: [number, number];
  durationMs: number;
  newConversation: () => Conversation;
}

/**
 * Many people at once, each typing their next message a few seconds after the last reply. The first
 * messages are spread over one think time, so the load is steady from the start. Latency counts from when
 * the message was due, so a late timer in the client counts against the result, not for it.
 */
export async function humanPace(options: HumanPaceOptions): Promise<Recorder> {
  const { target, conversations, thinkMs, durationMs, newConversation } = options;
  const recorder = new Recorder();
  const start = performance.now();
  const end = start + durationMs;
  const think = () => thinkMs[0] + Math.random() * (thinkMs[1] - thinkMs[0]);

  const person = async () => {
    let dueAt = start + Math.random() * thinkMs[1];
    while (dueAt < end) {
      const conversation = newConversation();
      while (!conversation.finished && dueAt < end) {
        await sleep(Math.max(0, dueAt - performance.now()));
        let body: string;
        try {
          body = await conversation.next();
        } catch (error) {
          recorder.error((error as Error).message);
          break;
        }
        if (!(await playTurn(target, conversation, body, dueAt, recorder, () => true))) break;
        dueAt = performance.now() + think();
      }
      if (!conversation.finished) dueAt = performance.now() + think();
    }
  };
  await Promise.all(Array.from({ length: conversations }, person));
  return recorder;
}

/**
 * Plays up to `turns` more turns of every conversation (all of them when absent), `concurrency` at a time, one
 * conversation's turns in order. For set-ups (bring conversations to mid-journey) rather than timing.
 */
export async function playAll(target: HttpTarget, conversations: readonly Conversation[], concurrency: number, turns = Infinity): Promise<Recorder> {
  const recorder = new Recorder();
  let next = 0;
  const worker = async () => {
    while (next < conversations.length) {
      const conversation = conversations[next++]!;
      for (let played = 0; played < turns && !conversation.finished; played++) {
        let body: string;
        try {
          body = await conversation.next();
        } catch (error) {
          recorder.error((error as Error).message);
          break;
        }
        if (!(await playTurn(target, conversation, body, performance.now(), recorder, () => true))) break;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return recorder;
}
