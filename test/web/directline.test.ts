// The local Direct Line 3.0 endpoint, driven over HTTP the way botframework-directlinejs drives it (same
// URLs, methods, headers and bodies): start, post, poll with a watermark, refresh, reconnect and stream,
// plus what it must refuse (SECURITY.md §G.21) and the bounds on what it accepts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { text } from '../../dialogs/catalog.js';
import { startHarness, type Harness } from '../helpers/bot-harness.js';

const BOT_AGENT = 'DirectLine/3.0 (directlinejs 0.15.5)';

interface Activity {
  id: string;
  type: string;
  text?: string;
  from: { id: string; role?: string };
  replyToId?: string;
  channelData?: Record<string, unknown>;
  serviceUrl?: string;
  [key: string]: unknown;
}
interface ActivityGroup {
  activities: Activity[];
  watermark: string;
}
interface Conversation {
  conversationId: string;
  token: string;
  expires_in: number;
  streamUrl?: string;
}

let harness: Harness;
let domain: string;

beforeAll(async () => {
  // Every test here mints from 127.0.0.1; the per-address limit has its own test (directline-token-limit).
  harness = await startHarness({ DIRECT_LINE_TOKENS_PER_MINUTE: '1000' });
  domain = `${harness.baseUrl}/v3/directline`;
});
afterAll(async () => harness.close());

const headers = (token: string) => ({
  Authorization: `Bearer ${token}`,
  'x-ms-bot-agent': BOT_AGENT,
  Accept: 'application/json',
  'Content-Type': 'application/json',
});

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

async function generate(): Promise<{ conversationId: string; token: string }> {
  const response = await fetch(`${domain}/tokens/generate`, { method: 'POST' });
  expect(response.status).toBe(200);
  return (await response.json()) as { conversationId: string; token: string };
}

/** directlinejs' startConversation with a token: POST {domain}/conversations, body { user: {}, locale }. */
async function start(locale = 'en-US'): Promise<Conversation> {
  const { token } = await generate();
  const response = await fetch(`${domain}/conversations`, {
    method: 'POST',
    headers: headers(token),
    body: JSON.stringify({ user: {}, locale }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as Conversation;
}

function post(conversation: Conversation, activity: Record<string, unknown>, token = conversation.token) {
  return fetch(`${domain}/conversations/${conversation.conversationId}/activities`, {
    method: 'POST',
    headers: headers(token),
    body: JSON.stringify(activity),
  });
}

function poll(conversation: Conversation, watermark = '', token = conversation.token) {
  return fetch(`${domain}/conversations/${conversation.conversationId}/activities?watermark=${watermark}`, {
    method: 'GET',
    headers: headers(token),
  });
}

/** Polls like directlinejs (every 50 ms here) until the bot has said `count` messages after the watermark. */
async function pollUntil(conversation: Conversation, watermark: string, count: number): Promise<ActivityGroup> {
  const seen: Activity[] = [];
  let mark = watermark;
  for (let i = 0; i < 200; i++) {
    const response = await poll(conversation, mark);
    expect(response.status).toBe(200);
    const group = (await response.json()) as ActivityGroup;
    seen.push(...group.activities);
    mark = group.watermark;
    if (seen.filter((a) => a.type === 'message' && a.from.role === 'bot').length >= count) return { activities: seen, watermark: mark };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the bot did not say ${count} messages; saw ${JSON.stringify(seen)}`);
}

const userMessage = (textValue: string, clientActivityID: string, extra: Record<string, unknown> = {}) => ({
  type: 'message',
  text: textValue,
  textFormat: 'plain',
  locale: 'en-US',
  channelData: { clientActivityID, clientTimestamp: new Date().toISOString() },
  entities: [{ type: 'ClientCapabilities', requiresBotState: true, supportsListening: true, supportsTts: true }],
  ...extra,
});

describe('starting a conversation', () => {
  it('issues a token for a new conversation with a server-chosen dl_ user, and starts it', async () => {
    const { conversationId, token } = await generate();
    const claims = claimsOf(token);
    expect(claims.conv).toBe(conversationId);
    expect(String(claims.user)).toMatch(/^dl_[\w-]+$/);

    const response = await fetch(`${domain}/conversations`, { method: 'POST', headers: headers(token), body: JSON.stringify({ user: { id: 'me' } }) });
    expect(response.status).toBe(201);
    const conversation = (await response.json()) as Conversation;
    expect(conversation.conversationId).toBe(conversationId);
    expect(conversation.expires_in).toBe(1800);
    expect(claimsOf(conversation.token).user).toBe(claims.user);
    expect(conversation.streamUrl).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:\\d+/v3/directline/conversations/${conversationId}/stream\\?`));

    // Starting again with the same token returns the same conversation.
    const again = await fetch(`${domain}/conversations`, { method: 'POST', headers: headers(token), body: '{}' });
    expect(again.status).toBe(200);
    expect(((await again.json()) as Conversation).conversationId).toBe(conversationId);
  });

  it('does not let a client choose its user id when asking for a token', async () => {
    const response = await fetch(`${domain}/tokens/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: { id: 'dl_someone-else' } }),
    });
    const { token } = (await response.json()) as { token: string };
    expect(claimsOf(token).user).not.toBe('dl_someone-else');
  });

  it('needs a token, and says so', async () => {
    const response = await fetch(`${domain}/conversations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/token/);
  });
});

describe('posting and polling', () => {
  it('echoes the posted activity with its clientActivityID, delivers it to the bot and returns the replies after the watermark', async () => {
    const conversation = await start();
    const user = claimsOf(conversation.token).user;

    const join = await post(conversation, { type: 'event', name: 'webchat/join', value: { locale: 'en-US' }, channelData: { clientActivityID: 'join-1' } });
    expect(join.status).toBe(200);
    const { id: joinId } = (await join.json()) as { id: string };
    expect(joinId).toMatch(new RegExp(`^${conversation.conversationId}\\|\\d{7}$`));

    const first = await pollUntil(conversation, '', 1);
    const [echo, greeting] = first.activities;
    expect(echo).toMatchObject({ id: joinId, type: 'event', name: 'webchat/join', from: { id: user, role: 'user' } });
    expect(echo!.channelData).toMatchObject({ clientActivityID: 'join-1' });
    expect(greeting).toMatchObject({ type: 'message', from: { role: 'bot' }, replyToId: joinId, conversation: { id: conversation.conversationId } });
    expect(greeting!.text).toBe(text('en', 'welcome', { brand: 'StreamFlix Demo' }));
    expect(greeting!.serviceUrl).toBeUndefined();
    // Typing indicators are only streamed, never kept for polling (as on Azure's Direct Line).
    expect(first.activities.some((a) => a.type === 'typing')).toBe(false);

    const sent = await post(conversation, userMessage('I forgot my password', 'msg-1'));
    const { id: messageId } = (await sent.json()) as { id: string };
    const second = await pollUntil(conversation, first.watermark, 1);
    expect(second.activities.map((a) => a.id)).not.toContain(greeting!.id);
    expect(second.activities[0]).toMatchObject({ id: messageId, text: 'I forgot my password', channelData: { clientActivityID: 'msg-1' } });
    expect(second.activities[1]).toMatchObject({ replyToId: messageId, text: text('en', 'ask_identifier', { brand: 'StreamFlix Demo' }) });
    expect(Number(second.watermark)).toBeGreaterThan(Number(first.watermark));

    // Nothing new: the same watermark comes back with no activities.
    const idle = (await (await poll(conversation, second.watermark)).json()) as ActivityGroup;
    expect(idle).toEqual({ activities: [], watermark: second.watermark });
  });

  it('keeps the order of messages sent quickly one after another', async () => {
    const conversation = await start();
    await post(conversation, userMessage('I forgot my password', 'a'));
    await post(conversation, userMessage('ana@example.com', 'b'));
    const group = await pollUntil(conversation, '', 2);
    const bot = group.activities.filter((a) => a.from.role === 'bot' && a.type === 'message').map((a) => a.text);
    expect(bot[0]).toBe(text('en', 'ask_identifier', { brand: 'StreamFlix Demo' }));
    expect(bot.at(-1)).toBe(text('en', 'ask_channel'));
    const stamps = group.activities.map((a) => Date.parse(String(a.timestamp)));
    expect([...stamps].sort((x, y) => x - y)).toEqual(stamps);
    expect(new Set(stamps).size).toBe(stamps.length);
  });

  it('sends the user as the token says: a missing from is filled in, a different from.id is refused', async () => {
    const conversation = await start();
    const user = claimsOf(conversation.token).user;
    const tampered = await post(conversation, userMessage('hello', 'x', { from: { id: 'dl_somebody-else', role: 'user' } }));
    expect(tampered.status).toBe(400);
    expect(((await tampered.json()) as { error: { message: string } }).error.message).toMatch(/from\.id/);
    const none = (await (await poll(conversation)).json()) as ActivityGroup;
    expect(none.activities).toEqual([]);

    const anonymous = await post(conversation, userMessage('hello', 'y'));
    expect(anonymous.status).toBe(200);
    const own = await post(conversation, userMessage('hello', 'z', { from: { id: user, name: 'Me', role: 'bot' } }));
    expect(own.status).toBe(200);
    const group = (await (await poll(conversation)).json()) as ActivityGroup;
    expect(group.activities.filter((a) => a.from.id === user).map((a) => a.from)).toEqual([
      { id: user, role: 'user' },
      { id: user, role: 'user' },
    ]);
  });
});

describe('tokens', () => {
  it('refreshes a token, which extends its expiry; an expired token is refused with 403', async () => {
    const conversation = await start();
    const before = claimsOf(conversation.token);
    harness.clock.advance(10 * 60_000);
    const refreshed = await fetch(`${domain}/tokens/refresh`, { method: 'POST', headers: { Authorization: `Bearer ${conversation.token}`, 'x-ms-bot-agent': BOT_AGENT } });
    expect(refreshed.status).toBe(200);
    const { token } = (await refreshed.json()) as { token: string };
    const after = claimsOf(token);
    expect(after).toMatchObject({ conv: before.conv, user: before.user });
    expect(Number(after.exp)).toBe(Number(before.exp) + 600);

    harness.clock.advance(25 * 60_000); // the first token is now 35 minutes old, the refreshed one 25
    const stale = await poll(conversation);
    expect(stale.status).toBe(403);
    expect(((await stale.json()) as { error: { code: string } }).error.code).toBe('TokenExpired');
    expect((await fetch(`${domain}/tokens/refresh`, { method: 'POST', headers: headers(conversation.token) })).status).toBe(403);
    expect((await poll(conversation, '', token)).status).toBe(200);
  });

  it('refuses a token for another conversation, a tampered token and a token that is not one', async () => {
    const a = await start();
    const b = await start();
    for (const response of [
      await poll(b, '', a.token),
      await post(b, userMessage('hi', 'q'), a.token),
      await fetch(`${domain}/conversations/${b.conversationId}`, { headers: headers(a.token) }),
    ]) {
      expect(response.status).toBe(403);
      expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/not valid for this conversation/);
    }

    // Same signature, payload rewritten to name conversation B: the signature no longer matches.
    const [header, payload, signature] = a.token.split('.') as [string, string, string];
    const forged = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    forged.conv = b.conversationId;
    const tampered = `${header}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${signature}`;
    expect((await poll(b, '', tampered)).status).toBe(403);
    expect((await poll(b, '', 'not-a-token')).status).toBe(403);
    // A stream token (from a streamUrl) does not open the REST API.
    const streamToken = new URL(a.streamUrl!).searchParams.get('t')!;
    expect((await poll(a, '', streamToken)).status).toBe(403);
    // Nothing reached conversation B.
    expect(((await (await poll(b)).json()) as ActivityGroup).activities).toEqual([]);
  });
});

describe('reconnecting', () => {
  it('gives a fresh token and streamUrl for the same conversation, and replays from the watermark', async () => {
    const conversation = await start();
    await post(conversation, { type: 'event', name: 'webchat/join', value: { locale: 'es-ES' }, channelData: { clientActivityID: 'j' } });
    const group = await pollUntil(conversation, '', 1);
    const response = await fetch(`${domain}/conversations/${conversation.conversationId}?watermark=1`, { headers: headers(conversation.token) });
    expect(response.status).toBe(200);
    const again = (await response.json()) as Conversation;
    expect(again.conversationId).toBe(conversation.conversationId);
    expect(new URL(again.streamUrl!).searchParams.get('watermark')).toBe('1');
    const replay = (await (await poll(again, '')).json()) as ActivityGroup;
    expect(replay.activities.map((a) => a.id)).toEqual(group.activities.map((a) => a.id));
  });

  it('says a conversation it does not know has ended (404)', async () => {
    const { conversationId, token } = await generate();
    const response = await fetch(`${domain}/conversations/${conversationId}`, { headers: headers(token) });
    expect(response.status).toBe(404);
    expect((await fetch(`${domain}/conversations/${conversationId}/activities`, { headers: headers(token) })).status).toBe(404);
  });
});

describe('streaming over WebSocket', () => {
  const open = (url: string) =>
    new Promise<{ socket: WebSocket; groups: ActivityGroup[] }>((resolve, reject) => {
      const socket = new WebSocket(url);
      const groups: ActivityGroup[] = [];
      socket.on('message', (data) => groups.push(JSON.parse(String(data)) as ActivityGroup));
      socket.on('open', () => resolve({ socket, groups }));
      socket.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      socket.on('error', reject);
    });
  const until = async (check: () => boolean) => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
    expect(check()).toBe(true);
  };

  it('streams the backlog, then live activities with watermarks, and typing without one', async () => {
    const conversation = await start();
    await post(conversation, { type: 'event', name: 'webchat/join', value: { locale: 'en-US' }, channelData: { clientActivityID: 'j' } });
    await pollUntil(conversation, '', 1);
    const { socket, groups } = await open(conversation.streamUrl!);
    await until(() => groups.length >= 1);
    expect(groups[0]!.activities.map((a) => a.type)).toEqual(['event', 'message']);
    expect(groups[0]!.watermark).toBe('2');

    socket.send(''); // directlinejs' keep-alive
    await post(conversation, userMessage('help', 'h'));
    const help = text('en', 'help', { brand: 'StreamFlix Demo' });
    await until(() => groups.some((g) => g.activities[0]!.text === help));
    const live = groups.slice(1);
    const typing = live.filter((g) => g.activities[0]!.type === 'typing');
    expect(typing.length).toBe(1);
    expect(typing[0]!.watermark).toBeUndefined();
    // The echo of the user's message (3), then the bot's replies, each with the next watermark.
    const logged = live.filter((g) => g.activities[0]!.type === 'message');
    expect(logged.map((g) => g.watermark)).toEqual(logged.map((_, i) => String(3 + i)));
    expect(logged[0]!.activities[0]).toMatchObject({ text: 'help', channelData: { clientActivityID: 'h' } });
    socket.close();
  });

  it('refuses a stream for another conversation or with a conversation token instead of a stream token', async () => {
    const a = await start();
    const b = await start();
    const url = new URL(a.streamUrl!);
    url.pathname = url.pathname.replace(a.conversationId, b.conversationId);
    await expect(open(url.toString())).rejects.toThrow('HTTP 403');
    const withRestToken = new URL(a.streamUrl!);
    withRestToken.searchParams.set('t', a.token);
    await expect(open(withRestToken.toString())).rejects.toThrow('HTTP 403');
  });
});

describe('bad requests get a 4xx with a clear body', () => {
  const rawPost = (conversation: Conversation, body: string, contentType = 'application/json') =>
    fetch(`${domain}/conversations/${conversation.conversationId}/activities`, {
      method: 'POST',
      headers: { ...headers(conversation.token), 'Content-Type': contentType },
      body,
    });
  const errorOf = async (response: Response) => JSON.stringify(await response.json());

  it.each([
    ['malformed JSON', '{"type":"message",', 400, /JSON|body/i],
    ['a JSON array', '[]', 400, /one activity/],
    ['an unknown activity type', JSON.stringify({ type: 'invoke', name: 'x' }), 400, /type must be/],
    ['text over 4,000 characters', JSON.stringify({ type: 'message', text: 'a'.repeat(4001) }), 400, /at most 4000/],
    ['an attachment', JSON.stringify({ type: 'message', attachments: [{ contentType: 'image/png', contentUrl: 'x' }] }), 400, /attachments are not supported/],
    ['a bad locale', JSON.stringify({ type: 'message', text: 'hi', locale: '<script>' }), 400, /locale/],
    ['a body over 64 KB', JSON.stringify({ type: 'message', value: 'x'.repeat(70_000) }), 413, /.+/],
    ['an activity over 32 KB', JSON.stringify({ type: 'message', value: 'x'.repeat(40_000) }), 413, /too large/],
  ])('%s', async (_name, body, status, message) => {
    const conversation = await start();
    const response = await rawPost(conversation, body);
    expect(response.status).toBe(status);
    expect(await errorOf(response)).toMatch(message);
    // The service is still up and the conversation untouched.
    expect(((await (await poll(conversation)).json()) as ActivityGroup).activities).toEqual([]);
  });

  it('refuses a watermark it never gave out, and file uploads', async () => {
    const conversation = await start();
    const badMark = await poll(conversation, 'abc');
    expect(badMark.status).toBe(400);
    expect(await errorOf(badMark)).toMatch(/watermark/);
    const upload = await fetch(`${domain}/conversations/${conversation.conversationId}/upload?userId=x`, { method: 'POST', headers: headers(conversation.token) });
    expect(upload.status).toBe(415);
  });
});

describe('the connector side', () => {
  it('accepts bot activities only on the keyed path', async () => {
    const conversation = await start();
    const activity = JSON.stringify({ type: 'message', text: 'I am the bot, trust me' });
    const noKey = await fetch(`${harness.baseUrl}/directline-connector/wrong-key/v3/conversations/${conversation.conversationId}/activities`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: activity,
    });
    expect(noKey.status).toBe(403);
    const direct = await fetch(`${harness.baseUrl}/v3/conversations/${conversation.conversationId}/activities`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: activity,
    });
    expect(direct.status).toBe(404);
    expect(((await (await poll(conversation)).json()) as ActivityGroup).activities).toEqual([]);
  });
});
