// The account directory over HTTP: a company's identity system behind the REST contract in
// docs/directory-api.openapi.yaml. Every answer is checked against the schemas below (they mirror the
// contract, and a test keeps the two in step); anything else becomes a DirectoryError whose message names
// the operation and never holds a password, code, token, email address or phone number.
import { z } from 'zod';
import { isCardLast4, isPostalCode, type Account, type AccountDirectory, type OwnerChecksOffered, type PaymentDetails } from './account-directory.js';
import type { AuditEventName } from './audit-log.js';

// ---- The contract's schemas (components/schemas in the OpenAPI file) ----

const e164 = z.string().regex(/^\+[1-9]\d{6,14}$/);
/** Optional fields may come as null (many directories serialise that way); Clave sees them as absent. */
const absentIfNull = <T extends z.ZodType>(schema: T) => schema.nullish().transform((v) => v ?? undefined);

/** A BCP 47 tag; Clave speaks Spanish and English, so "es-MX" becomes "es" and "fr" nothing. */
function toLocale(tag: string | null | undefined): Account['locale'] {
  const language = tag?.toLowerCase().split(/[-_]/)[0];
  return language === 'es' || language === 'en' ? language : undefined;
}

export const accountSchema = z.object({
  id: z.string().min(1).max(256),
  name: z.string().max(200),
  email: absentIfNull(z.email()),
  altEmail: absentIfNull(z.email()),
  phone: absentIfNull(e164),
  phoneVerified: z.boolean(),
  locale: z.string().max(35).nullish().transform(toLocale),
  hasTotp: z.boolean(),
  hasRecoveryCodes: z.boolean(),
});

export const errorBodySchema = z.object({
  error: z.string().min(1).max(64),
  message: z.string().max(1000).optional(),
});

export const codeCheckResultSchema = z.object({ valid: z.boolean() });
/** Owner identification for agents (optional part of the contract). */
export const ownerChecksOfferedSchema = z.object({ paymentDetails: z.boolean(), securityQuestion: z.boolean() });
export const ownerCheckResultSchema = z.object({ matched: z.boolean() });
export const securityQuestionSchema = z.object({ questionId: z.string().min(1).max(64).nullable() });
/** A fresh recovery code, in clear this once: at least 16 symbols (64 bits from a 16-symbol alphabet). */
export const issuedRecoveryCodeSchema = z.object({ code: z.string().min(16).max(64) });
export const revokedSchema = z.object({ revoked: z.number().int().min(0) });
export const signInResultSchema = z.object({ accountId: z.string().min(1).max(256), session: z.string().min(1).max(512) });
export const sessionSchema = z.object({ accountId: z.string().min(1).max(256) });

export const activitySchema = z.object({
  signIns: z
    .array(
      z.object({
        at: z.iso.datetime({ offset: true }),
        success: z.boolean(),
        device: z.string().max(200).optional(),
        location: z.string().max(200).optional(),
      }),
    )
    .max(100),
  devices: z
    .array(z.object({ name: z.string().max(200), lastSeenAt: z.iso.datetime({ offset: true }).optional() }))
    .max(100),
});
export type Activity = z.infer<typeof activitySchema>;

/** The audit events a company may want in its own security log; never a code, token or address. */
export const securityEventTypes = [
  'code_sent',
  'code_verified',
  'code_failed',
  'second_factor_verified',
  'second_factor_failed',
  'locked',
  'reset_link_issued',
  'reset_completed',
  'recovery_code_reissued',
  'handoff',
] as const satisfies readonly AuditEventName[];

export const securityEventSchema = z.object({
  type: z.enum(securityEventTypes),
  at: z.iso.datetime({ offset: true }),
  outcome: z.string().min(1).max(64),
  channel: z.string().max(32).optional(),
  /** Clave's conversation id, so the company can match its log line to Clave's audit trail. */
  reference: z.string().max(128).optional(),
});
export type SecurityEvent = z.infer<typeof securityEventSchema>;

// ---- Errors ----

export type DirectoryErrorKind =
  /** No complete answer within DIRECTORY_TIMEOUT_MS. */
  | 'timeout'
  /** Could not connect, or the directory answered 408, 429 or 5xx. */
  | 'unavailable'
  /** An answer the contract does not allow (wrong shape, redirect, a 404 that is not the contract's). */
  | 'invalid_response'
  /** 401/403: the directory refused DIRECTORY_TOKEN. */
  | 'unauthorized'
  /** Any other 4xx: the directory refused this request (unknown account on a write, password refused). */
  | 'rejected';

export class DirectoryError extends Error {
  override readonly name = 'DirectoryError';

  constructor(
    readonly kind: DirectoryErrorKind,
    readonly operation: string,
    detail: string,
    readonly status?: number,
  ) {
    super(`directory ${operation}: ${detail}`);
  }
}

// ---- The adapter ----

export interface HttpDirectoryOptions {
  /** DIRECTORY_URL: the contract's base address; may carry a path prefix such as /clave/v1. */
  url: string;
  /** DIRECTORY_TOKEN, sent as a bearer token. */
  token: string | undefined;
  /** DIRECTORY_TIMEOUT_MS for a whole exchange, headers and body. */
  timeoutMs?: number;
}

interface Exchange {
  status: number;
  text: string;
}

type Method = 'GET' | 'POST';

const DEFAULT_TIMEOUT_MS = 3000;
/** How long the directory's list of owner checks is trusted before it is asked again. */
const OWNER_CHECKS_CACHE_MS = 5 * 60_000;
const isLoopback = (host: string) => host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);

/** One path segment, percent-encoded; "." and ".." would climb the URL, so they never reach it. */
function segment(operation: string, value: string): string {
  if (value === '' || value === '.' || value === '..') {
    throw new DirectoryError('rejected', operation, 'an identifier cannot be empty, "." or ".."');
  }
  return encodeURIComponent(value);
}

export class HttpDirectory implements AccountDirectory {
  private readonly base: URL;
  // A private field: a logged or inspected directory object never shows the token.
  readonly #authorization: string;
  readonly timeoutMs: number;
  private offered: { value: OwnerChecksOffered; until: number } | null = null;

  constructor(options: HttpDirectoryOptions) {
    let base: URL;
    try {
      base = new URL(options.url);
    } catch {
      throw new Error('DIRECTORY_URL is not a valid URL');
    }
    // The bearer token travels with every request, so only TLS, or this machine, may carry it.
    if (!(base.protocol === 'https:' || (base.protocol === 'http:' && isLoopback(base.hostname)))) {
      throw new Error('DIRECTORY_URL must use https (it carries DIRECTORY_TOKEN); plain http only for localhost');
    }
    if (base.username || base.password) throw new Error('DIRECTORY_URL must not hold credentials; use DIRECTORY_TOKEN');
    if (base.search || base.hash) throw new Error('DIRECTORY_URL must not have a query or fragment');
    if (!options.token) throw new Error('DIRECTORY_TOKEN is required when DIRECTORY_URL is set');
    if (!/^[\x21-\x7e]+$/.test(options.token)) throw new Error('DIRECTORY_TOKEN must be printable ASCII without spaces');
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new Error('DIRECTORY_TIMEOUT_MS must be a positive integer');

    // A trailing slash, so relative paths land under the prefix instead of replacing its last part.
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    this.base = base;
    this.#authorization = `Bearer ${options.token}`;
    this.timeoutMs = timeoutMs;
  }

  async findByEmail(email: string): Promise<Account | null> {
    const wanted = email.trim();
    // Decided by the input alone, so it tells nothing about which accounts exist.
    if (wanted.length < 3 || wanted.length > 320 || !wanted.includes('@')) return null;
    const lower = wanted.toLowerCase();
    return this.lookup('findByEmail', { email: wanted }, (a) =>
      [a.email, a.altEmail].some((address) => address?.toLowerCase() === lower),
    );
  }

  async findByPhone(phone: string): Promise<Account | null> {
    if (!e164.safeParse(phone).success) return null;
    return this.lookup('findByPhone', { phone }, (a) => a.phone === phone);
  }

  async getById(id: string): Promise<Account | null> {
    const operation = 'getById';
    const answer = await this.exchange(operation, 'GET', ['accounts', id]);
    if (answer.status === 404) return this.notFound(operation, answer, null);
    if (answer.status !== 200) this.fail(operation, answer);
    const account = this.parse(operation, accountSchema, answer);
    if (account.id !== id) throw new DirectoryError('invalid_response', operation, 'the account has a different id than asked for');
    return account;
  }

  /** The directory checks the code on its own clock, so nowMs (Clave's clock) is not sent. */
  async verifyTotp(accountId: string, code: string, _nowMs: number): Promise<boolean> {
    if (!/^\d{6}$/.test(code)) return false;
    return this.checkCode('verifyTotp', [accountId, 'second-factor', 'totp', 'verify'], code);
  }

  async consumeRecoveryCode(accountId: string, code: string): Promise<boolean> {
    const trimmed = code.trim();
    if (trimmed.length < 1 || trimmed.length > 64) return false;
    return this.checkCode('consumeRecoveryCode', [accountId, 'second-factor', 'recovery-codes', 'consume'], trimmed);
  }

  async setPassword(accountId: string, newPassword: string): Promise<void> {
    const operation = 'setPassword';
    const answer = await this.exchange(operation, 'POST', ['accounts', accountId, 'password'], { password: newPassword });
    if (answer.status === 204 || answer.status === 200) return;
    // An unknown account is a 404, which fail() reports as rejected: a write has no "nobody" answer.
    this.fail(operation, answer);
  }

  async revokeSessions(accountId: string): Promise<number> {
    const operation = 'revokeSessions';
    const answer = await this.exchange(operation, 'POST', ['accounts', accountId, 'sessions', 'revoke']);
    if (answer.status !== 200) this.fail(operation, answer);
    return this.parse(operation, revokedSchema, answer).revoked;
  }

  async signIn(identifier: string, password: string): Promise<{ accountId: string; session: string } | null> {
    const operation = 'signIn';
    const typed = identifier.trim();
    const asPhone = typed.replace(/[\s()-]/g, '');
    const body = { identifier: e164.safeParse(asPhone).success ? asPhone : typed, password };
    const answer = await this.exchange(operation, 'POST', ['sign-in'], body);
    // 401 means two things here; only the contract's invalid_credentials is a wrong password.
    if (answer.status === 401 && this.errorCode(answer) === 'invalid_credentials') return null;
    if (answer.status !== 200) this.fail(operation, answer);
    return this.parse(operation, signInResultSchema, answer);
  }

  async isSessionValid(session: string): Promise<boolean> {
    const operation = 'isSessionValid';
    if (session.length < 1 || session.length > 512) return false;
    // In the body: a session token in a URL would end up in access logs.
    const answer = await this.exchange(operation, 'POST', ['sessions', 'check'], { session });
    if (answer.status === 404) return this.notFound(operation, answer, false);
    if (answer.status !== 200) this.fail(operation, answer);
    this.parse(operation, sessionSchema, answer);
    return true;
  }

  /** A fresh recovery code for the account, to replace one a recovery used; shown once, never stored here. */
  async issueRecoveryCode(accountId: string): Promise<string> {
    const operation = 'issueRecoveryCode';
    const answer = await this.exchange(operation, 'POST', ['accounts', accountId, 'recovery-codes']);
    if (answer.status !== 201 && answer.status !== 200) this.fail(operation, answer);
    return this.parse(operation, issuedRecoveryCodeSchema, answer).code;
  }

  /** Recent sign-ins and devices, for a human agent; null when the directory does not offer them. */
  async recentActivity(accountId: string): Promise<Activity | null> {
    const operation = 'recentActivity';
    const answer = await this.exchange(operation, 'GET', ['accounts', accountId, 'activity']);
    // The endpoint is optional: a directory without it answers 404 or 501.
    if (answer.status === 404 || answer.status === 501) return null;
    if (answer.status !== 200) this.fail(operation, answer);
    return this.parse(operation, activitySchema, answer);
  }

  /**
   * Writes a security event to the company's own log for the account. The endpoint is optional: false when the
   * directory answers 404 or 501 (a directory without it); a 404 cannot tell that from an unknown account, and
   * Clave only sends events for accounts the directory just named.
   */
  async recordEvent(accountId: string, event: SecurityEvent): Promise<boolean> {
    const operation = 'recordEvent';
    const body = securityEventSchema.parse(event);
    const answer = await this.exchange(operation, 'POST', ['accounts', accountId, 'events'], body);
    if (answer.status === 202 || answer.status === 204) return true;
    if (answer.status === 404 || answer.status === 501) return false;
    this.fail(operation, answer);
  }

  // ---- Owner identification (optional endpoints) ----

  /**
   * Which owner checks the directory offers, the same for every account; a directory without the endpoint
   * (404, 501) offers none. A real answer is kept for OWNER_CHECKS_CACHE_MS: it changes with deployments.
   */
  async ownerChecksOffered(): Promise<OwnerChecksOffered> {
    const operation = 'ownerChecksOffered';
    if (this.offered && this.offered.until > Date.now()) return this.offered.value;
    const answer = await this.exchange(operation, 'GET', ['owner-checks']);
    let value: OwnerChecksOffered;
    if (answer.status === 404 || answer.status === 501) value = { paymentDetails: false, securityQuestion: false };
    else if (answer.status === 200) value = this.parse(operation, ownerChecksOfferedSchema, answer);
    else this.fail(operation, answer);
    this.offered = { value, until: Date.now() + OWNER_CHECKS_CACHE_MS };
    return value;
  }

  /** In a JSON body, never in a URL: card digits and postal code must not reach access logs. */
  async checkPaymentDetails(accountId: string, details: PaymentDetails): Promise<boolean> {
    if (!isCardLast4(details.cardLast4) || !isPostalCode(details.postalCode)) return false;
    return this.ownerCheck('checkPaymentDetails', [accountId, 'owner-checks', 'payment-details'], details);
  }

  async securityQuestionOf(accountId: string): Promise<string | null> {
    const operation = 'securityQuestionOf';
    const answer = await this.exchange(operation, 'POST', ['accounts', accountId, 'owner-checks', 'security-question'], {});
    if (answer.status === 404) return this.notFound(operation, answer, null);
    if (answer.status !== 200) this.fail(operation, answer);
    return this.parse(operation, securityQuestionSchema, answer).questionId;
  }

  /** The answer arrives normalised (case, accents and spaces removed), as the directory hashed it. */
  async checkSecurityAnswer(accountId: string, answer: string): Promise<boolean> {
    if (answer.length < 1 || answer.length > 200) return false;
    return this.ownerCheck('checkSecurityAnswer', [accountId, 'owner-checks', 'security-answer'], { answer });
  }

  private async ownerCheck(operation: string, path: string[], body: unknown): Promise<boolean> {
    const answer = await this.exchange(operation, 'POST', ['accounts', ...path], body);
    // An unknown account (the stand-in every unknown identifier is checked against) simply does not match.
    if (answer.status === 404) return this.notFound(operation, answer, false);
    if (answer.status !== 200) this.fail(operation, answer);
    return this.parse(operation, ownerCheckResultSchema, answer).matched;
  }

  // ---- Plumbing ----

  private async lookup(
    operation: string,
    wanted: { email: string } | { phone: string },
    matches: (account: Account) => boolean,
  ): Promise<Account | null> {
    // A POST with the address or number in the body: never in a URL, so never in an access log.
    const answer = await this.exchange(operation, 'POST', ['accounts', 'lookup'], wanted);
    if (answer.status === 404) return this.notFound(operation, answer, null);
    if (answer.status !== 200) this.fail(operation, answer);
    const account = this.parse(operation, accountSchema, answer);
    // A directory that ignored the query would hand Clave someone else's account.
    if (!matches(account)) throw new DirectoryError('invalid_response', operation, 'the account does not match the lookup');
    return account;
  }

  private async checkCode(operation: string, path: string[], code: string): Promise<boolean> {
    const answer = await this.exchange(operation, 'POST', ['accounts', ...path], { code });
    if (answer.status === 404) return this.notFound(operation, answer, false);
    if (answer.status !== 200) this.fail(operation, answer);
    return this.parse(operation, codeCheckResultSchema, answer).valid;
  }

  private async exchange(
    operation: string,
    method: Method,
    path: string[],
    body?: unknown,
  ): Promise<Exchange> {
    // Paths hold only fixed words and account ids, and there is never a query string: anything personal or
    // secret goes in the body.
    const url = new URL(path.map((part) => segment(operation, part)).join('/'), this.base);
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const response = await fetch(url, {
        method,
        headers: {
          authorization: this.#authorization,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        // A redirect would take the token somewhere DIRECTORY_URL does not name.
        redirect: 'manual',
        signal,
      });
      // The same signal bounds the body, so a directory that stalls mid-answer times out too.
      return { status: response.status, text: await response.text() };
    } catch (error) {
      if (signal.aborted) throw new DirectoryError('timeout', operation, `no answer within ${this.timeoutMs} ms`);
      const code = (error as { cause?: { code?: unknown } }).cause?.code;
      const reason = typeof code === 'string' && /^[A-Z_]{1,40}$/.test(code) ? code : 'network error';
      throw new DirectoryError('unavailable', operation, `cannot reach the directory (${reason})`);
    }
  }

  private json(operation: string, answer: Exchange): unknown {
    try {
      return JSON.parse(answer.text);
    } catch {
      throw new DirectoryError('invalid_response', operation, `HTTP ${answer.status} body is not JSON`, answer.status);
    }
  }

  private parse<T extends z.ZodType>(operation: string, schema: T, answer: Exchange): z.output<T> {
    const parsed = schema.safeParse(this.json(operation, answer));
    if (parsed.success) return parsed.data;
    // Paths and issue codes only: zod messages could quote a value the directory sent.
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.code}`)
      .join('; ');
    throw new DirectoryError('invalid_response', operation, `HTTP ${answer.status} body breaks the contract (${issues})`, answer.status);
  }

  /** The contract's error code when the body has one that is safe to repeat. */
  private errorCode(answer: Exchange): string | null {
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      return null;
    }
    const parsed = errorBodySchema.safeParse(body);
    return parsed.success && /^[a-z][a-z0-9_]{0,63}$/.test(parsed.data.error) ? parsed.data.error : null;
  }

  /**
   * A 404 is "no such account/session" only with the contract's not_found body; a bare 404 more likely means
   * DIRECTORY_URL points at the wrong place, and reading it as "nobody" would quietly find no one.
   */
  private notFound<T>(operation: string, answer: Exchange, value: T): T {
    if (this.errorCode(answer) === 'not_found') return value;
    throw new DirectoryError(
      'invalid_response',
      operation,
      'HTTP 404 without the contract\'s {"error":"not_found"} body; is DIRECTORY_URL right?',
      404,
    );
  }

  private fail(operation: string, answer: Exchange): never {
    const { status } = answer;
    const code = this.errorCode(answer);
    const detail = `HTTP ${status}${code ? ` (${code})` : ''}`;
    if (status === 401 || status === 403) {
      throw new DirectoryError('unauthorized', operation, `the directory refused DIRECTORY_TOKEN: ${detail}`, status);
    }
    if (status === 408 || status === 429 || status >= 500) throw new DirectoryError('unavailable', operation, detail, status);
    if (status >= 300 && status < 400) {
      throw new DirectoryError('invalid_response', operation, `${detail}: redirects are not followed; set DIRECTORY_URL to the final address`, status);
    }
    if (status >= 400) throw new DirectoryError('rejected', operation, detail, status);
    throw new DirectoryError('invalid_response', operation, `unexpected ${detail}`, status);
  }
}
