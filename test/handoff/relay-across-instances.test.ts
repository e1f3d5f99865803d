// Two instances of the app on one real Redis: the person's conversation arrives on instance B, the agent
// works on instance A. The line, the take, the chat in both directions and the return to the bot all go
// through the store; what the agent does is carried out by B, the instance that holds the person's channel.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, signInAgent, type AgentClient } from '../helpers/agent-console.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { conversation, copy, line, linesOf, play, proactiveLines, startStory, type Harness } from '../transcripts/story.js';

let redis: RedisServer;
let a: Harness;
let b: Harness;
let agent: AgentClient;

beforeAll(async () => {
  redis = await startRedisServer({ maxmemoryPolicy: 'noeviction' });
  const env = { REDIS_URL: redis.url, AGENT_USERS: 'maria:correct-horse-maria' };
  a = await startStory(env);
  b = await startStory(env);
  agent = await signInAgent(a.baseUrl, 'maria', 'correct-horse-maria');
  // Instance A never carries out agent actions itself: whatever reaches the person must come through B.
  await a.app.handoff.stop();
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await redis?.stop();
});

describe('the relay across two instances on one Redis', () => {
  it('lets an agent on A talk both ways with a person on B, and return them to the bot', async () => {
    const { bot, t } = copy('en');
    const conv = conversation('two-instances', 'en');
    await play(b, conv, 'en', [['I want to talk to a person', [bot('handoff_started', ['cancel']), line('en', 'handoff_queue_no_estimate', ['cancel'], { position: 1 })]]]);

    // A sees B's person in the shared line, and takes the conversation.
    const queued = await eventually(() => agent.desk(), (d) => d.queue.some((q) => q.conversationId === conv), 'the line on A');
    expect(queued.queue.find((q) => q.conversationId === conv)).toMatchObject({ locale: 'en', reason: 'requested', position: 1 });
    expect((await agent.act(conv, 'take')).status).toBe(200);
    const { handoffId } = (await agent.caseOf(conv)).body;
    await eventually(() => proactiveLines(b, conv), (lines) => lines.some((l) => l.text === t('handoff_agent_joined', { agent: 'maria' })), 'joined, on B');

    // Person (on B) → agent (on A).
    expect(linesOf(await b.send(conv, { text: 'Hello, is anyone there?', locale: 'en-US' }))).toEqual([]);
    await agent.waitForLog(conv, handoffId, (e) => e.kind === 'person_message' && e.text === 'Hello, is anyone there?');

    // Agent (on A) → person (on B).
    expect((await agent.act(conv, 'messages', { text: 'Yes, Maria here. How can I help?' })).status).toBe(200);
    await eventually(
      () => proactiveLines(b, conv),
      (lines) => lines.some((l) => l.text === t('handoff_agent_message', { agent: 'maria', text: 'Yes, Maria here. How can I help?' })),
      'the agent’s message, on B',
    );

    // The agent returns the person to the bot; B tells them and the bot answers B's next turn.
    expect((await agent.act(conv, 'end', { outcome: 'returned' })).status).toBe(200);
    await eventually(() => proactiveLines(b, conv), (lines) => lines.some((l) => l.text === t('handoff_ended')), 'back with the bot, on B');
    await agent.waitForLog(conv, handoffId, (e) => e.kind === 'closed' && e.outcome === 'returned');
    expect(linesOf(await b.send(conv, { text: 'I forgot my password', locale: 'en-US' }))).toEqual([bot('ask_identifier', ['agent'])]);

    // A delivered nothing itself; every message went out through B.
    expect(a.proactive.get(conv)).toBeUndefined();
    expect(proactiveLines(b, conv).filter((l) => l.text === t('handoff_agent_joined', { agent: 'maria' }))).toHaveLength(1);
  });
});
