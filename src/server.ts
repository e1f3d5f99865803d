// The HTTP surface: the Bot Framework endpoint, health checks and, in development only, the outbox and
// the demo sign-in. Pages (reset, widget) register their own routes on the same server.
import restify, { type Request, type Response, type Server } from 'restify';
import type { CloudAdapter } from 'botbuilder';
import { z } from 'zod';
import { text } from '../dialogs/catalog.js';
import type { ClaveBot } from './bot.js';
import { localeFrom } from './conversation/engine.js';
import type { Logger } from './logger.js';
import type { AccountDirectory } from './services/account-directory.js';
import type { DevOutbox } from './services/notifier.js';

/** Largest request body accepted anywhere (a chat activity is a few kilobytes). */
export const MAX_BODY_BYTES = 64 * 1024;

export interface ServerDeps {
  adapter: CloudAdapter;
  bot: ClaveBot;
  logger: Logger;
  brand: string;
  isReady: () => Promise<boolean>;
  /** Present only when development routes are on. */
  dev?: { outbox: DevOutbox; directory: AccountDirectory };
  /** Counts turns being served, so a shutdown can let them finish; one of its own when absent. */
  inFlight?: InFlightRequests;
}

/**
 * Turns being served on /api/messages, and whether the server is shutting down. A graceful shutdown marks
 * it closing (readiness fails, responses ask clients to drop the connection) and waits until it is idle.
 */
export class InFlightRequests {
  private count = 0;
  private shuttingDown = false;
  private readonly idleWaiters = new Set<() => void>();

  get size(): number {
    return this.count;
  }

  get closing(): boolean {
    return this.shuttingDown;
  }

  beginClosing(): void {
    this.shuttingDown = true;
  }

  async track<T>(work: () => Promise<T>): Promise<T> {
    this.count++;
    try {
      return await work();
    } finally {
      this.count--;
      if (this.count === 0) for (const wake of this.idleWaiters) wake();
    }
  }

  /** Resolves true once nothing is in flight, or false when `timeoutMs` passes first. */
  whenIdle(timeoutMs: number): Promise<boolean> {
    if (this.count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (idle: boolean) => {
        clearTimeout(timer);
        this.idleWaiters.delete(wake);
        resolve(idle);
      };
      const wake = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.idleWaiters.add(wake);
    });
  }
}

export function securityHeaders(res: Response): void {
  res.header('X-Content-Type-Options', 'nosniff');
  res.header('Referrer-Policy', 'no-referrer');
  res.header('X-Frame-Options', 'DENY');
}

const signInSchema = z.object({ identifier: z.string().min(1).max(320), password: z.string().min(1).max(256) });

export function createServer(deps: ServerDeps): Server {
  const server = restify.createServer({ name: 'clave', handleUncaughtExceptions: false });
  const inFlight = deps.inFlight ?? new InFlightRequests();
  // While shutting down, a kept-alive connection would otherwise go on carrying new requests to this instance.
  server.pre((_req: Request, res: Response, next: () => void) => {
    if (inFlight.closing) res.setHeader('Connection', 'close');
    next();
  });
  server.use(restify.plugins.queryParser({ mapParams: false }));
  server.use(restify.plugins.bodyParser({ mapParams: false, maxBodySize: MAX_BODY_BYTES, rejectUnknown: true }));

  server.post('/api/messages', async (req: Request, res: Response) => {
    await inFlight.track(() => deps.adapter.process(req, res, (context) => deps.bot.run(context)));
  });

  server.get('/healthz', async (_req: Request, res: Response) => {
    res.send(200, { status: 'ok' });
  });
  server.get('/readyz', async (_req: Request, res: Response) => {
    const ready = !inFlight.closing && (await deps.isReady().catch(() => false));
    res.send(ready ? 200 : 503, { status: ready ? 'ready' : 'not ready' });
  });

  server.get('/not-me', async (req: Request, res: Response) => {
    const locale = localeFrom(String(req.query?.lang ?? req.header('accept-language') ?? 'en'));
    securityHeaders(res);
    res.header('Content-Type', 'text/plain; charset=utf-8');
    res.header('Cache-Control', 'no-store');
    res.sendRaw(200, `${deps.brand}\n\n${text(locale, 'not_me_page')}\n`);
  });

  if (deps.dev) {
    const { outbox, directory } = deps.dev;
    // Development only: what the bot "sent", so a developer can read the codes.
    server.get('/dev/outbox', async (_req: Request, res: Response) => {
      res.header('Cache-Control', 'no-store');
      res.send(200, { messages: outbox.list() });
    });
    server.post('/dev/sign-in', async (req: Request, res: Response) => {
      const parsed = signInSchema.safeParse(req.body);
      if (!parsed.success) {
        res.send(400, { ok: false, error: 'identifier and password are required' });
        return;
      }
      const result = await directory.signIn(parsed.data.identifier, parsed.data.password);
      res.send(result ? 200 : 401, result ? { ok: true, session: result.session } : { ok: false, error: 'Invalid email or password.' });
    });
    server.get('/dev/session/:session', async (req: Request, res: Response) => {
      const valid = await directory.isSessionValid(String(req.params.session ?? ''));
      res.send(valid ? 200 : 401, { valid });
    });
  }

  // One place decides what a failed request shows: a status and a short sentence, never internals.
  server.on('restifyError', (req: Request, _res: Response, err: Error & { statusCode?: number; toJSON?: () => unknown }, next: (e?: unknown) => void) => {
    const status = err.statusCode ?? 500;
    // The path of a reset link is a secret: log the route, not the URL.
    if (status >= 500) deps.logger.error({ err: { name: err.name, message: err.message }, route: req.getRoute()?.path ?? 'unknown' }, 'request failed');
    err.toJSON = () => ({ error: status >= 500 ? 'Internal error' : err.message.slice(0, 200) });
    err.toString = () => (status >= 500 ? 'Internal error' : err.message.slice(0, 200));
    next();
  });
  return server;
}
