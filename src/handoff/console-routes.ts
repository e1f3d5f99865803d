// The built-in agent console at /agent: sign-in, the desk's live updates (Server-Sent Events) and the JSON
// actions behind the console's buttons. Sessions are signed cookies (HttpOnly, SameSite=Strict, Path=/agent),
// every state-changing request needs the session's CSRF token, and pages carry a strict CSP.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Request, Response, Server } from 'restify';
import { z } from 'zod';
import type { AgentConsoleKey } from '../../dialogs/pages/agent-console.js';
import type { Locale } from '../../machines/recovery.types.js';
import type { Logger } from '../logger.js';
import type { AuditLog } from '../services/audit-log.js';
import { closeWithServer } from '../web/close-with-server.js';
import { localeOfRequest } from '../web/page-locale.js';
import { AssetBundle, StaticAsset } from '../web/static-assets.js';
import { checkAgentCredentials, type AgentUser } from './agent-users.js';
import { AgentSessions, LOGIN_COOKIE, SESSION_COOKIE, SESSION_TTL_MS, cookieValue, type AgentSession } from './agent-sessions.js';
import { CONSOLE_CSP, consolePage, loginPage } from './console-page.js';
import type { AgentActionResult, HandoffService } from './handoff-service.js';

export const AGENT_CONSOLE_PATH = '/agent';
const API = `${AGENT_CONSOLE_PATH}/api`;
const EVENTS = `${AGENT_CONSOLE_PATH}/events`;
const assetsDir = join(dirname(fileURLToPath(import.meta.url)), 'assets');

export interface ConsoleRoutesDeps {
  service: HandoffService;
  sessions: AgentSessions;
  agents: AgentUser[];
  audit: AuditLog;
  logger: Logger;
  brand: string;
  /** Cookies get Secure when the public address is https. */
  secureCookies: boolean;
  /** How often each open event stream looks at the desk. */
  streamPollMs?: number;
  maxStreams?: number;
  heartbeatMs?: number;
}

const statusOf: Record<Exclude<AgentActionResult, { ok: true }>['error'], number> = {
  not_found: 404,
  not_yours: 403,
  already_taken: 409,
  gone: 410,
  not_verified: 409,
  no_account: 409,
  log_full: 409,
  invalid: 400,
};

const channelSchema = z.enum(['email', 'sms', 'alt_email']);

export function registerAgentConsole(server: Server, deps: ConsoleRoutesDeps): void {
  const { service, sessions } = deps;
  const bundle = new AssetBundle(`${AGENT_CONSOLE_PATH}/assets`);
  const script = bundle.add('js', () => new StaticAsset('console.js', 'application/javascript; charset=utf-8', readFileSync(join(assetsDir, 'console.js'))));
  const styles = bundle.add('css', () => new StaticAsset('console.css', 'text/css; charset=utf-8', readFileSync(join(assetsDir, 'console.css'))));
  const streamPollMs = deps.streamPollMs ?? 500;
  const heartbeatMs = deps.heartbeatMs ?? 15_000;
  const maxStreams = deps.maxStreams ?? 50;
  const open = new Set<Response>();
  const secure = deps.secureCookies ? '; Secure' : '';

  const headers = (res: Response) => {
    // setHeader replaces anything set before; the console never caches, frames or leaks a referrer.
    for (const [name, value] of Object.entries({
      'Cache-Control': 'no-store',
      'Content-Security-Policy': CONSOLE_CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Resource-Policy': 'same-origin',
    })) {
      res.setHeader(name, value);
    }
  };

  const html = (res: Response, status: number, body: string, cookies: string[] = []) => {
    headers(res);
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    if (cookies.length) res.setHeader('Set-Cookie', cookies);
    res.sendRaw(status, body);
  };

  const json = (res: Response, status: number, body: unknown) => {
    headers(res);
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.sendRaw(status, JSON.stringify(body));
  };

  const redirect = (res: Response, location: string, cookies: string[] = []) => {
    headers(res);
    res.setHeader('Location', location);
    if (cookies.length) res.setHeader('Set-Cookie', cookies);
    res.sendRaw(303, '');
  };

  const sessionOf = (req: Request) => sessions.resolve(cookieValue(req.header('cookie'), SESSION_COOKIE));
  const crossSite = (req: Request) => req.header('sec-fetch-site') === 'cross-site';

  const showLogin = (res: Response, status: number, locale: Locale, error?: AgentConsoleKey, name?: string) => {
    const form = sessions.loginForm();
    const page = loginPage({ locale, brand: deps.brand, cssUrl: bundle.url(styles), csrfField: form.field, error, ...(name ? { name } : {}) });
    html(res, status, page, [`${LOGIN_COOKIE}=${form.nonce}; Path=${AGENT_CONSOLE_PATH}; HttpOnly; SameSite=Strict; Max-Age=${form.maxAgeSeconds}${secure}`]);
  };

  /** The signed-in agent for an API call, after the CSRF check on anything that changes state. */
  const authorise = async (req: Request, res: Response, changesState: boolean): Promise<AgentSession | null> => {
    const session = await sessionOf(req);
    if (!session) {
      json(res, 401, { error: 'session' });
      return null;
    }
    if (changesState && (crossSite(req) || !sessions.isCsrfValid(session, req.header('x-csrf-token')))) {
      json(res, 403, { error: 'csrf' });
      return null;
    }
    return session;
  };

  const guarded = (handler: (req: Request, res: Response) => Promise<void>) => async (req: Request, res: Response) => {
    try {
      await handler(req, res);
    } catch (error) {
      deps.logger.error({ err: { name: (error as Error).name, message: (error as Error).message } }, 'agent console request failed');
      if (!res.headersSent) json(res, 500, { error: 'internal' });
    }
  };

  server.get(`${AGENT_CONSOLE_PATH}/assets/:file`, async (req: Request, res: Response) => bundle.serve(req, res, String(req.params.file ?? '')));

  server.get(
    AGENT_CONSOLE_PATH,
    guarded(async (req, res) => {
      const locale = localeOfRequest(req);
      const session = await sessionOf(req);
      if (!session) return showLogin(res, 200, locale);
      const page = consolePage({
        brand: deps.brand,
        cssUrl: bundle.url(styles),
        jsUrl: bundle.url(script),
        config: { locale, agent: session.agent, csrf: sessions.csrfToken(session), eventsUrl: EVENTS, apiUrl: API },
      });
      html(res, 200, page);
    }),
  );

  server.post(
    `${AGENT_CONSOLE_PATH}/login`,
    guarded(async (req, res) => {
      const locale = localeOfRequest(req);
      const body = (req.body ?? {}) as Record<string, unknown>;
      const name = typeof body.name === 'string' ? body.name.trim().slice(0, 48) : '';
      const password = typeof body.password === 'string' ? body.password.slice(0, 256) : '';
      if (crossSite(req) || !sessions.isLoginFormValid(cookieValue(req.header('cookie'), LOGIN_COOKIE), body.csrf)) {
        return showLogin(res, 403, locale, 'login_expired', name);
      }
      if (!name || !(await sessions.mayTry(name))) {
        return showLogin(res, 429, locale, name ? 'login_throttled' : 'login_failed', name);
      }
      const user = await checkAgentCredentials(deps.agents, name, password);
      if (!user) {
        await sessions.countFailure(name);
        deps.audit.record({ event: 'agent_sign_in_failed', agent: name, outcome: 'wrong' });
        // The same words whether the name exists or not.
        return showLogin(res, 401, locale, 'login_failed', name);
      }
      const cookie = await sessions.create(user.name);
      deps.audit.record({ event: 'agent_signed_in', agent: user.name, outcome: 'ok' });
      redirect(res, `${AGENT_CONSOLE_PATH}?lang=${locale}`, [
        `${SESSION_COOKIE}=${cookie}; Path=${AGENT_CONSOLE_PATH}; HttpOnly; SameSite=Strict; Max-Age=${SESSION_TTL_MS / 1000}${secure}`,
        `${LOGIN_COOKIE}=; Path=${AGENT_CONSOLE_PATH}; HttpOnly; SameSite=Strict; Max-Age=0${secure}`,
      ]);
    }),
  );

  server.post(
    `${AGENT_CONSOLE_PATH}/logout`,
    guarded(async (req, res) => {
      const session = await sessionOf(req);
      const body = (req.body ?? {}) as Record<string, unknown>;
      if (session && !crossSite(req) && sessions.isCsrfValid(session, body.csrf)) await sessions.destroy(session);
      redirect(res, AGENT_CONSOLE_PATH, [`${SESSION_COOKIE}=; Path=${AGENT_CONSOLE_PATH}; HttpOnly; SameSite=Strict; Max-Age=0${secure}`]);
    }),
  );

  // ---- JSON API -------------------------------------------------------------------------------------------

  server.get(
    `${API}/desk`,
    guarded(async (req, res) => {
      const session = await authorise(req, res, false);
      if (session) json(res, 200, await service.view(session.agent));
    }),
  );

  server.get(
    `${API}/conversations/:id`,
    guarded(async (req, res) => {
      const session = await authorise(req, res, false);
      if (!session) return;
      const view = await service.caseFor(String(req.params.id ?? ''), session.agent);
      if (view) json(res, 200, view);
      else json(res, 404, { error: 'not_found' });
    }),
  );

  server.get(
    `${API}/conversations/:id/log/:handoffId`,
    guarded(async (req, res) => {
      const session = await authorise(req, res, false);
      if (!session) return;
      const entries = await service.logFor(String(req.params.id ?? ''), session.agent, String(req.params.handoffId ?? ''));
      if (entries) json(res, 200, { entries });
      else json(res, 404, { error: 'not_found' });
    }),
  );

  const action = (path: string, run: (conversationId: string, agent: string, body: Record<string, unknown>) => Promise<AgentActionResult>) =>
    server.post(
      `${API}/conversations/:id/${path}`,
      guarded(async (req, res) => {
        const session = await authorise(req, res, true);
        if (!session) return;
        const body = req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {};
        const result = await run(String(req.params.id ?? ''), session.agent, body);
        if (result.ok) json(res, 200, { ok: true });
        else json(res, statusOf[result.error], { error: result.error });
      }),
    );

  action('take', (c, agent) => service.take(c, agent));
  action('messages', (c, agent, body) => service.sendMessage(c, agent, typeof body.text === 'string' ? body.text : ''));
  action('verify', (c, agent) => service.agentVerify(c, agent));
  action('reset-link', (c, agent) => service.sendResetLink(c, agent));
  action('fresh-code', async (c, agent, body) => {
    const channel = channelSchema.safeParse(body.channel);
    return channel.success ? service.sendFreshCode(c, agent, channel.data) : { ok: false, error: 'invalid' };
  });
  action('end', (c, agent, body) => service.end(c, agent, body.outcome === 'resolved' ? 'resolved' : 'returned'));
  action('dismiss', (c, agent) => service.dismiss(c, agent));

  // ---- Live updates ---------------------------------------------------------------------------------------

  // One stream per open console: the desk when it changes, and new lines of the agent's chats. It reads the
  // shared store, so it shows what happens on every instance.
  server.get(
    EVENTS,
    guarded(async (req, res) => {
      const session = await authorise(req, res, false);
      if (!session) return;
      if (open.size >= maxStreams) {
        res.setHeader('Retry-After', '10');
        return json(res, 503, { error: 'too_many_streams' });
      }
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      res.write('retry: 2000\n\n');
      open.add(res);
      let closed = false;
      let lastDesk = '';
      const cursors = new Map<string, { handoffId: string; next: number }>();
      const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);

      const round = async () => {
        if (!(await sessions.resolve(cookieValue(req.header('cookie'), SESSION_COOKIE)))) {
          send('session', { error: 'session' });
          return res.end();
        }
        const view = await service.view(session.agent);
        const desk = JSON.stringify({ ...view, now: 0 });
        if (desk !== lastDesk) {
          lastDesk = desk;
          send('desk', view);
        }
        for (const mine of view.mine) {
          const cursor = cursors.get(mine.conversationId);
          if (!cursor || cursor.handoffId !== mine.handoffId) cursors.set(mine.conversationId, { handoffId: mine.handoffId, next: 0 });
        }
        for (const [conversationId, cursor] of cursors) {
          const entries = await service.logFor(conversationId, session.agent, cursor.handoffId);
          if (!entries) {
            cursors.delete(conversationId);
            continue;
          }
          if (entries.length > cursor.next) {
            send('log', { conversationId, handoffId: cursor.handoffId, from: cursor.next, entries: entries.slice(cursor.next) });
            cursor.next = entries.length;
          }
          // A finished handoff is followed until its last line has gone out.
          if (entries.some((e) => e.kind === 'closed') && !view.mine.some((m) => m.conversationId === conversationId)) cursors.delete(conversationId);
        }
      };

      let timer: NodeJS.Timeout | null = null;
      const loop = async () => {
        try {
          await round();
        } catch (error) {
          deps.logger.warn({ err: (error as Error).message }, 'agent console stream round failed');
        }
        if (!closed) timer = setTimeout(() => void loop(), streamPollMs);
      };
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), heartbeatMs);
      heartbeat.unref();
      void loop();
      await new Promise<void>((resolve) => {
        res.on('close', () => {
          closed = true;
          if (timer) clearTimeout(timer);
          clearInterval(heartbeat);
          open.delete(res);
          resolve();
        });
      });
    }),
  );

  closeWithServer(server, () => {
    for (const res of open) res.destroy();
  });
}
