// Agent console sessions: a random session id kept in the store (so any instance knows it and sign-out ends
// it everywhere), carried in a cookie as "id.signature" under the server key. CSRF tokens are derived from
// the session id, so a page from another site can neither read nor forge them. Failed sign-ins are counted
// per name, so guessing one agent's password is slow whichever instance the guesses reach.
import type { Clock } from '../clock.js';
import { randomToken, type Secrets } from '../services/secrets.js';
import type { KeyValueStore } from '../stores/kv-store.js';

export const SESSION_COOKIE = 'clave_agent';
export const LOGIN_COOKIE = 'clave_agent_login';
/** A working day; agents sign in again the next one. */
export const SESSION_TTL_MS = 12 * 3600_000;
const LOGIN_FORM_MAX_AGE_MS = 30 * 60_000;
const LOGIN_FAILURES_ALLOWED = 10;
const LOGIN_FAILURE_WINDOW_MS = 15 * 60_000;

const sessionKey = (id: string) => `agent-session:{${id}}`;
const failuresKey = (name: string) => `agent-login-failures:{${name.toLowerCase()}}`;

export interface AgentSession {
  id: string;
  agent: string;
}

export class AgentSessions {
  constructor(
    private readonly store: KeyValueStore,
    private readonly secrets: Secrets,
    private readonly clock: Clock,
  ) {}

  /** Starts a session; returns the cookie value. */
  async create(agent: string): Promise<string> {
    const id = randomToken(24);
    await this.store.set(sessionKey(id), agent, SESSION_TTL_MS);
    return `${id}.${this.secrets.hash('agent-session', id)}`;
  }

  async resolve(cookie: string | null): Promise<AgentSession | null> {
    const match = cookie ? /^([\w-]{24,64})\.([0-9a-f]{64})$/.exec(cookie) : null;
    if (!match) return null;
    const [, id = '', mac = ''] = match;
    if (!this.secrets.matches('agent-session', id, mac)) return null;
    const agent = await this.store.get(sessionKey(id));
    return agent ? { id, agent } : null;
  }

  async destroy(session: AgentSession): Promise<void> {
    await this.store.del(sessionKey(session.id));
  }

  csrfToken(session: AgentSession): string {
    return this.secrets.hash('agent-csrf', session.id);
  }

  isCsrfValid(session: AgentSession, token: unknown): boolean {
    return typeof token === 'string' && /^[0-9a-f]{64}$/.test(token) && this.secrets.matches('agent-csrf', session.id, token);
  }

  /** The sign-in form's CSRF pair: a nonce for the cookie, and the field bound to it and to the time. */
  loginForm(): { nonce: string; field: string; maxAgeSeconds: number } {
    const nonce = randomToken();
    const issuedAt = this.clock.now();
    const field = `${issuedAt}.${this.secrets.hash('agent-login', `${nonce}|${issuedAt}`)}`;
    return { nonce, field, maxAgeSeconds: LOGIN_FORM_MAX_AGE_MS / 1000 };
  }

  isLoginFormValid(nonce: string | null, field: unknown): boolean {
    if (!nonce || typeof field !== 'string') return false;
    const match = /^(\d{1,15})\.([0-9a-f]{64})$/.exec(field);
    if (!match) return false;
    const [, issued = '', mac = ''] = match;
    const age = this.clock.now() - Number(issued);
    if (age > LOGIN_FORM_MAX_AGE_MS || age < -60_000) return false;
    return this.secrets.matches('agent-login', `${nonce}|${issued}`, mac);
  }

  /** False once a name has had too many failed sign-ins in the window. */
  async mayTry(name: string): Promise<boolean> {
    const count = Number((await this.store.get(failuresKey(name))) ?? 0);
    return count < LOGIN_FAILURES_ALLOWED;
  }

  async countFailure(name: string): Promise<void> {
    await this.store.incr(failuresKey(name), LOGIN_FAILURE_WINDOW_MS);
  }
}

export function cookieValue(header: string | undefined, name: string): string | null {
  for (const part of String(header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}
