// An agent using the console over HTTP, as the console's own script does: signs in through the form (with its
// CSRF cookie and field), keeps the session cookie, reads the CSRF token from the page and calls the JSON API.
import { expect } from 'vitest';
import type { AgentView, CaseView } from '../../src/handoff/handoff-service.js';
import type { LogEntry } from '../../src/handoff/desk.js';

export interface AgentClient {
  name: string;
  cookie: string;
  csrf: string;
  desk(): Promise<AgentView>;
  caseOf(conversationId: string): Promise<{ status: number; body: CaseView }>;
  log(conversationId: string, handoffId: string): Promise<LogEntry[]>;
  /** POST /agent/api/conversations/:id/:action with the session's CSRF token. */
  act(conversationId: string, action: string, body?: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Waits until the handoff's log has an entry that matches. */
  waitForLog(conversationId: string, handoffId: string, match: (entry: LogEntry) => boolean, timeoutMs?: number): Promise<LogEntry[]>;
}

export function cookiesFrom(response: Response): Record<string, string> {
  const out: Record<string, string> = {};
  for (const header of response.headers.getSetCookie()) {
    const [pair = ''] = header.split(';');
    const eq = pair.indexOf('=');
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

/** Opens the sign-in form: its CSRF field and the cookie that goes with it. */
export async function loginForm(baseUrl: string): Promise<{ field: string; cookie: string; response: Response; html: string }> {
  const response = await fetch(`${baseUrl}/agent`);
  const html = await response.text();
  const field = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
  const nonce = cookiesFrom(response).clave_agent_login ?? '';
  return { field, cookie: `clave_agent_login=${nonce}`, response, html };
}

export async function postLogin(baseUrl: string, form: { field: string; cookie: string }, name: string, password: string): Promise<Response> {
  return fetch(`${baseUrl}/agent/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: form.cookie },
    body: new URLSearchParams({ csrf: form.field, name, password }).toString(),
  });
}

export async function signInAgent(baseUrl: string, name: string, password: string): Promise<AgentClient> {
  const response = await postLogin(baseUrl, await loginForm(baseUrl), name, password);
  expect(response.status, `${name} signs in`).toBe(303);
  const session = cookiesFrom(response).clave_agent;
  expect(session).toBeTruthy();
  const cookie = `clave_agent=${session}`;
  const page = await (await fetch(`${baseUrl}/agent`, { headers: { cookie } })).text();
  const config = JSON.parse(/<script type="application\/json" id="agent-console-config">(.*?)<\/script>/s.exec(page)?.[1] ?? '{}') as { csrf: string };
  const api = `${baseUrl}/agent/api`;
  const get = async (path: string) => {
    const res = await fetch(`${api}${path}`, { headers: { cookie } });
    return { status: res.status, body: (await res.json()) as never };
  };
  const client: AgentClient = {
    name,
    cookie,
    csrf: config.csrf,
    desk: async () => (await get('/desk')).body,
    caseOf: (id) => get(`/conversations/${encodeURIComponent(id)}`),
    log: async (id, handoffId) => ((await get(`/conversations/${encodeURIComponent(id)}/log/${handoffId}`)).body as { entries?: LogEntry[] }).entries ?? [],
    async act(id, action, body = {}) {
      const res = await fetch(`${api}/conversations/${encodeURIComponent(id)}/${action}`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': config.csrf },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    async waitForLog(id, handoffId, match, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const entries = await client.log(id, handoffId);
        if (entries.some(match)) return entries;
        if (Date.now() > deadline) throw new Error(`no matching log entry; the log holds ${JSON.stringify(entries)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
  return client;
}

/** Waits until something shows up (a proactive message, a desk entry). */
export async function eventually<T>(read: () => T | Promise<T>, ok: (value: T) => boolean, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
