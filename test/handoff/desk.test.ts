// The desk in the store: the line keeps its order, and when agents click "take" at the same moment exactly
// one of them gets the conversation, on the in-memory store and on a real Redis shared by two connections.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { HandoffDesk, type DeskEntry, type HandoffCase } from '../../src/handoff/desk.js';
import { buildPacket, activityResult } from '../../src/handoff/packet.js';
import { MemoryStore, type KeyValueStore } from '../../src/stores/kv-store.js';
import { RedisStore } from '../../src/stores/redis-store.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

const DAY = 24 * 3600_000;
let redis: RedisServer;
const stores: RedisStore[] = [];

beforeAll(async () => {
  redis = await startRedisServer({ maxmemoryPolicy: 'noeviction' });
});
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await redis?.stop();
});

function handoffCase(conversationId: string, handoffId: string): HandoffCase {
  const input = { conversationId, subject: null, reason: 'requested' as const, locale: 'en' as const, channel: null, codeVerified: false, secondFactorVerified: false, ownerIdentification: { paymentDetails: 'not_asked' as const, securityQuestion: 'not_asked' as const } };
  return {
    handoffId,
    conversationId,
    packet: buildPacket({ input, channelId: 'test', now: 0, accountId: null, activity: activityResult(null, null), transcript: null, secondFactorRequired: null }),
    subject: null,
    codeChannel: null,
    locale: 'en',
    reference: {},
    agentVerified: null,
  };
}

async function enqueue(desk: HandoffDesk, clock: ManualClock, conversationId: string): Promise<DeskEntry> {
  const entry: DeskEntry = { conversationId, handoffId: `h-${conversationId}`, locale: 'en', reason: 'requested', enqueuedAt: clock.now(), agent: null, assignedAt: null };
  await desk.open(handoffCase(conversationId, entry.handoffId), entry);
  return entry;
}

const stamp = () => Math.random().toString(36).slice(2);

describe.each([
  ['in memory', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const store = new MemoryStore(clock);
    return { clock, a: store as KeyValueStore, b: store as KeyValueStore };
  }],
  ['on Redis, two instances', async () => {
    const clock = new ManualClock(Date.now());
    // Two connections with one key space: two instances of the app.
    const keyPrefix = `desk-${stamp()}:`;
    const a = await RedisStore.connect(redis.url, { keyPrefix });
    const b = await RedisStore.connect(redis.url, { keyPrefix });
    stores.push(a, b);
    return { clock, a: a as KeyValueStore, b: b as KeyValueStore };
  }],
] as const)('the handoff desk %s', (_name, make) => {
  it('keeps the line in arrival order and tells each person their place', async () => {
    const { clock, a, b } = await make();
    const deskA = new HandoffDesk(a, clock, DAY);
    const deskB = new HandoffDesk(b, clock, DAY);
    for (const c of ['first', 'second', 'third']) {
      await enqueue(c === 'second' ? deskB : deskA, clock, c);
      clock.advance(1_000);
    }
    expect((await deskB.entries()).map((e) => e.conversationId)).toEqual(['first', 'second', 'third']);
    expect(await deskA.positionOf('third')).toBe(3);
    expect(await deskB.take('first', 'maria')).toBe('taken');
    // Taken conversations leave the line; the others move up.
    expect(await deskA.positionOf('second')).toBe(1);
    expect(await deskA.positionOf('first')).toBeNull();
    await deskA.remove('second');
    expect(await deskB.positionOf('third')).toBe(1);
    // A wait was measured: from joining the line to being taken.
    expect((await deskA.waitSamples()).map((s) => s.ms)).toEqual([3_000]);
  });

  it('lets exactly one of many agents take a conversation that all click at once', async () => {
    const { clock, a, b } = await make();
    const desks = [new HandoffDesk(a, clock, DAY), new HandoffDesk(b, clock, DAY)];
    await enqueue(desks[0]!, clock, 'contested');
    const agents = Array.from({ length: 10 }, (_, i) => `agent-${i}`);
    const outcomes = await Promise.all(agents.map((agent, i) => desks[i % 2]!.take('contested', agent)));
    expect(outcomes.filter((o) => o === 'taken')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'already_taken')).toHaveLength(agents.length - 1);
    const winner = agents[outcomes.indexOf('taken')];
    expect((await desks[1]!.entry('contested'))?.agent).toBe(winner);
    expect((await desks[0]!.assignee('contested'))?.agent).toBe(winner);
  });

  it('delivers each log entry once even when two instances claim at the same moment', async () => {
    const { clock, a, b } = await make();
    const desks = [new HandoffDesk(a, clock, DAY), new HandoffDesk(b, clock, DAY)];
    const entry = await enqueue(desks[0]!, clock, 'chatty');
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => desks[i % 2]!.append('chatty', entry.handoffId, { at: i, kind: 'agent_message', agent: 'maria', text: `m${i}` })),
    );
    const claims = await Promise.all(Array.from({ length: 6 }, (_, i) => desks[i % 2]!.claimUndelivered('chatty')));
    const delivered = claims.flat().map((e) => (e.kind === 'agent_message' ? e.text : ''));
    expect(delivered.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`).sort());
    // A log line from an earlier handoff of the same conversation is refused.
    expect(await desks[1]!.append('chatty', 'another-handoff', { at: 0, kind: 'person_left' })).toBeNull();
  });
});
