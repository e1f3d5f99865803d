// Talks to running Clave instances over HTTP the way a Bot Framework channel does, for tests that spread one
// conversation over several instances or processes: a stand-in channel that records what the bots send outside
// a turn, turns with deliveryMode "expectReplies" (replies come back in the response), and the development
// outboxes of every instance (each process has its own, so a code is wherever the send happened).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Activity {
  type: string;
  text?: string;
  suggestedActions?: { actions: { title: string; value?: unknown }[] };
  [key: string]: unknown;
}

export interface ChannelStandIn {
  url: string;
  /** Messages sent to a conversation outside a turn, by conversation id, in arrival order. */
  proactive: Map<string, Activity[]>;
  /** Every proactive message, whatever the conversation. */
  count(): number;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => resolve(body));
  });
}

/** The channel side: receives POST /v3/conversations/:id/activities[/:replyTo] and keeps each activity. */
export async function startChannelStandIn(): Promise<ChannelStandIn> {
  const proactive = new Map<string, Activity[]>();
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    const match = /\/v3\/conversations\/([^/]+)\/activities/.exec(req.url ?? '');
    if (match && req.method === 'POST') {
      const id = decodeURIComponent(match[1]!);
      proactive.set(id, [...(proactive.get(id) ?? []), JSON.parse(body) as Activity]);
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: `act-${Date.now()}` }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    proactive,
    count: () => [...proactive.values()].reduce((sum, list) => sum + list.length, 0),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface TurnResponse {
  status: number;
  activities: Activity[];
  /** The message texts among the activities (typing indicators left out). */
  texts: string[];
}

let sequence = 0;

/** One activity from the person to the instance at `baseUrl`; never throws on an HTTP error status. */
export async function sendTurn(
  baseUrl: string,
  channelUrl: string,
  conversationId: string,
  activity: { text?: string; value?: unknown; locale?: string },
): Promise<TurnResponse> {
  const response = await fetch(`${baseUrl}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'message',
      id: `in-${++sequence}`,
      timestamp: new Date().toISOString(),
      channelId: 'test',
      serviceUrl: channelUrl,
      deliveryMode: 'expectReplies',
      conversation: { id: conversationId },
      from: { id: `user-${conversationId}`, name: 'Person' },
      recipient: { id: 'clave-bot', name: 'Clave' },
      locale: 'en-US',
      ...activity,
    }),
  });
  const raw = await response.text();
  let activities: Activity[] = [];
  try {
    activities = ((JSON.parse(raw) as { activities?: Activity[] }).activities ?? []);
  } catch {
    // not JSON (an error page): no activities
  }
  return { status: response.status, activities, texts: activities.filter((a) => a.type === 'message').map((a) => a.text ?? '') };
}

/** Codes the development outboxes of these instances hold for a destination, newest first across all of them. */
export async function codesInOutboxes(baseUrls: readonly string[], destination: string): Promise<string[]> {
  const all = await Promise.all(
    baseUrls.map(async (baseUrl) => {
      const body = (await (await fetch(`${baseUrl}/dev/outbox`)).json()) as {
        messages: { to: string; purpose: string; text: string; sentAt: string; id: number }[];
      };
      return body.messages.filter((m) => m.to === destination && m.purpose === 'code');
    }),
  );
  return all
    .flat()
    .sort((a, b) => b.sentAt.localeCompare(a.sentAt))
    .map((m) => /\b(\d{6,10})\b/.exec(m.text)?.[1] ?? '')
    .filter(Boolean);
}
