// The demo account directory: accounts from a JSON file (validated), changes kept in the store so several
// instances agree. Stands in for a company's identity system in the embedded default and in tests.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { KeyValueStore } from '../stores/kv-store.js';
import { securityQuestionIds } from '../../machines/recovery.types.js';
import {
  normaliseSecurityAnswer,
  paymentDetailsSecret,
  type Account,
  type AccountDirectory,
  type DirectoryActivity,
  type OwnerChecksOffered,
  type PaymentDetails,
} from './account-directory.js';
import { securityEventSchema, type SecurityEvent } from './http-directory.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { checkTotp } from './totp.js';

/** A demo sign-in session lasts a day; its key has its own token as the hash tag (Redis Cluster). */
const SESSION_TTL_MS = 24 * 3600_000;
const sessionKey = (session: string) => `dir:session:{${session}}`;

const scryptHash = z.string().regex(/^scrypt\$[\w-]+\$[\w-]+$/, 'must be scrypt$salt$hash (base64url)');
const e164 = z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 phone number like +14155550101');

export const demoAccountSchema = z
  .object({
    id: z.string().min(1).max(64),
    name: z.string().min(1).max(80),
    email: z.email().optional(),
    altEmail: z.email().optional(),
    phone: e164.optional(),
    phoneVerified: z.boolean().default(false),
    locale: z.enum(['es', 'en']).optional(),
    passwordHash: scryptHash,
    /** Owner identification for agents: scrypt of "last4|POSTALCODE" (npm run owner:hash), never the values. */
    paymentDetailsHash: scryptHash.optional(),
    /** The legacy security question: a catalog id and scrypt of the normalised answer. */
    securityQuestion: z
      .object({
        id: z.enum(securityQuestionIds),
        answerHash: scryptHash,
      })
      .optional(),
    totpSecret: z.string().regex(/^[A-Z2-7]{16,}$/, 'must be base32').optional(),
    recoveryCodeHashes: z.array(z.string().regex(/^[0-9a-f]{64}$/, 'must be SHA-256 hex')).default([]),
    /** Made-up recent sign-ins and devices for the agent console, in minutes before now so they stay recent. */
    activity: z
      .object({
        signIns: z
          .array(
            z.object({
              minutesAgo: z.number().int().min(0),
              success: z.boolean(),
              device: z.string().max(200).optional(),
              location: z.string().max(200).optional(),
            }),
          )
          .max(20)
          .default([]),
        devices: z.array(z.object({ name: z.string().max(200), lastSeenMinutesAgo: z.number().int().min(0).optional() })).max(20).default([]),
      })
      .optional(),
  })
  .refine((a) => a.email || a.phone, { message: 'an account needs an email or a phone' });

export const demoDirectoryFileSchema = z.object({
  $comment: z.string().optional(),
  accounts: z.array(demoAccountSchema).min(1),
});

export type DemoAccount = z.infer<typeof demoAccountSchema>;

export function loadDemoAccounts(path: string): DemoAccount[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`ACCOUNTS_FILE ${path}: cannot read JSON (${(error as Error).message})`);
  }
  const parsed = demoDirectoryFileSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new Error(`ACCOUNTS_FILE ${path}: ${first?.path.join('.')}: ${first?.message}`);
  }
  return parsed.data.accounts;
}

/** Recovery codes are compared without dashes, spaces or case. */
export const normaliseRecoveryCode = (code: string) => code.replace(/[\s-]/g, '').toUpperCase();
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
/** Compared against when an account has no such hash, so a check costs the same scrypt work either way. */
const STAND_IN_HASH = `scrypt$${'A'.repeat(22)}$${'A'.repeat(43)}`;
const matchesHash = async (value: string, stored: string | undefined): Promise<boolean> =>
  (await verifyPassword(value, stored ?? STAND_IN_HASH)) && stored !== undefined;
/** RFC 4648 base32: no 0, 1 or 8, which read like O, I and B. */
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** 80 random bits as 16 base32 symbols, XXXX-XXXX-XXXX-XXXX (SECURITY.md 14 asks for at least 64). */
export function newRecoveryCode(): string {
  let bits = 0n;
  for (const byte of randomBytes(10)) bits = (bits << 8n) | BigInt(byte);
  const symbols = Array.from({ length: 16 }, (_, i) => BASE32[Number((bits >> BigInt(75 - 5 * i)) & 31n)]).join('');
  return symbols.match(/.{4}/g)!.join('-');
}
/** How many security events the demo keeps per account. */
export const DEMO_EVENTS_PER_ACCOUNT = 50;
/** A code issued after a recovery, by its hash; no TTL, like the record of used ones (it belongs to the account). */
const issuedRecoveryKey = (accountId: string, hash: string) => `dir:recovery-issued:{${accountId}}:${hash}`;

export class DemoDirectory implements AccountDirectory {
  private readonly byId = new Map<string, DemoAccount>();
  // Look-ups by address and number in one step, not a scan: an ACCOUNTS_FILE may hold thousands of accounts
  // (the benchmarks use 4,000). The first account in file order wins, as a scan would find it.
  private readonly byAddress = new Map<string, DemoAccount>();
  private readonly byPhone = new Map<string, DemoAccount>();
  // The company's security log, as far as a demo has one: the last events per account, in memory (per
  // instance), so the embedded default sends them down the same path a real directory gets.
  private readonly events = new Map<string, SecurityEvent[]>();

  constructor(
    accounts: DemoAccount[],
    private readonly store: KeyValueStore,
    /** The demo's activity is written relative to this clock. */
    private readonly now: () => number = Date.now,
  ) {
    for (const account of accounts) this.byId.set(account.id, account);
    for (const a of this.byId.values()) {
      for (const address of [a.email, a.altEmail]) {
        const key = address?.toLowerCase();
        if (key !== undefined && !this.byAddress.has(key)) this.byAddress.set(key, a);
      }
      if (a.phone !== undefined && !this.byPhone.has(a.phone)) this.byPhone.set(a.phone, a);
    }
  }

  private view(a: DemoAccount): Account {
    return {
      id: a.id,
      name: a.name,
      email: a.email,
      altEmail: a.altEmail,
      phone: a.phone,
      phoneVerified: a.phoneVerified,
      locale: a.locale,
      hasTotp: Boolean(a.totpSecret),
      hasRecoveryCodes: a.recoveryCodeHashes.length > 0,
    };
  }

  async findByEmail(email: string): Promise<Account | null> {
    const a = this.byAddress.get(email.trim().toLowerCase());
    return a ? this.view(a) : null;
  }

  async findByPhone(phone: string): Promise<Account | null> {
    const a = this.byPhone.get(phone);
    return a ? this.view(a) : null;
  }

  async getById(id: string): Promise<Account | null> {
    const a = this.byId.get(id);
    return a ? this.view(a) : null;
  }

  async verifyTotp(accountId: string, code: string, nowMs: number): Promise<boolean> {
    const secret = this.byId.get(accountId)?.totpSecret;
    if (!secret) return false;
    const key = `dir:totp-step:{${accountId}}`;
    const last = await this.store.get(key);
    const result = await checkTotp(secret, code, nowMs, last === null ? null : Number(last));
    if (!result.valid || result.step === null) return false;
    // Claim the step atomically so the same code cannot win in two conversations at once.
    return this.store.setIfAbsent(`dir:totp-used:{${accountId}}:${result.step}`, '1', 5 * 60_000).then(async (won) => {
      if (won) await this.store.set(key, String(result.step));
      return won;
    });
  }

  async consumeRecoveryCode(accountId: string, code: string): Promise<boolean> {
    const account = this.byId.get(accountId);
    if (!account) return false;
    const hash = sha256(normaliseRecoveryCode(code));
    const known = account.recoveryCodeHashes.includes(hash) || (await this.store.get(issuedRecoveryKey(accountId, hash))) !== null;
    if (!known) return false;
    return this.store.setIfAbsent(`dir:recovery-used:{${accountId}}:${hash}`, '1');
  }

  /** Only the new code's hash is kept, beside the file's. */
  async issueRecoveryCode(accountId: string): Promise<string> {
    if (!this.byId.has(accountId)) throw new Error('unknown account');
    const code = newRecoveryCode();
    // One key per code: issuing twice at once cannot lose one, as a shared list could.
    await this.store.set(issuedRecoveryKey(accountId, sha256(normaliseRecoveryCode(code))), '1');
    return code;
  }

  async setPassword(accountId: string, newPassword: string): Promise<void> {
    if (!this.byId.has(accountId)) throw new Error('unknown account');
    await this.store.set(`dir:password:{${accountId}}`, await hashPassword(newPassword));
  }

  async revokeSessions(accountId: string): Promise<number> {
    const key = `dir:sessions:{${accountId}}`;
    const sessions = JSON.parse((await this.store.take(key)) ?? '[]') as string[];
    await Promise.all(sessions.map((s) => this.store.del(sessionKey(s))));
    return sessions.length;
  }

  async signIn(identifier: string, password: string): Promise<{ accountId: string; session: string } | null> {
    const account =
      (await this.findByEmail(identifier)) ?? (await this.findByPhone(identifier.replace(/[\s()-]/g, '')));
    if (!account) return null;
    const stored = (await this.store.get(`dir:password:{${account.id}}`)) ?? this.byId.get(account.id)!.passwordHash;
    if (!(await verifyPassword(password, stored))) return null;
    const session = randomBytes(16).toString('base64url');
    await this.store.set(sessionKey(session), account.id, SESSION_TTL_MS);
    const key = `dir:sessions:{${account.id}}`;
    const sessions = JSON.parse((await this.store.get(key)) ?? '[]') as string[];
    // The list lives as long as its newest session: nothing in it outlives that.
    await this.store.set(key, JSON.stringify([...sessions, session]), SESSION_TTL_MS);
    return { accountId: account.id, session };
  }

  async isSessionValid(session: string): Promise<boolean> {
    return (await this.store.get(sessionKey(session))) !== null;
  }

  async ownerChecksOffered(): Promise<OwnerChecksOffered> {
    return { paymentDetails: true, securityQuestion: true };
  }

  async checkPaymentDetails(accountId: string, details: PaymentDetails): Promise<boolean> {
    return matchesHash(paymentDetailsSecret(details), this.byId.get(accountId)?.paymentDetailsHash);
  }

  async securityQuestionOf(accountId: string): Promise<string | null> {
    return this.byId.get(accountId)?.securityQuestion?.id ?? null;
  }

  async checkSecurityAnswer(accountId: string, answer: string): Promise<boolean> {
    return matchesHash(normaliseSecurityAnswer(answer), this.byId.get(accountId)?.securityQuestion?.answerHash);
  }

  /** The account's made-up activity from the demo file, dated relative to now; null when the file has none. */
  async recentActivity(accountId: string): Promise<DirectoryActivity | null> {
    const activity = this.byId.get(accountId)?.activity;
    if (!activity) return null;
    const ago = (minutes: number) => new Date(this.now() - minutes * 60_000).toISOString();
    return {
      signIns: activity.signIns.map((s) => ({ at: ago(s.minutesAgo), success: s.success, device: s.device, location: s.location })),
      devices: activity.devices.map((d) => ({ name: d.name, lastSeenAt: d.lastSeenMinutesAgo === undefined ? undefined : ago(d.lastSeenMinutesAgo) })),
    };
  }

  /** Keeps the last DEMO_EVENTS_PER_ACCOUNT; an unknown account keeps nothing, as a 404 would. */
  async recordEvent(accountId: string, event: SecurityEvent): Promise<boolean> {
    if (!this.byId.has(accountId)) return true;
    const list = this.events.get(accountId) ?? [];
    // Only the contract's fields, as the HTTP directory would send them: whatever else rode along is not kept.
    list.push(securityEventSchema.parse(event));
    if (list.length > DEMO_EVENTS_PER_ACCOUNT) list.splice(0, list.length - DEMO_EVENTS_PER_ACCOUNT);
    this.events.set(accountId, list);
    return true;
  }

  /** The account's recorded security events, oldest first (tests read them). */
  eventsOf(accountId: string): SecurityEvent[] {
    return [...(this.events.get(accountId) ?? [])];
  }
}
