// Direct Line tokens for the local channel (SECURITY.md §G.21): each names one conversation and the user id
// the server chose for it, is signed with the server key and expires. They are JWT-shaped (header.payload.sig,
// base64url) only so that Web Chat and directlinejs can read the `user` claim, as they do with Azure's tokens;
// nothing but this module verifies them, and the signature is the server's purpose-bound HMAC.
import { z } from 'zod';
import type { Clock } from '../../clock.js';
import { randomToken, type Secrets } from '../../services/secrets.js';

/** What a token lets its bearer do: use the REST API, or open the one WebSocket its streamUrl names. */
export type TokenScope = 'conversation' | 'stream';

export interface TokenClaims {
  /** Conversation id. */
  conv: string;
  /** The user id the server chose (`dl_…`); every activity the bearer posts is sent as this user. */
  user: string;
  scope: TokenScope;
  /** Issued at and expires at, seconds since the epoch (JWT style). */
  iat: number;
  exp: number;
}

const claimsSchema = z.object({
  conv: z.string().min(1).max(100),
  user: z.string().regex(/^dl_[\w-]{1,64}$/),
  scope: z.enum(['conversation', 'stream']),
  iat: z.number().int(),
  exp: z.number().int(),
});

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
const PURPOSE = 'directline-token';

export type TokenCheck =
  | { ok: true; claims: TokenClaims }
  | { ok: false; reason: 'missing' | 'malformed' | 'bad_signature' | 'expired' | 'wrong_scope' };

export class DirectLineTokens {
  constructor(
    private readonly secrets: Secrets,
    private readonly clock: Clock,
    /** Lifetime of a conversation token (Azure's default is 30 minutes; directlinejs refreshes at half). */
    readonly lifetimeSeconds = 1800,
    /** A streamUrl must be opened soon after it was handed out. */
    readonly streamLifetimeSeconds = 120,
  ) {}

  static newConversationId(): string {
    return randomToken(18);
  }

  static newUserId(): string {
    return `dl_${randomToken(12)}`;
  }

  issue(conv: string, user: string, scope: TokenScope = 'conversation'): { token: string; expiresIn: number } {
    const iat = Math.floor(this.clock.now() / 1000);
    const expiresIn = scope === 'stream' ? this.streamLifetimeSeconds : this.lifetimeSeconds;
    const claims: TokenClaims = { conv, user, scope, iat, exp: iat + expiresIn };
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return { token: `${HEADER}.${payload}.${this.sign(`${HEADER}.${payload}`)}`, expiresIn };
  }

  verify(token: string | undefined | null, scope: TokenScope = 'conversation'): TokenCheck {
    if (!token) return { ok: false, reason: 'missing' };
    if (token.length > 2048) return { ok: false, reason: 'malformed' };
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== HEADER) return { ok: false, reason: 'malformed' };
    const [, payload = '', signature = ''] = parts;
    if (!/^[A-Za-z0-9_-]{43}$/.test(signature)) return { ok: false, reason: 'malformed' };
    const expected = Buffer.from(signature, 'base64url').toString('hex');
    if (!this.secrets.matches(PURPOSE, `${HEADER}.${payload}`, expected)) return { ok: false, reason: 'bad_signature' };
    let claims: TokenClaims;
    try {
      const parsed = claimsSchema.safeParse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
      if (!parsed.success) return { ok: false, reason: 'malformed' };
      claims = parsed.data;
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    if (claims.scope !== scope) return { ok: false, reason: 'wrong_scope' };
    if (claims.exp * 1000 <= this.clock.now()) return { ok: false, reason: 'expired' };
    return { ok: true, claims };
  }

  private sign(input: string): string {
    return Buffer.from(this.secrets.hash(PURPOSE, input), 'hex').toString('base64url');
  }
}
