// SECURITY.md 1: nobody learns from the chat whether an account exists. 200 identifiers of real accounts (a
// generated directory) and 200 that match nothing go through the same journey — opener, identifier, email
// channel, a wrong code — interleaved one by one, which of a pair goes first alternating. Every activity the
// bot sends (text, buttons, typing) must be byte-identical, the chart must end in the same step, and the latency
// of each turn must show no significant difference (two-sided Mann-Whitney U, p > 0.001, and medians within a
// factor of 1.5). With 200 pairs this catches an asymmetry of a few hundred microseconds on a busy machine (a
// 1 ms one gives z ≈ 15); smaller ones need more pairs than SECURITY.md asks for.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsFile, keysOf, mannWhitney, median, stateOf, startApp, visible, type Harness } from './helpers.js';

const PAIRS = 200;
const WARM_UP = 10;
/** Longer than a send takes to start and finish on the development outbox (DeliveryQueue's start delay). */
const READING_MS = 20;

const existing = Array.from({ length: PAIRS + WARM_UP }, (_, i) => `member${i}@example.com`);
const unknown = Array.from({ length: PAIRS + WARM_UP }, (_, i) => `nobody${i}@example.net`);

const STEPS = ['opener', 'identifier', 'channel', 'wrong code'] as const;
type StepName = (typeof STEPS)[number];

interface Journey {
  transcript: string[];
  millis: Record<StepName, number>;
  finalState: string;
  codeSent: boolean;
}

let h: Harness;
beforeAll(async () => {
  const file = await accountsFile(existing.map((email, i) => ({ id: `acct-gen-${i}`, name: `Member ${i}`, email, locale: 'en' })));
  h = await startApp({ ACCOUNTS_FILE: file });
});
afterAll(() => h.close());

let conversations = 0;
async function journey(identifier: string): Promise<Journey> {
  const conv = `exists-${++conversations}`;
  const transcript: string[] = [];
  const millis = {} as Record<StepName, number>;
  const step = async (name: StepName, activity: Parameters<Harness['send']>[1]) => {
    const started = performance.now();
    const replies = await h.send(conv, { ...activity, locale: 'en-US' });
    millis[name] = performance.now() - started;
    transcript.push(...replies.map((r) => visible(r, conv)));
  };
  await step('opener', { text: 'I forgot my password' });
  await step('identifier', { text: identifier });
  await step('channel', { value: { choice: 'channel_email' } });
  // The code that went out, if one did; the person types a different one. Reading it takes the same pause either
  // way: waiting only for a send that happened would give the two groups different gaps before the next turn.
  const reading = new Promise((resolve) => setTimeout(resolve, READING_MS));
  const [sent] = await h.codesFor(identifier);
  await reading;
  await step('wrong code', { text: sent === '000000' ? '111111' : '000000' });
  return { transcript, millis, finalState: await stateOf(h, conv), codeSent: sent !== undefined };
}

describe('an identifier that matches an account and one that does not (SECURITY.md 1)', () => {
  const runs: { existing: Journey[]; unknown: Journey[] } = { existing: [], unknown: [] };

  beforeAll(async () => {
    // Warm up the process first (JIT, connection pool), then alternate so drift touches both alike; which
    // of a pair goes first alternates too, so "first of the pair" is no difference either.
    for (let i = 0; i < WARM_UP; i++) {
      await journey(existing[PAIRS + i]!);
      await journey(unknown[PAIRS + i]!);
    }
    for (let i = 0; i < PAIRS; i++) {
      if (i % 2) {
        runs.unknown.push(await journey(unknown[i]!));
        runs.existing.push(await journey(existing[i]!));
      } else {
        runs.existing.push(await journey(existing[i]!));
        runs.unknown.push(await journey(unknown[i]!));
      }
    }
  });

  it('really is 200 accounts that were sent a code and 200 identifiers that were not', () => {
    expect(runs.existing).toHaveLength(PAIRS);
    expect(runs.unknown).toHaveLength(PAIRS);
    expect(runs.existing.filter((j) => j.codeSent)).toHaveLength(PAIRS);
    expect(runs.unknown.filter((j) => j.codeSent)).toHaveLength(0);
  });

  it('gives byte-identical transcripts, typing and buttons included, up to and including a wrong code', () => {
    const reference = runs.existing[0]!.transcript;
    const differing = [...runs.existing, ...runs.unknown].filter((j) => JSON.stringify(j.transcript) !== JSON.stringify(reference));
    expect(differing, 'journeys whose transcript differs from the first').toHaveLength(0);
    // What the transcript is: a typing indicator on every turn, the menu, "if that belongs to an account…", "doesn't match".
    const parsed = reference.map((line) => JSON.parse(line) as { type: string; text?: string });
    expect(parsed.filter((a) => a.type === 'typing')).toHaveLength(STEPS.length);
    expect(keysOf('en', parsed as never)).toEqual(['ask_identifier', 'ask_channel', 'code_sent_email', 'ask_code', 'code_wrong', 'ask_code']);
  });

  it('leaves both in the same step of the chart', () => {
    const states = new Set([...runs.existing, ...runs.unknown].map((j) => j.finalState));
    expect([...states]).toEqual(['journey.awaitingCode']);
  });

  it.each(STEPS)('answers the %s turn as fast either way (medians printed)', (name) => {
    const a = runs.existing.map((j) => j.millis[name]);
    const b = runs.unknown.map((j) => j.millis[name]);
    const [ma, mb] = [median(a), median(b)];
    const { u, z, p } = mannWhitney(a, b);
    console.log(
      `SECURITY 1 latency, ${name}: median existing ${ma.toFixed(3)} ms, unknown ${mb.toFixed(3)} ms; ` +
        `Mann-Whitney U = ${u}, z = ${z.toFixed(2)}, p = ${p.toFixed(4)} (n = ${a.length} + ${b.length})`,
    );
    expect(p, 'no significant difference at p = 0.001').toBeGreaterThan(0.001);
    expect(Math.max(ma, mb) / Math.min(ma, mb), 'medians within a factor of 1.5').toBeLessThan(1.5);
  });
});
