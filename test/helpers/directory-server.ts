// A reference implementation of docs/directory-api.openapi.yaml: a real HTTP server (node:http, a free
// port) over an in-memory data set, with real TOTP checks (otplib), server-side replay protection and
// single-use recovery codes. Tests run HttpDirectory against it, and can run the whole bot against it.
// Written plainly so a company can read it as an example of the contract; it is not production code.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { verify } from 'otplib';
import { z } from 'zod';
import { systemClock, type Clock } from '../../src/clock.js';
import { paymentDetailsSecret } from '../../src/services/account-directory.js';
import { loadDemoAccounts, newRecoveryCode, type DemoAccount } from '../../src/services/demo-directory.js';
import { hashPassword, verifyPassword } from '../../src/services/passwords.js';

export const demoAccountsFile = fileURLToPath(new URL('../../data/demo-accounts.json', import.meta.url));

/** The secrets behind data/demo-accounts.json (the file holds only their hashes), as the README lists them. */
export const demoCredentials = {
  passwords: {
    'acct-ana': 'Lighthouse-Paper-41',
    'acct-ben': 'Blue-Harbor-Kettle-7',
    'acct-carla': 'Quiet-Orchard-Lamp-3',
    'acct-dani': 'Marble-Cactus-Violin-9',
  } as Record<string, string>,
  ben: {
    totpSecret: 'CNJW5PUQ3ARXF37NFCAO23RDL3LZ7TIO',
    recoveryCodes: ['7HQK-2M9D-XW4P-LC3R', 'B8NZ-6TJF-Q2VA-M5YE', 'R4GW-9KCP-3HXD-TN7B'],
  },
};

/** The data set: the demo file's shape (hashes only, the TOTP secret in clear as an IdP must keep it). */
export type ReferenceAccount = DemoAccount;

export interface RecordedRequest {
  method: string;
  /** The raw request target, path and query as sent. */
  target: string;
  authorization: string | undefined;
  contentType: string | undefined;
}

/** Returns true when it answered the request itself (fault injection); false lets the server answer. */
export type Interceptor = (req: IncomingMessage, res: ServerResponse, route: string) => boolean;

export interface DirectoryServerOptions {
  accounts?: ReferenceAccount[];
  token?: string;
  /** The directory's clock for TOTP; tests share one ManualClock with the bot. */
  clock?: Clock;
  /** A path prefix the contract is served under, e.g. "/identity/v1". */
  basePath?: string;
  /** Serve the optional owner-identification endpoints (default true); false plays a directory without them. */
  ownerChecks?: boolean;
  /** Serve the optional security-event endpoint (default true); false answers it 404, as a router would. */
  events?: boolean;
}

export interface DirectoryServer {
  /** The base address to give HttpDirectory (DIRECTORY_URL), prefix included. */
  url: string;
  token: string;
  /** Every request, in order (never its body). */
  requests: RecordedRequest[];
  /** Security events received (POST /accounts/{id}/events), in the order they arrived, bodies as sent. */
  events: { accountId: string; event: unknown }[];
  /** How many recovery codes an account has left. */
  recoveryCodesLeft(accountId: string): number;
  intercept(handler: Interceptor | null): void;
  /** A slow security log: each event is recorded and answered after this many ms (a function: per event). */
  delayEvents(ms: number | (() => number)): void;
  close(): Promise<void>;
}

interface AccountState {
  account: ReferenceAccount;
  passwordHash: string;
  recoveryCodeHashes: Set<string>;
  /** The last TOTP time step accepted: anything at or before it is a replay. */
  lastTotpStep: number | null;
  sessions: Set<string>;
  signIns: { at: string; success: boolean }[];
}

const normaliseRecoveryCode = (code: string) => code.replace(/[\s-]/g, '').toUpperCase();
const sha256 = (value: string) => createHash('sha256').update(value).digest();
const MAX_BODY = 16 * 1024;

const bodies = {
  code: z.object({ code: z.string().min(1).max(64) }),
  // Exactly one of the two (a .strict() object would refuse fields a later contract adds).
  lookup: z
    .object({ email: z.string().min(3).max(320).optional(), phone: z.string().regex(/^\+[1-9]\d{6,14}$/).optional() })
    .refine((b) => (b.email === undefined) !== (b.phone === undefined)),
  session: z.object({ session: z.string().min(1).max(512) }),
  password: z.object({ password: z.string().min(8).max(1024) }),
  paymentDetails: z.object({ cardLast4: z.string().regex(/^\d{4}$/), postalCode: z.string().regex(/^[A-Z0-9]{3,10}$/) }),
  securityAnswer: z.object({ answer: z.string().min(1).max(200) }),
  signIn: z.object({ identifier: z.string().min(1).max(320), password: z.string().min(1).max(1024) }),
  event: z.object({ type: z.string().min(1).max(64), at: z.string().min(1), outcome: z.string().min(1).max(64) }).loose(),
};

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(code);
  }
}

function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpProblem(413, 'invalid_request');
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpProblem(400, 'invalid_request');
  }
}

async function body<T extends z.ZodType>(req: IncomingMessage, schema: T): Promise<z.output<T>> {
  const parsed = schema.safeParse(await readJson(req));
  if (!parsed.success) throw new HttpProblem(400, 'invalid_request');
  return parsed.data;
}

function view(a: ReferenceAccount, state: AccountState) {
  return {
    id: a.id,
    name: a.name,
    email: a.email ?? null,
    altEmail: a.altEmail ?? null,
    phone: a.phone ?? null,
    phoneVerified: a.phoneVerified,
    locale: a.locale ?? null,
    hasTotp: Boolean(a.totpSecret),
    hasRecoveryCodes: state.recoveryCodeHashes.size > 0,
  };
}

export async function startDirectoryServer(options: DirectoryServerOptions = {}): Promise<DirectoryServer> {
  const accounts = options.accounts ?? loadDemoAccounts(demoAccountsFile);
  const token = options.token ?? randomBytes(24).toString('base64url');
  const clock = options.clock ?? systemClock;
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  const expectedAuth = sha256(`Bearer ${token}`);

  const byId = new Map<string, AccountState>();
  for (const account of accounts) {
    byId.set(account.id, {
      account,
      passwordHash: account.passwordHash,
      recoveryCodeHashes: new Set(account.recoveryCodeHashes),
      lastTotpStep: null,
      sessions: new Set(),
      signIns: [],
    });
  }
  const sessions = new Map<string, string>();
  const requests: RecordedRequest[] = [];
  const events: { accountId: string; event: unknown }[] = [];
  let interceptor: Interceptor | null = null;
  let eventDelay: () => number = () => 0;

  const byEmail = (email: string) => {
    const wanted = email.trim().toLowerCase();
    for (const state of byId.values()) {
      const { email: primary, altEmail } = state.account;
      if (primary?.toLowerCase() === wanted || altEmail?.toLowerCase() === wanted) return state;
    }
    return undefined;
  };
  const byPhone = (phone: string) => [...byId.values()].find((s) => s.account.phone === phone);
  const accountOr404 = (id: string) => {
    const state = byId.get(id);
    if (!state) throw new HttpProblem(404, 'not_found');
    return state;
  };

  async function verifyTotp(state: AccountState, code: string): Promise<boolean> {
    const secret = state.account.totpSecret;
    if (!secret || !/^\d{6}$/.test(code)) return false;
    const result = await verify({
      secret,
      token: code,
      epoch: Math.floor(clock.now() / 1000),
      epochTolerance: [30, 0],
      ...(state.lastTotpStep !== null ? { afterTimeStep: state.lastTotpStep } : {}),
    });
    if (!result.valid) return false;
    const step = (result as { timeStep: number }).timeStep;
    // verify() awaited: a request with the same code may have claimed this step meanwhile.
    if (state.lastTotpStep !== null && step <= state.lastTotpStep) return false;
    state.lastTotpStep = step;
    return true;
  }

  async function route(req: IncomingMessage, res: ServerResponse, parts: string[], query: URLSearchParams): Promise<void> {
    const method = req.method ?? 'GET';
    const [first, id, ...rest] = parts;
    const tail = rest.join('/');

    // Personal data only ever comes in bodies: a URL with a query string is refused outright.
    if (query.size > 0) throw new HttpProblem(400, 'invalid_request');
    if (method === 'POST' && first === 'accounts' && id === 'lookup' && rest.length === 0) {
      const { email, phone } = await body(req, bodies.lookup);
      const state = email !== undefined ? byEmail(email) : byPhone(phone!);
      if (!state) throw new HttpProblem(404, 'not_found');
      return send(res, 200, view(state.account, state));
    }
    // Owner identification: hashes only (scrypt), compared as the contract sends them (already normalised).
    const ownerChecks = options.ownerChecks ?? true;
    if (ownerChecks && method === 'GET' && first === 'owner-checks' && parts.length === 1) {
      return send(res, 200, { paymentDetails: true, securityQuestion: true });
    }
    if (ownerChecks && method === 'POST' && first === 'accounts' && id !== undefined && rest[0] === 'owner-checks') {
      const state = accountOr404(id);
      if (tail === 'owner-checks/payment-details') {
        const details = await body(req, bodies.paymentDetails);
        const stored = state.account.paymentDetailsHash;
        return send(res, 200, { matched: stored ? await verifyPassword(paymentDetailsSecret(details), stored) : false });
      }
      if (tail === 'owner-checks/security-question') {
        return send(res, 200, { questionId: state.account.securityQuestion?.id ?? null });
      }
      if (tail === 'owner-checks/security-answer') {
        const { answer } = await body(req, bodies.securityAnswer);
        const stored = state.account.securityQuestion?.answerHash;
        return send(res, 200, { matched: stored ? await verifyPassword(answer, stored) : false });
      }
    }
    if (first === 'accounts' && id !== undefined) {
      if (method === 'GET' && tail === '') {
        const state = accountOr404(id);
        return send(res, 200, view(state.account, state));
      }
      if (method === 'POST' && tail === 'second-factor/totp/verify') {
        const state = accountOr404(id);
        const { code } = await body(req, bodies.code);
        return send(res, 200, { valid: await verifyTotp(state, code) });
      }
      if (method === 'POST' && tail === 'second-factor/recovery-codes/consume') {
        const state = accountOr404(id);
        const { code } = await body(req, bodies.code);
        const hash = sha256(normaliseRecoveryCode(code)).toString('hex');
        // Checked and spent in one synchronous step, so two requests cannot both use it.
        return send(res, 200, { valid: state.recoveryCodeHashes.delete(hash) });
      }
      if (method === 'POST' && tail === 'recovery-codes') {
        const state = accountOr404(id);
        // Only the hash is kept, beside the account's other unused codes.
        const code = newRecoveryCode();
        state.recoveryCodeHashes.add(sha256(normaliseRecoveryCode(code)).toString('hex'));
        return send(res, 201, { code });
      }
      if (method === 'POST' && tail === 'password') {
        const state = accountOr404(id);
        const { password } = await body(req, bodies.password);
        state.passwordHash = await hashPassword(password);
        return send(res, 204);
      }
      if (method === 'POST' && tail === 'sessions/revoke') {
        const state = accountOr404(id);
        const revoked = state.sessions.size;
        for (const session of state.sessions) sessions.delete(session);
        state.sessions.clear();
        return send(res, 200, { revoked });
      }
      if (method === 'GET' && tail === 'activity') {
        const state = accountOr404(id);
        return send(res, 200, { signIns: state.signIns.slice(-100).reverse(), devices: [] });
      }
      if (method === 'POST' && tail === 'events' && (options.events ?? true)) {
        accountOr404(id);
        const event = await body(req, bodies.event);
        const delay = eventDelay();
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
        events.push({ accountId: id, event });
        return send(res, 204);
      }
    }
    if (method === 'POST' && first === 'sign-in' && parts.length === 1) {
      const { identifier, password } = await body(req, bodies.signIn);
      const state = byEmail(identifier) ?? byPhone(identifier);
      // The same answer for an unknown identifier and a wrong password.
      const ok = state ? await verifyPassword(password, state.passwordHash) : false;
      state?.signIns.push({ at: new Date(clock.now()).toISOString(), success: ok });
      if (!state || !ok) throw new HttpProblem(401, 'invalid_credentials');
      const session = randomBytes(16).toString('base64url');
      sessions.set(session, state.account.id);
      state.sessions.add(session);
      return send(res, 200, { accountId: state.account.id, session });
    }
    if (method === 'POST' && first === 'sessions' && id === 'check' && rest.length === 0) {
      const { session } = await body(req, bodies.session);
      const accountId = sessions.get(session);
      if (!accountId) throw new HttpProblem(404, 'not_found');
      return send(res, 200, { accountId });
    }
    throw new HttpProblem(404, 'not_found');
  }

  const server = createServer((req, res) => {
    const target = req.url ?? '/';
    requests.push({
      method: req.method ?? '',
      target,
      authorization: req.headers.authorization,
      contentType: req.headers['content-type'],
    });
    const url = new URL(target, 'http://directory.invalid');
    const path = url.pathname.startsWith(`${basePath}/`) ? url.pathname.slice(basePath.length) : null;
    const routeName = `${req.method} ${path ?? url.pathname}`;
    if (interceptor?.(req, res, routeName)) return;

    void (async () => {
      try {
        const given = req.headers.authorization;
        // Constant-time: compare digests of equal length.
        if (!given || !timingSafeEqual(sha256(given), expectedAuth)) {
          return send(res, 401, { error: 'invalid_token', message: 'A valid bearer token is required.' }, {
            'www-authenticate': given ? 'Bearer error="invalid_token"' : 'Bearer',
          });
        }
        if (path === null) throw new HttpProblem(404, 'not_found');
        let parts: string[];
        try {
          parts = path.split('/').slice(1).map((p) => decodeURIComponent(p));
        } catch {
          throw new HttpProblem(400, 'invalid_request');
        }
        await route(req, res, parts, url.searchParams);
      } catch (error) {
        if (error instanceof HttpProblem) return send(res, error.status, { error: error.code });
        send(res, 500, { error: 'internal' });
      }
    })();
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}${basePath}`,
    token,
    requests,
    events,
    recoveryCodesLeft: (accountId) => byId.get(accountId)?.recoveryCodeHashes.size ?? 0,
    intercept(handler) {
      interceptor = handler;
    },
    delayEvents(ms) {
      eventDelay = typeof ms === 'number' ? () => ms : ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        // Requests an interceptor left hanging would otherwise keep close() waiting forever.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The demo file's accounts, read fresh, for a server loaded with the same data as the demo directory. */
export function demoAccounts(): ReferenceAccount[] {
  return loadDemoAccounts(demoAccountsFile);
}

/** Reads the demo file raw (tests that make a malformed copy of it). */
export function demoAccountsJson(): { accounts: Record<string, unknown>[] } {
  return JSON.parse(readFileSync(demoAccountsFile, 'utf8')) as { accounts: Record<string, unknown>[] };
}
