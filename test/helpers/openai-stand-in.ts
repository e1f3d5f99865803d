// A real local HTTP server that speaks the OpenAI chat-completions API (POST /v1/chat/completions), for
// tests of the language-model classifier. It records every request body byte for byte and answers as
// each test tells it: a well-formed label, a delay, a 500, a 429 with retry-after, broken JSON, junk.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The raw body as received. */
  body: string;
  /** The body parsed as JSON, or undefined when it was not JSON. */
  json: { model?: string; messages?: { role: string; content: string }[]; response_format?: unknown } | undefined;
}

/** What the stand-in does with one request. */
export type Behaviour =
  | { kind: 'json'; status?: number; body: unknown; headers?: Record<string, string>; delayMs?: number }
  | { kind: 'raw'; status?: number; body: string; headers?: Record<string, string>; delayMs?: number };

export type Responder = (request: RecordedRequest, index: number) => Behaviour | Promise<Behaviour>;

let completionSeq = 0;

/** A chat.completion whose first choice carries `message` (content, tool calls, refusal...). */
export function completion(message: Record<string, unknown>): Record<string, unknown> {
  return {
    id: `chatcmpl-stand-in-${++completionSeq}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: 'stand-in',
    choices: [{ index: 0, finish_reason: 'stop', logprobs: null, message: { role: 'assistant', refusal: null, ...message } }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  };
}

/** Behaviours, by name, as the tests use them. */
export const reply = {
  /** A well-formed answer: the content is the JSON of `answer`, whatever it holds. */
  answer: (answer: unknown, delayMs = 0): Behaviour => ({
    kind: 'json',
    body: completion({ content: JSON.stringify(answer) }),
    delayMs,
  }),
  /** A 200 whose message content is this text as is. */
  content: (content: string | null, extra: Record<string, unknown> = {}): Behaviour => ({
    kind: 'json',
    body: completion({ content, ...extra }),
  }),
  /** A tool call instead of an answer, the way a model "acts" when a prompt injection works. */
  toolCall: (name: string, args: unknown): Behaviour => ({
    kind: 'json',
    body: completion({
      content: null,
      tool_calls: [{ id: 'call_1', type: 'function', function: { name, arguments: JSON.stringify(args) } }],
    }),
  }),
  status: (status: number, headers: Record<string, string> = {}): Behaviour => ({
    kind: 'json',
    status,
    headers,
    body: { error: { message: `stand-in says ${status}`, type: 'server_error', code: null, param: null } },
  }),
  rateLimited: (retryAfterSeconds: number): Behaviour => ({
    kind: 'json',
    status: 429,
    headers: { 'retry-after': String(retryAfterSeconds) },
    body: { error: { message: 'rate limited', type: 'requests', code: 'rate_limit_exceeded', param: null } },
  }),
  /** A 200 whose body is not JSON at all. */
  malformedBody: (): Behaviour => ({
    kind: 'raw',
    body: '{"id":"chatcmpl-x","choices":[{"message":{"content":"{\\"intent\\":',
    headers: { 'content-type': 'application/json' },
  }),
  delayed: (behaviour: Behaviour, delayMs: number): Behaviour => ({ ...behaviour, delayMs }),
};

export interface OpenAIStandIn {
  /** Base URL to give OPENAI_BASE_URL (ends in /v1). */
  baseUrl: string;
  requests: RecordedRequest[];
  /** The text of the last user message of every request, in order. */
  userMessages(): string[];
  respondWith(responder: Responder): void;
  close(): Promise<void>;
}

/** The user's message as the classifier sends it: `{"message": "..."}` in the last user turn. */
export function userMessageOf(request: RecordedRequest): string {
  const user = [...(request.json?.messages ?? [])].reverse().find((m) => m.role === 'user');
  if (!user) return '';
  try {
    return (JSON.parse(user.content) as { message?: string }).message ?? user.content;
  } catch {
    return user.content;
  }
}

export async function startOpenAIStandIn(responder: Responder = () => reply.answer({ intent: 'help', language: 'en', confidence: 0.9 })): Promise<OpenAIStandIn> {
  let respond = responder;
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', async () => {
      if (req.method !== 'POST' || !/^\/(v1\/)?chat\/completions(\?|$)/.test(req.url ?? '')) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'not found' } }));
        return;
      }
      let json: RecordedRequest['json'];
      try {
        json = JSON.parse(body) as RecordedRequest['json'];
      } catch {
        json = undefined;
      }
      const recorded: RecordedRequest = { method: req.method, url: req.url ?? '', headers: req.headers, body, json };
      requests.push(recorded);
      const behaviour = await respond(recorded, requests.length - 1);
      const send = () => {
        if (res.destroyed) return;
        const payload = behaviour.kind === 'json' ? JSON.stringify(behaviour.body) : behaviour.body;
        res.writeHead(behaviour.status ?? 200, { 'content-type': 'application/json', ...behaviour.headers });
        res.end(payload);
      };
      if (behaviour.delayMs) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          send();
        }, behaviour.delayMs);
        timers.add(timer);
      } else {
        send();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    userMessages: () => requests.map(userMessageOf),
    respondWith(next) {
      respond = next;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
