// One helper for tests that talk to the real bot over HTTP: starts the whole app on a free port with a
// manual clock and in-memory audit, plays a channel (a local HTTP server that receives proactive
// messages), and sends activities with deliveryMode "expectReplies" so replies come back in the response.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type App, type AppOverrides } from '../../src/app.js';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { MemorySink } from '../../src/services/audit-log.js';

export interface Reply {
  type: string;
  text?: string;
  suggestedActions?: { actions: { title: string; value?: unknown }[] };
  [key: string]: unknown;
}

export interface Harness {
  app: App;
  baseUrl: string;
  clock: ManualClock;
  audit: MemorySink;
  /** Proactive messages the bot sent to the channel, by conversation id. */
  proactive: Map<string, Reply[]>;
  /** The stand-in channel's address (the serviceUrl of every activity the harness sends). */
  channelUrl: string;
  /** Any other activity field (channelId, conversation, entities, membersAdded…) replaces the harness's default. */
  send(
    conversationId: string,
    activity: { text?: string; value?: unknown; locale?: string; type?: string; name?: string; [field: string]: unknown },
  ): Promise<Reply[]>;
  /** Sends text and returns only the message texts (typing indicators left out). */
  say(conversationId: string, text: string, locale?: string): Promise<string[]>;
  press(conversationId: string, choice: string): Promise<string[]>;
  /** Turns a link the bot gave (on the public base URL) into one on the local server. */
  local(url: string): string;
  /** Codes the development outbox holds for a destination, newest first. */
  codesFor(destination: string): Promise<string[]>;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => resolve(body));
  });
}

export async function startHarness(env: Record<string, string> = {}, overrides: AppOverrides = {}): Promise<Harness> {
  const clock = new ManualClock(Date.now());
  const audit = new MemorySink();
  const proactive = new Map<string, Reply[]>();

  // The "channel": receives what the bot sends outside a turn (POST /v3/conversations/:id/activities[/:replyTo]).
  const channel: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    const match = /\/v3\/conversations\/([^/]+)\/activities/.exec(req.url ?? '');
    if (match && req.method === 'POST') {
      const id = decodeURIComponent(match[1]!);
      const list = proactive.get(id) ?? [];
      list.push(JSON.parse(body) as Reply);
      proactive.set(id, list);
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: `act-${Date.now()}` }));
  });
  await new Promise<void>((r) => channel.listen(0, '127.0.0.1', r));
  const channelUrl = `http://127.0.0.1:${(channel.address() as AddressInfo).port}`;

  const config = loadConfig({
    PORT: '0',
    LOG_LEVEL: 'silent',
    AUDIT_LOG: 'off',
    SECRET_KEY: 'test-secret-key-that-is-long-enough-0123456789',
    RESEND_COOLDOWN_SECONDS: '0',
    // Links are built on the public URL, never on the request; tests map it to the local server.
    PUBLIC_BASE_URL: 'https://clave.test',
    ...env,
  });
  const app = await createApp(config, { clock, auditSinks: [audit], ...overrides });
  await new Promise<void>((r) => app.server.listen(0, '127.0.0.1', () => r()));
  const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

  let seq = 0;
  const send: Harness['send'] = async (conversationId, activity) => {
    const response = await fetch(`${baseUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: activity.type ?? 'message',
        id: `in-${++seq}`,
        timestamp: new Date(clock.now()).toISOString(),
        channelId: 'test',
        serviceUrl: channelUrl,
        deliveryMode: 'expectReplies',
        conversation: { id: conversationId },
        from: { id: `user-${conversationId}`, name: 'Person' },
        recipient: { id: 'clave-bot', name: 'Clave' },
        ...activity,
      }),
    });
    if (response.status !== 200) throw new Error(`POST /api/messages → ${response.status}: ${await response.text()}`);
    const body = (await response.json()) as { activities?: Reply[] };
    return body.activities ?? [];
  };
  const texts = (replies: Reply[]) => replies.filter((r) => r.type === 'message').map((r) => r.text ?? '');

  return {
    app,
    baseUrl,
    clock,
    audit,
    proactive,
    channelUrl,
    send,
    say: async (id, text, locale) => texts(await send(id, { text, ...(locale ? { locale } : {}) })),
    press: async (id, choice) => texts(await send(id, { value: { choice } })),
    local: (url) => url.replace('https://clave.test', baseUrl),
    async codesFor(destination) {
      await app.delivery.drain();
      return (app.outbox?.list() ?? [])
        .filter((m) => m.to === destination && m.purpose === 'code')
        .map((m) => /\b(\d{6,10})\b/.exec(m.text)?.[1] ?? '')
        .filter(Boolean);
    },
    async close() {
      await app.close();
      await new Promise<void>((r) => channel.close(() => r()));
    },
  };
}
