// SECURITY.md 21: the web widget gets per-conversation Direct Line tokens, never a secret, and the user id comes
// from the server, so a client cannot pose as another conversation or person. On the local Direct Line endpoint
// (/v3/directline): a message with a tampered from.id is refused and never reaches the bot; a token for
// conversation A is refused on B (posting, reading, reconnecting, streaming), as is a token rewritten to name B;
// what reaches the bot is always the token's own user; and the page that starts the widget holds no secret.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SECRET_KEY, startApp, stateOf, type Harness } from './helpers.js';

let h: Harness;
let domain: string;
beforeAll(async () => {
  h = await startApp();
  domain = `${h.baseUrl}/v3/directline`;
});
afterAll(() => h.close());

interface Conversation {
  conversationId: string;
  token: string;
  streamUrl?: string;
}
interface Activity {
  type: string;
  text?: string;
  from: { id: string; role?: string };
}

const auth = (token: string) => ({ Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' });
const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { conv: string; user: string };

async function start(body: unknown = { user: {} }): Promise<Conversation> {
  const generated = (await (await fetch(`${domain}/tokens/generate`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })).json()) as Conversation;
  const response = await fetch(`${domain}/conversations`, { method: 'POST', headers: auth(generated.token), body: JSON.stringify(body) });
  expect(response.status).toBe(201);
  return (await response.json()) as Conversation;
}
const post = (conversationId: string, token: string, activity: Record<string, unknown>) =>
  fetch(`${domain}/conversations/${conversationId}/activities`, { method: 'POST', headers: auth(token), body: JSON.stringify({ type: 'message', locale: 'en-US', ...activity }) });
const activities = async (conversationId: string, token: string): Promise<Activity[]> =>
  ((await (await fetch(`${domain}/conversations/${conversationId}/activities`, { headers: auth(token) })).json()) as { activities: Activity[] }).activities;

/** Waits until the bot has answered in the conversation (its replies come back through the connector). */
async function botReplies(conversation: Conversation, count: number): Promise<Activity[]> {
  for (let i = 0; i < 200; i++) {
    const all = await activities(conversation.conversationId, conversation.token);
    if (all.filter((a) => a.from.role === 'bot' && a.type === 'message').length >= count) return all;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the bot did not answer');
}

describe('Direct Line: who a client is comes from the server (SECURITY.md 21)', () => {
  it('refuses a message with a tampered from.id, and the bot never sees it', async () => {
    const a = await start();
    const b = await start();
    const tampered = await post(a.conversationId, a.token, { text: 'I forgot my password', from: { id: claims(b.token).user, role: 'user' } });
    const body = (await tampered.json()) as { error: { message: string } };
    console.log(`SECURITY 21 tampered from.id → ${tampered.status} ${body.error.message}`);
    expect(tampered.status).toBe(400);
    await new Promise((r) => setTimeout(r, 100));
    expect(await activities(a.conversationId, a.token)).toEqual([]);
    expect(await stateOf(h, a.conversationId), 'no turn ran').toBe('none');
  });

  it('sends what the client posts as the token’s own user, whatever the body said when asking for the token', async () => {
    const a = await start({ user: { id: 'dl_chosen-by-client', name: 'Admin' } });
    expect(claims(a.token).user).not.toBe('dl_chosen-by-client');
    expect((await post(a.conversationId, a.token, { text: 'I forgot my password', from: { id: claims(a.token).user, name: 'Someone Else', role: 'bot' } })).status).toBe(200);
    const all = await botReplies(a, 1);
    const mine = all.filter((x) => x.from.role !== 'bot');
    expect(mine.map((x) => x.from)).toEqual([{ id: claims(a.token).user, role: 'user' }]);
    expect(await stateOf(h, a.conversationId)).toBe('journey.identify');
  });

  it('refuses a token for conversation A on conversation B: post, read, reconnect, stream, and a token rewritten to say B', async () => {
    const a = await start();
    const b = await start();
    const [header, payload, signature] = a.token.split('.') as [string, string, string];
    const rewritten = `${header}.${Buffer.from(JSON.stringify({ ...claims(a.token), conv: b.conversationId })).toString('base64url')}.${signature}`;
    const streamToken = new URL(a.streamUrl!).searchParams.get('t')!;
    const attempts: Record<string, number> = {
      "post to B with A's token": (await post(b.conversationId, a.token, { text: 'ben@example.com' })).status,
      "read B with A's token": (await fetch(`${domain}/conversations/${b.conversationId}/activities`, { headers: auth(a.token) })).status,
      "reconnect to B with A's token": (await fetch(`${domain}/conversations/${b.conversationId}`, { headers: auth(a.token) })).status,
      'post to B with a token rewritten to say B': (await post(b.conversationId, rewritten, { text: 'hi' })).status,
      "post to A with A's stream token": (await post(a.conversationId, streamToken, { text: 'hi' })).status,
      'post to B with no token': (await fetch(`${domain}/conversations/${b.conversationId}/activities`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":"message","text":"hi"}' })).status,
    };
    const wsUrl = `${h.baseUrl.replace('http', 'ws')}/v3/directline/conversations/${b.conversationId}/stream?watermark=&t=${encodeURIComponent(streamToken)}`;
    attempts["stream B with A's stream token"] = await new Promise<number>((resolve) => {
      const ws = new WebSocket(wsUrl);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => {
        ws.close();
        resolve(101);
      });
      ws.on('error', () => resolve(-1));
    });
    console.log(`SECURITY 21 ${Object.entries(attempts).map(([what, status]) => `${what} → ${status}`).join('; ')}`);
    for (const [what, status] of Object.entries(attempts)) expect([401, 403], what).toContain(status);
    expect(await activities(b.conversationId, b.token), 'nothing reached B').toEqual([]);
    expect(await stateOf(h, b.conversationId)).toBe('none');
  });

  it('gives the widget per-conversation tokens and no secret', async () => {
    const page = await (await fetch(`${h.baseUrl}/`)).text();
    const sources = [...page.matchAll(/<script[^>]+src="([^"]+)"/g)].map((m) => m[1]!);
    const scripts = await Promise.all(sources.map(async (src) => ({ src, text: await (await fetch(new URL(src, h.baseUrl))).text() })));
    // Our script asks this server for a token per conversation and carries no credential of its own.
    const ours = scripts.filter((s) => s.text.includes('/tokens/generate'));
    expect(ours.map((s) => s.src), 'the widget script').toHaveLength(1);
    expect(/secret/i.test(ours[0]!.text), 'no secret in the widget script').toBe(false);
    for (const text of [page, ...scripts.map((s) => s.text)]) {
      expect(text.includes(SECRET_KEY), 'the server key is never sent').toBe(false);
      expect(/Bearer [A-Za-z0-9_.-]{20,}/.test(text), 'no token baked into a page').toBe(false);
    }
    const one = await start();
    const two = await start();
    expect(claims(one.token).conv).toBe(one.conversationId);
    expect(claims(two.token).conv).toBe(two.conversationId);
    expect(one.conversationId).not.toBe(two.conversationId);
    expect(claims(one.token).user).not.toBe(claims(two.token).user);
  });
});
