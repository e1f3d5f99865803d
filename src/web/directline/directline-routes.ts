// A local Direct Line 3.0 channel, so the web widget works with no Azure account. It plays both sides a
// hosted channel plays: the client API under /v3/directline that Web Chat's createDirectLine (directlinejs)
// speaks — tokens, conversations, activities with a watermark, and a WebSocket stream — and the connector
// the bot replies to. User activities reach the bot by HTTP on its own /api/messages, through the same
// CloudAdapter as any channel; the bot's replies come back to the connector routes and go into the log.
// SECURITY.md §G.21: clients hold per-conversation tokens only, and the server decides who they are.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Request, Response, Server } from 'restify';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import type { Logger } from '../../logger.js';
import type { Secrets } from '../../services/secrets.js';
import { closeWithServer } from '../close-with-server.js';
import { ActivityTooLargeError, type ActivityLog, type ActivityUpdate, type LoggedActivity, type NewActivity } from './activity-log.js';
import { clientAddress, reachedOverHttps } from './client-address.js';
import type { MintLimiter } from './mint-limiter.js';
import { DirectLineTokens, type TokenClaims } from './tokens.js';

export interface DirectLineDeps {
  log: ActivityLog;
  tokens: DirectLineTokens;
  secrets: Secrets;
  logger: Logger;
  /** The bot's account in conversations (`from` of its activities). */
  bot: { id: string; name: string };
  /** Override where user activities are delivered (default: this server's own /api/messages on loopback). */
  botEndpoint?: string;
  /** How long a delivery to the bot may take before it is abandoned. */
  deliveryTimeoutMs?: number;
  /** Per-client limit on new tokens (DIRECT_LINE_TOKENS_PER_MINUTE); none = unlimited. */
  mintLimiter?: MintLimiter;
  /** TRUST_PROXY_HOPS: how many proxies of ours append to X-Forwarded-For (0 = use the socket's peer). */
  trustProxyHops?: number;
  /** PUBLIC_BASE_URL: when https, stream URLs for requests to its host are wss:// whatever the request says. */
  publicBaseUrl?: string;
}

export const DIRECT_LINE_PREFIX = '/v3/directline';
/** Where the bot's replies to the built-in channel go (the serviceUrl of its activities). */
export const CONNECTOR_PREFIX = '/directline-connector';
const MAX_TEXT = 4000;
const MAX_STREAMS_PER_CONVERSATION = 4;
const STREAM_PING_MS = 30_000;

type ErrorCode = 'BadArgument' | 'MissingProperty' | 'TokenExpired' | 'Forbidden' | 'NotFound' | 'Unauthorized' | 'NotSupported' | 'TooManyRequests';

/** Direct Line's error body: `{ error: { code, message } }`. */
function fail(res: Response, status: number, code: ErrorCode, message: string): void {
  res.header('Cache-Control', 'no-store');
  res.send(status, { error: { code, message } });
}

const channelAccount = z.object({ id: z.string().max(200).optional(), name: z.string().max(200).optional(), role: z.string().max(20).optional() }).loose();

/** What a client may post. Anything not listed is dropped; `from` is checked and then replaced. */
const clientActivitySchema = z.object({
  type: z.enum(['message', 'event', 'typing'], { error: 'type must be "message", "event" or "typing"' }),
  text: z.string().max(MAX_TEXT, `text must be at most ${MAX_TEXT} characters`).optional(),
  textFormat: z.enum(['plain', 'markdown', 'xml']).optional(),
  locale: z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$/, 'locale must be a language tag like es-ES').optional(),
  name: z.string().max(100).optional(),
  value: z.unknown().optional(),
  channelData: z.record(z.string(), z.unknown()).optional(),
  entities: z.array(z.record(z.string(), z.unknown())).max(10).optional(),
  attachments: z.array(z.unknown()).max(0, 'attachments are not supported by this channel').optional(),
  localTimestamp: z.string().max(40).optional(),
  localTimezone: z.string().max(60).optional(),
  from: channelAccount.optional(),
});

/** Fields of the bot's activities that reach the client; serviceUrl and the rest stay inside. */
const BOT_FIELDS = [
  'type', 'text', 'textFormat', 'speak', 'inputHint', 'locale', 'suggestedActions', 'attachments', 'attachmentLayout',
  'replyToId', 'value', 'name', 'channelData', 'entities', 'summary', 'importance', 'deliveryMode',
] as const;

const bearer = (req: Pick<IncomingMessage, 'headers'>): string | null => {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1] ?? null;
};

function isLoopback(address: string | undefined): boolean {
  return !!address && (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.'));
}

/** A watermark is the decimal sequence number of the last activity seen; empty means "from the start". */
function parseWatermark(raw: unknown): number | null | 'invalid' {
  if (raw === undefined || raw === null || raw === '') return null;
  if (typeof raw !== 'string' || !/^\d{1,12}$/.test(raw)) return 'invalid';
  return Number(raw);
}

/** The Host header, only if it is a plain host[:port]; used solely to tell the requester where to stream. */
export function safeHost(host: string | undefined): string | null {
  if (!host) return null;
  return /^([A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(:\d{1,5})?$/.test(host) ? host : null;
}

export interface DirectLineChannel {
  /** Where the bot sends its replies (the serviceUrl of every activity this channel delivers). */
  serviceUrl(): string;
}

export function registerDirectLine(server: Server, deps: DirectLineDeps): DirectLineChannel {
  const { log, tokens, logger } = deps;
  // Only the bot in this process may post replies: the connector's path carries a key derived from the
  // server secret, and requests must come from this machine (no app credentials means no JWTs to check).
  const connectorKey = deps.secrets.hash('directline-connector', 'v1').slice(0, 32);
  const connectorKeyBytes = Buffer.from(connectorKey);
  const deliveryTimeoutMs = deps.deliveryTimeoutMs ?? 30_000;

  /** This server's own address, read when first needed (it is only known once listening). */
  const loopbackBase = (): string => {
    const address = server.address() as AddressInfo | string | null;
    if (!address || typeof address === 'string') throw new Error('the Direct Line channel needs a listening TCP server');
    const host = ['0.0.0.0', '::', ''].includes(address.address)
      ? '127.0.0.1'
      : address.family === 'IPv6' || address.address.includes(':')
        ? `[${address.address}]`
        : address.address;
    return `http://${host}:${address.port}`;
  };
  const serviceUrl = () => `${loopbackBase()}${CONNECTOR_PREFIX}/${connectorKey}`;
  const botEndpoint = () => deps.botEndpoint ?? `${loopbackBase()}/api/messages`;

  const publicUrl = deps.publicBaseUrl ? new URL(deps.publicBaseUrl) : null;
  const publicHttpsHost = publicUrl?.protocol === 'https:' ? publicUrl.host.toLowerCase() : null;
  const streamUrl = (req: Request, claims: TokenClaims, watermark: number | null): string | undefined => {
    const host = safeHost(req.headers.host);
    if (!host) return undefined;
    // Only for the public host: a wss:// URL given to a client on another address (a probe, a test, an
    // internal caller over plain http) would be one it cannot open.
    const onPublicHttps = publicHttpsHost !== null && host.toLowerCase() === publicHttpsHost;
    const secure = reachedOverHttps(req, { onPublicHttps, trustedHops: deps.trustProxyHops ?? 0 });
    const { token } = tokens.issue(claims.conv, claims.user, 'stream');
    const query = new URLSearchParams({ watermark: watermark === null ? '' : String(watermark), t: token });
    return `${secure ? 'wss' : 'ws'}://${host}${DIRECT_LINE_PREFIX}/conversations/${encodeURIComponent(claims.conv)}/stream?${query}`;
  };

  /** Checks the bearer token and that it names this conversation; sends the refusal itself. */
  const authorize = (req: Request, res: Response, conversationId?: string): TokenClaims | null => {
    const check = tokens.verify(bearer(req));
    if (!check.ok) {
      if (check.reason === 'missing') {
        fail(res, 401, 'Unauthorized', 'A token is required (Authorization: Bearer <token>); get one from POST /v3/directline/tokens/generate.');
      } else if (check.reason === 'expired') {
        fail(res, 403, 'TokenExpired', 'The token has expired; get a new one.');
      } else {
        fail(res, 403, 'Forbidden', 'The token is not valid.');
      }
      return null;
    }
    if (conversationId !== undefined && check.claims.conv !== conversationId) {
      fail(res, 403, 'Forbidden', 'The token is not valid for this conversation.');
      return null;
    }
    return check.claims;
  };

  const conversationResponse = (req: Request, claims: TokenClaims, watermark: number | null) => {
    const { token, expiresIn } = tokens.issue(claims.conv, claims.user);
    const url = streamUrl(req, claims, watermark);
    return { conversationId: claims.conv, token, expires_in: expiresIn, ...(url ? { streamUrl: url } : {}) };
  };

  // Deliveries to the bot run one after another per conversation, so turns arrive in the order sent.
  const deliveries = new Map<string, Promise<void>>();
  const deliver = (conversationId: string, activity: Record<string, unknown>): void => {
    const previous = deliveries.get(conversationId) ?? Promise.resolve();
    const next = previous.then(async () => {
      try {
        const response = await fetch(botEndpoint(), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(activity),
          signal: AbortSignal.timeout(deliveryTimeoutMs),
        });
        await response.arrayBuffer();
        if (!response.ok) logger.warn({ status: response.status, conversation: conversationId }, 'the bot refused a Direct Line activity');
      } catch (error) {
        logger.warn({ err: (error as Error).message, conversation: conversationId }, 'could not deliver a Direct Line activity to the bot');
      }
    });
    deliveries.set(conversationId, next);
    void next.then(() => {
      if (deliveries.get(conversationId) === next) deliveries.delete(conversationId);
    });
  };

  // ---- The client API (what directlinejs calls) ----

  const trustProxyHops = deps.trustProxyHops ?? 0;
  let warnedAboutProxy = false;

  // The embedded default needs no secret: a token only ever opens a new, empty conversation for a user id
  // the server makes up. A body asking for a particular user id is ignored for the same reason. Each one is a
  // conversation in the activity log, so minting is limited per client; refreshing a token is not (it opens
  // nothing new).
  server.post(`${DIRECT_LINE_PREFIX}/tokens/generate`, async (req: Request, res: Response) => {
    if (deps.mintLimiter) {
      if (!trustProxyHops && req.headers['x-forwarded-for'] && !warnedAboutProxy) {
        warnedAboutProxy = true;
        logger.warn('Direct Line tokens are limited per socket address, but requests carry X-Forwarded-For: behind a proxy every visitor shares one limit; set TRUST_PROXY_HOPS');
      }
      const decision = deps.mintLimiter.take(clientAddress(req, trustProxyHops));
      if (!decision.allowed) {
        res.header('Retry-After', String(decision.retryAfterSeconds));
        return fail(res, 429, 'TooManyRequests', `Too many new conversations from this address; please try again in ${decision.retryAfterSeconds} seconds.`);
      }
    }
    const conversationId = DirectLineTokens.newConversationId();
    const { token, expiresIn } = tokens.issue(conversationId, DirectLineTokens.newUserId());
    res.header('Cache-Control', 'no-store');
    res.send(200, { conversationId, token, expires_in: expiresIn });
  });

  server.post(`${DIRECT_LINE_PREFIX}/tokens/refresh`, async (req: Request, res: Response) => {
    const claims = authorize(req, res);
    if (!claims) return;
    const { token, expiresIn } = tokens.issue(claims.conv, claims.user);
    res.header('Cache-Control', 'no-store');
    res.send(200, { conversationId: claims.conv, token, expires_in: expiresIn });
  });

  server.post(`${DIRECT_LINE_PREFIX}/conversations`, async (req: Request, res: Response) => {
    const claims = authorize(req, res);
    if (!claims) return;
    const existed = await log.get(claims.conv);
    await log.open(claims.conv, claims.user);
    res.header('Cache-Control', 'no-store');
    res.send(existed ? 200 : 201, conversationResponse(req, claims, null));
  });

  // Reconnect: a fresh token and streamUrl for a conversation the token already names.
  server.get(`${DIRECT_LINE_PREFIX}/conversations/:conversationId`, async (req: Request, res: Response) => {
    const conversationId = String(req.params.conversationId ?? '');
    const claims = authorize(req, res, conversationId);
    if (!claims) return;
    const watermark = parseWatermark(req.query?.watermark);
    if (watermark === 'invalid') return fail(res, 400, 'BadArgument', 'watermark must be a number returned by this service.');
    if (!(await log.get(conversationId))) return fail(res, 404, 'NotFound', 'This conversation has ended or expired.');
    res.header('Cache-Control', 'no-store');
    res.send(200, conversationResponse(req, claims, watermark));
  });

  server.get(`${DIRECT_LINE_PREFIX}/conversations/:conversationId/activities`, async (req: Request, res: Response) => {
    const conversationId = String(req.params.conversationId ?? '');
    const claims = authorize(req, res, conversationId);
    if (!claims) return;
    const watermark = parseWatermark(req.query?.watermark);
    if (watermark === 'invalid') return fail(res, 400, 'BadArgument', 'watermark must be a number returned by this service.');
    const page = await log.since(conversationId, watermark);
    if (!page) return fail(res, 404, 'NotFound', 'This conversation has ended or expired.');
    res.header('Cache-Control', 'no-store');
    res.send(200, page);
  });

  server.post(`${DIRECT_LINE_PREFIX}/conversations/:conversationId/activities`, async (req: Request, res: Response) => {
    const conversationId = String(req.params.conversationId ?? '');
    const claims = authorize(req, res, conversationId);
    if (!claims) return;
    if (!req.body || typeof req.body !== 'object' || Array.isArray(req.body)) {
      return fail(res, 400, 'MissingProperty', 'The body must be one activity as a JSON object.');
    }
    const parsed = clientActivitySchema.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return fail(res, 400, 'BadArgument', `Invalid activity: ${issue.path.join('.') || 'body'}: ${issue.message}`);
    }
    const { from, ...fields } = parsed.data;
    if (from?.id !== undefined && from.id !== claims.user) {
      return fail(res, 400, 'BadArgument', 'from.id must be the user of this token (or be left out).');
    }
    const conversation = await log.get(conversationId);
    if (!conversation) return fail(res, 404, 'NotFound', 'This conversation has ended or expired; start a new one.');
    // Typing from the user means nothing to this bot: acknowledged, not kept, not delivered.
    if (fields.type === 'typing') return void res.send(200, { id: `${conversationId}|typing` });

    const activity = {
      ...fields,
      channelId: 'directline',
      conversation: { id: conversationId },
      from: { id: claims.user, role: 'user' },
      recipient: { id: deps.bot.id, name: deps.bot.name, role: 'bot' },
    };
    let logged: LoggedActivity | null;
    try {
      logged = await log.append(conversationId, activity);
    } catch (error) {
      if (error instanceof ActivityTooLargeError) return fail(res, 413, 'BadArgument', `The activity is too large (limit ${error.limit} bytes).`);
      throw error;
    }
    if (!logged) return fail(res, 404, 'NotFound', 'This conversation has ended or expired; start a new one.');
    // The echo above (with the client's channelData.clientActivityID) is what Web Chat waits for; the bot
    // gets the same id, so its replies' replyToId points at a message the client has.
    deliver(conversationId, { ...logged, serviceUrl: serviceUrl() });
    res.header('Cache-Control', 'no-store');
    res.send(200, { id: logged.id });
  });

  server.post(`${DIRECT_LINE_PREFIX}/conversations/:conversationId/upload`, async (req: Request, res: Response) => {
    const claims = authorize(req, res, String(req.params.conversationId ?? ''));
    if (!claims) return;
    fail(res, 415, 'NotSupported', 'File uploads are not supported by this channel.');
  });

  // ---- The connector (what the bot's ConnectorClient calls with serviceUrl = this channel) ----

  const fromTheBot = async (req: Request, res: Response) => {
    const socket = req.socket as Socket;
    const local = isLoopback(socket.remoteAddress) || socket.remoteAddress === socket.localAddress;
    const key = Buffer.from(String(req.params.key ?? ''));
    const keyMatches = key.length === connectorKeyBytes.length && timingSafeEqual(key, connectorKeyBytes);
    if (!local || !keyMatches) return fail(res, 403, 'Forbidden', 'Only the bot can post here.');
    const conversationId = String(req.params.conversationId ?? '');
    const body = req.body as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object' || typeof body.type !== 'string') {
      return fail(res, 400, 'BadArgument', 'The body must be one activity as a JSON object.');
    }
    const conversation = await log.get(conversationId);
    if (!conversation) return fail(res, 404, 'NotFound', 'No such conversation.');
    const activity: Record<string, unknown> = {};
    for (const field of BOT_FIELDS) if (body[field] !== undefined) activity[field] = body[field];
    const from = (body.from ?? {}) as { id?: unknown; name?: unknown };
    Object.assign(activity, {
      channelId: 'directline',
      conversation: { id: conversationId },
      from: { id: typeof from.id === 'string' && from.id ? from.id : deps.bot.id, name: typeof from.name === 'string' ? from.name : deps.bot.name, role: 'bot' },
      recipient: { id: conversation.userId, role: 'user' },
    });
    const type = activity.type as string;
    if (type === 'typing') {
      await log.publish(conversationId, activity as NewActivity);
      return void res.send(200, { id: `${conversationId}|typing` });
    }
    try {
      const logged = await log.append(conversationId, activity as NewActivity);
      if (!logged) return fail(res, 404, 'NotFound', 'No such conversation.');
      res.send(200, { id: logged.id });
    } catch (error) {
      if (error instanceof ActivityTooLargeError) return fail(res, 413, 'BadArgument', `The activity is too large (limit ${error.limit} bytes).`);
      throw error;
    }
  };
  server.post(`${CONNECTOR_PREFIX}/:key/v3/conversations/:conversationId/activities`, fromTheBot);
  server.post(`${CONNECTOR_PREFIX}/:key/v3/conversations/:conversationId/activities/:activityId`, fromTheBot);

  // ---- The WebSocket stream (streamUrl) ----

  const sockets = new WebSocketServer({ noServer: true, maxPayload: 4096, perMessageDeflate: false });
  const streams = new Map<string, Set<WebSocket>>();
  const streamPath = new RegExp(`^${DIRECT_LINE_PREFIX}/conversations/([^/?]+)/stream$`);

  const refuseUpgrade = (socket: Socket, status: number, reason: string) => {
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };

  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://local');
    const match = streamPath.exec(url.pathname);
    if (!match) {
      // Someone else may handle other paths; if nobody does, say so instead of leaving the socket hanging.
      if (server.listenerCount('upgrade') === 1) refuseUpgrade(socket, 404, 'Not Found');
      return;
    }
    const conversationId = decodeURIComponent(match[1]!);
    const check = tokens.verify(url.searchParams.get('t'), 'stream');
    if (!check.ok || check.claims.conv !== conversationId) return refuseUpgrade(socket, 403, 'Forbidden');
    const watermark = parseWatermark(url.searchParams.get('watermark') ?? '');
    if (watermark === 'invalid') return refuseUpgrade(socket, 400, 'Bad Request');
    void log.get(conversationId).then(
      (conversation) => {
        if (!conversation) return refuseUpgrade(socket, 404, 'Not Found');
        sockets.handleUpgrade(req, socket, head, (ws) => void stream(ws, conversationId, watermark));
      },
      () => refuseUpgrade(socket, 500, 'Internal Server Error'),
    );
  });

  const stream = async (ws: WebSocket, conversationId: string, from: number | null) => {
    let open = streams.get(conversationId);
    if (!open) streams.set(conversationId, (open = new Set()));
    open.add(ws);
    // A reloaded tab leaves its old socket behind until it times out; the newest ones win.
    for (const old of [...open].slice(0, Math.max(0, open.size - MAX_STREAMS_PER_CONVERSATION))) old.close(1008, 'too many streams');

    const send = (group: { activities: LoggedActivity[]; watermark?: string }) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(group));
    };
    // Subscribe first and hold live updates until the backlog is out, so nothing falls between the two.
    let last = from ?? 0;
    let held: ActivityUpdate[] | null = [];
    const onUpdate = (update: ActivityUpdate) => {
      if (held) return void held.push(update);
      forward(update);
    };
    const forward = (update: ActivityUpdate) => {
      if (update.watermark === undefined) return send({ activities: [update.activity] });
      const seq = Number(update.watermark);
      if (seq <= last) return;
      last = seq;
      send({ activities: [update.activity], watermark: update.watermark });
    };
    const unsubscribe = log.subscribe(conversationId, onUpdate);

    let alive = true;
    const ping = setInterval(() => {
      if (!alive) return ws.terminate();
      alive = false;
      ws.ping();
    }, STREAM_PING_MS);
    ping.unref();
    ws.on('pong', () => (alive = true));
    // directlinejs sends an empty message now and then to notice broken connections; nothing to answer.
    ws.on('message', () => (alive = true));
    ws.on('close', () => {
      clearInterval(ping);
      unsubscribe();
      open.delete(ws);
      if (!open.size && streams.get(conversationId) === open) streams.delete(conversationId);
    });
    ws.on('error', () => ws.terminate());

    try {
      for (;;) {
        const page = await log.since(conversationId, last);
        if (!page || !page.activities.length) break;
        last = Number(page.watermark);
        send(page);
      }
    } finally {
      const pending = held ?? [];
      held = null;
      pending.forEach(forward);
    }
  };

  closeWithServer(server, () => {
    for (const set of streams.values()) for (const ws of set) ws.terminate();
  });

  return { serviceUrl };
}
