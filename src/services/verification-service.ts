// Everything between "who are you" and "here is your reset link": subjects, one-time codes, send limits,
// failure counting, growing delays and lockout, and the second factor. Implements the chart's actors.
//
// A subject is an HMAC: of the account id when the identifier matched, of the identifier when it did not.
// Both look alike, both get codes issued (a missing account gets one that can never match), and both are
// counted and locked the same way, so nothing a caller sees depends on whether the account exists.
import type { Policy } from '../config.js';
import type { Clock } from '../clock.js';
import type {
  Channel,
  LookupInput,
  LookupOutput,
  SecondFactorKind,
  SendCodeInput,
  SendCodeOutput,
  VerifyCodeInput,
  VerifyCodeOutput,
  VerifySecondFactorInput,
  VerifySecondFactorOutput,
} from '../../machines/recovery.types.js';
import type { KeyValueStore } from '../stores/kv-store.js';
import type { Account, AccountDirectory } from './account-directory.js';
import type { AuditLog } from './audit-log.js';
import type { NotificationComposer } from './notification-composer.js';
import type { DeliveryQueue } from './notifier.js';
import { randomDigits, randomToken, type Secrets } from './secrets.js';

interface CodeRecord {
  subject: string;
  channel: Channel;
  /** Null when there is no account or no such channel: a code that can never match. */
  hash: string | null;
  expiresAt: number;
}

/** What a conversation has proven so far; the reset link is only minted from this record. */
export interface VerificationRecord {
  subject: string;
  accountId: string;
  codeVerifiedAt: number;
  secondFactorRequired: boolean;
  secondFactorVerifiedAt: number | null;
  /** The second factor was a recovery code: the reset then issues a fresh one (SECURITY.md 14). */
  recoveryCodeUsed?: boolean;
}

const DAY = 24 * 3600_000;
const QUARTER_HOUR = 15 * 60_000;
/** What a code that can never match is compared against, so a wrong code costs the same with or without an account. */
const NO_CODE_HASH = '0'.repeat(64);
/** How long a verified conversation may still ask for a reset link. */
export const VERIFICATION_TTL_MS = 30 * 60_000;

// Keys carry the conversation or subject in braces (a Redis Cluster hash tag) so related keys share a slot.
export const keys = {
  subject: (subject: string) => `subject:{${subject}}`,
  code: (conversationId: string) => `code:{${conversationId}}`,
  codeTries: (conversationId: string) => `code-tries:{${conversationId}}`,
  verification: (conversationId: string) => `verified:{${conversationId}}`,
  failures: (subject: string) => `failures:{${subject}}`,
  lock: (subject: string) => `lock:{${subject}}`,
  lockNotice: (subject: string) => `lock-notice:{${subject}}`,
  attemptWait: (subject: string) => `attempt-wait:{${subject}}`,
  /** A sorted set of send times (a sliding-window log) per account and per destination. */
  sends: (who: string) => `sends:{${who}}`,
  cooldown: (subject: string, channel: Channel) => `send-cooldown:{${subject}}:${channel}`,
};

export interface VerificationDeps {
  store: KeyValueStore;
  directory: AccountDirectory;
  secrets: Secrets;
  policy: Policy;
  clock: Clock;
  audit: AuditLog;
  delivery: DeliveryQueue;
  compose: NotificationComposer;
}

/**
 * The wait after the n-th failure on a subject (SECURITY.md 9): the n-th configured delay, the last one
 * repeating. 0 before any failure or when no delays are configured.
 */
export function delayAfterFailures(delaysMs: readonly number[], failures: number): number {
  if (failures < 1 || delaysMs.length === 0) return 0;
  return delaysMs[Math.min(failures, delaysMs.length) - 1] ?? 0;
}

export function destinationFor(account: Account | null, channel: Channel): { to: string; via: 'email' | 'sms' } | null {
  if (!account) return null;
  if (channel === 'email' && account.email) return { to: account.email, via: 'email' };
  if (channel === 'alt_email' && account.altEmail) return { to: account.altEmail, via: 'email' };
  // SMS only to a number the account has verified (SECURITY.md 16).
  if (channel === 'sms' && account.phone && account.phoneVerified) return { to: account.phone, via: 'sms' };
  return null;
}

export class VerificationService {
  constructor(private readonly deps: VerificationDeps) {}

  private get now() {
    return this.deps.clock.now();
  }

  async lookup(input: LookupInput): Promise<LookupOutput> {
    const { directory, secrets, store } = this.deps;
    const value = input.kind === 'email' ? input.value.trim().toLowerCase() : input.value;
    const found = input.kind === 'email' ? await directory.findByEmail(value) : await directory.findByPhone(value);
    // A number the account never verified proves nothing about who is asking: it identifies nobody (SECURITY.md 16).
    const account = input.kind === 'phone' && found && !found.phoneVerified ? null : found;
    const subject = account ? secrets.hash('account', account.id) : secrets.hash('identifier', value);
    // The mapping is only written for real accounts, and only services ever read it.
    if (account) await store.set(keys.subject(subject), account.id, DAY);
    this.deps.audit.record({ event: 'identify', conversationId: input.conversationId, accountId: account?.id ?? null, channel: input.kind, outcome: 'looked_up' });
    return { subject };
  }

  async accountFor(subject: string): Promise<Account | null> {
    const id = await this.deps.store.get(keys.subject(subject));
    return id ? this.deps.directory.getById(id) : null;
  }

  async isLocked(subject: string): Promise<boolean> {
    return (await this.deps.store.get(keys.lock(subject))) !== null;
  }

  /** Whole seconds until a try on this subject is checked again; 0 when it may try now. */
  async secondsToWait(subject: string): Promise<number> {
    const until = Number(await this.deps.store.get(keys.attemptWait(subject)));
    return until > this.now ? Math.ceil((until - this.now) / 1000) : 0;
  }

  async sendCode(input: SendCodeInput): Promise<SendCodeOutput> {
    const { store, secrets, policy } = this.deps;
    // Reads that do not depend on each other go out together: one round trip to Redis, not three.
    const [locked, account, existing] = await Promise.all([
      this.isLocked(input.subject),
      this.accountFor(input.subject),
      store.get(keys.code(input.conversationId)),
    ]);
    if (locked) return { locked: true };
    const destination = destinationFor(account, input.channel);
    const code = randomDigits(policy.codeDigits);

    const allowed = await this.takeSendAllowance(input.subject, input.channel, destination?.to ?? null);
    // A send held back by a limit keeps the code already out there working, so the owner is not stranded.
    if (!allowed && existing) {
      this.deps.audit.record({ event: 'code_send_held', conversationId: input.conversationId, accountId: account?.id ?? null, channel: input.channel, outcome: 'limited' });
      return { locked: false };
    }
    // The hash and the message are made whether or not there is somewhere to send (and only kept or sent when
    // there is), so the reply takes the same work, and the same time, for an account and for nobody (SECURITY.md 1).
    const hash = secrets.hash('code', `${input.conversationId}|${input.subject}|${code}`);
    const message = this.deps.compose.code(
      destination ?? { to: '', via: input.channel === 'sms' ? 'sms' : 'email' },
      input.locale,
      code,
      Math.round(policy.codeTtlMs / 60_000),
    );
    const record: CodeRecord = {
      subject: input.subject,
      channel: input.channel,
      hash: destination && allowed ? hash : null,
      expiresAt: this.now + policy.codeTtlMs,
    };
    // Overwriting the record is what kills the previous code on a resend. It outlives the code so a late
    // right answer hears "expired" (and is not counted as a failure) rather than "wrong".
    await Promise.all([
      store.set(keys.code(input.conversationId), JSON.stringify(record), policy.codeTtlMs * 2),
      store.del(keys.codeTries(input.conversationId)),
    ]);

    if (account && destination && allowed) this.deps.delivery.enqueue(message);
    this.deps.audit.record({
      event: allowed ? 'code_sent' : 'code_send_held',
      conversationId: input.conversationId,
      accountId: account?.id ?? null,
      channel: input.channel,
      outcome: account && destination && allowed ? 'queued' : allowed ? 'no_destination' : 'limited',
    });
    return { locked: false };
  }

  /**
   * Takes a send from every limit, or from none (SECURITY.md 10): the account's and the destination's windows
   * of 15 minutes and a day slide (a log of send times, not counters that reset), and a send any of them holds
   * back is taken out of the others again, so held-back requests never use up the owner's allowance.
   */
  private async takeSendAllowance(subject: string, channel: Channel, destination: string | null): Promise<boolean> {
    const { store, policy, secrets } = this.deps;
    // No destination is counted under a stand-in of its own: the same counters, the same work (SECURITY.md 1).
    const who = [subject, secrets.hash('destination', destination ?? `none|${subject}|${channel}`)];
    // The cooldown's value is this request's own, so only this request can hand the cooldown back.
    const member = `${this.now}:${randomToken(8)}`;
    const cooldownKey = keys.cooldown(subject, channel);
    if (policy.resendCooldownMs > 0 && !(await store.setIfAbsent(cooldownKey, member, policy.resendCooldownMs))) {
      return false;
    }
    const limits = [
      { windowMs: QUARTER_HOUR, max: policy.sendsPer15Minutes },
      { windowMs: DAY, max: policy.sendsPerDay },
    ];
    // Each key is one atomic step on its own (keys of different subjects live in different Cluster slots);
    // sent together, they take one round trip. A send one of them refuses is taken back from the others.
    const taken = await Promise.all(who.map((w) => store.addWithinLimits(keys.sends(w), member, this.now, limits)));
    if (taken.every(Boolean)) return true;
    await Promise.all([
      ...who.filter((_, i) => taken[i]).map((w) => store.zrem(keys.sends(w), member)),
      // No send went out, so the next request need not wait for one.
      policy.resendCooldownMs > 0 ? store.deleteIfEquals(cooldownKey, member) : Promise.resolve(false),
    ]);
    return false;
  }

  async verifyCode(input: VerifyCodeInput): Promise<VerifyCodeOutput> {
    const { store, secrets, policy } = this.deps;
    const none: SecondFactorKind[] = [];
    // The reads behind the checks go out together (one round trip), the account's id with them, as every outcome
    // past the checks needs it; the checks still apply in this order.
    const [lockedOut, wait, raw, accountId] = await Promise.all([
      this.isLocked(input.subject),
      this.secondsToWait(input.subject),
      store.get(keys.code(input.conversationId)),
      store.get(keys.subject(input.subject)),
    ]);
    if (lockedOut) return { outcome: 'locked', secondFactors: none };
    // Too soon after a failure: not checked, not counted, and the code keeps its tries.
    if (wait > 0) return { outcome: 'wait', secondFactors: none, waitSeconds: wait };
    const record = raw ? (JSON.parse(raw) as CodeRecord) : null;
    if (raw && record && record.subject === input.subject) {
      if (this.now > record.expiresAt) return { outcome: 'expired', secondFactors: none };
      // Checked against a stand-in when there is nothing to match (no account or channel): the same work either way.
      const matches =
        secrets.matches('code', `${input.conversationId}|${input.subject}|${input.code}`, record.hash ?? NO_CODE_HASH) &&
        record.hash !== null;
      const tries = { key: keys.codeTries(input.conversationId), ttlMs: policy.codeTtlMs * 2, max: policy.codeMaxTries };
      let count: number;
      if (matches) {
        // The try is counted, the code used up and what it proved written in one atomic step: a code works once
        // even when two turns race with it (SECURITY.md 5), and only the turn that used it holds the proof.
        const account = accountId ? await this.deps.directory.getById(accountId) : null;
        const proof = account ? this.codeProof(input, account) : null;
        const redeemed = await store.redeem(keys.code(input.conversationId), raw, tries, proof && proof.write);
        count = redeemed.tries;
        if (count > policy.codeMaxTries) return { outcome: 'exhausted', secondFactors: none };
        if (redeemed.redeemed) {
          if (!proof) return { outcome: 'wrong', secondFactors: none };
          this.deps.audit.record({ event: 'code_verified', conversationId: input.conversationId, accountId: proof.accountId, channel: record.channel, outcome: 'ok' });
          return { outcome: 'verified', secondFactors: proof.secondFactors };
        }
      } else {
        count = await store.incr(tries.key, tries.ttlMs);
        if (count > policy.codeMaxTries) {
          await store.del(keys.code(input.conversationId));
          return { outcome: 'exhausted', secondFactors: none };
        }
      }
      const locked = await this.countFailure(input.subject, input.conversationId, 'code_failed', record.channel, accountId);
      if (locked) return { outcome: 'locked', secondFactors: none };
      // The last allowed try was wrong: say so now, not on the next attempt.
      if (count >= policy.codeMaxTries) {
        await store.del(keys.code(input.conversationId));
        return { outcome: 'exhausted', secondFactors: none };
      }
      return { outcome: 'wrong', secondFactors: none };
    }
    // No code of this conversation's to check against (none asked for, or it was used up): no channel either.
    const locked = await this.countFailure(input.subject, input.conversationId, 'code_failed', 'none', accountId);
    return { outcome: locked ? 'locked' : 'wrong', secondFactors: none };
  }

  /** The verification record a right code earns, and what it tells the chart; written only with the code used up. */
  private codeProof(input: VerifyCodeInput, account: Account) {
    const secondFactors: SecondFactorKind[] = [
      ...(account.hasTotp ? (['totp'] as const) : []),
      ...(account.hasRecoveryCodes ? (['recovery'] as const) : []),
    ];
    const record: VerificationRecord = {
      subject: input.subject,
      accountId: account.id,
      codeVerifiedAt: this.now,
      secondFactorRequired: secondFactors.length > 0,
      secondFactorVerifiedAt: null,
    };
    const write = { key: keys.verification(input.conversationId), value: JSON.stringify(record), ttlMs: VERIFICATION_TTL_MS };
    return { accountId: account.id, secondFactors, write };
  }

  async verifySecondFactor(input: VerifySecondFactorInput): Promise<VerifySecondFactorOutput> {
    const { store, directory } = this.deps;
    // One round trip for the three reads; the checks still apply in this order.
    const [lockedOut, wait, verification] = await Promise.all([
      this.isLocked(input.subject),
      this.secondsToWait(input.subject),
      this.verificationOf(input.conversationId),
    ]);
    if (lockedOut) return { outcome: 'locked' };
    if (wait > 0) return { outcome: 'wait', waitSeconds: wait };
    let ok = false;
    if (verification && verification.subject === input.subject) {
      ok =
        input.kind === 'totp'
          ? await directory.verifyTotp(verification.accountId, input.value, this.now)
          : await directory.consumeRecoveryCode(verification.accountId, input.value);
    }
    if (ok && verification) {
      verification.secondFactorVerifiedAt = this.now;
      if (input.kind === 'recovery') verification.recoveryCodeUsed = true;
      await store.set(keys.verification(input.conversationId), JSON.stringify(verification), VERIFICATION_TTL_MS);
      this.deps.audit.record({ event: 'second_factor_verified', conversationId: input.conversationId, accountId: verification.accountId, channel: input.kind, outcome: 'ok' });
      return { outcome: 'verified' };
    }
    const locked = await this.countFailure(input.subject, input.conversationId, 'second_factor_failed', input.kind);
    return { outcome: locked ? 'locked' : 'wrong' };
  }

  /** Drops the conversation's pending code and what it proved (cancel, start over). Counters stay. */
  async forget(conversationId: string): Promise<void> {
    const { store } = this.deps;
    await Promise.all([keys.code, keys.codeTries, keys.verification].map((key) => store.del(key(conversationId))));
  }

  async verificationOf(conversationId: string): Promise<VerificationRecord | null> {
    const raw = await this.deps.store.get(keys.verification(conversationId));
    return raw ? (JSON.parse(raw) as VerificationRecord) : null;
  }

  /**
   * A wrong owner-identification answer (card and postal code, or security answer) counts toward the same
   * failure limit and lockout as a wrong code (SECURITY.md 8, 17); true when the subject is now locked.
   */
  countWrongOwnerAnswer(subject: string, conversationId: string, check: 'owner_check' | 'security_answer'): Promise<boolean> {
    // Typed in the chat, whatever the channel a code went to.
    return this.countFailure(subject, conversationId, check, 'chat');
  }

  /** One failure on the subject, whatever the conversation or channel; true when it is now locked. */
  private async countFailure(
    subject: string,
    conversationId: string,
    event: 'code_failed' | 'second_factor_failed' | 'owner_check' | 'security_answer',
    /** How the failed proof came: email, sms, alt_email, totp, recovery, or none when there was nothing to check. */
    channel: string,
    /** The subject's account id when the caller has read it already (null: none); undefined reads it here. */
    accountId?: string | null,
  ): Promise<boolean> {
    const { store, policy, directory } = this.deps;
    // Independent, so they go out together: one round trip.
    const [failures, account] = await Promise.all([
      store.incr(keys.failures(subject), policy.failureWindowMs),
      accountId === undefined ? this.accountFor(subject) : accountId ? directory.getById(accountId) : Promise.resolve(null),
    ]);
    this.deps.audit.record({ event, conversationId, accountId: account?.id ?? null, channel, outcome: 'wrong' });
    if (failures < policy.accountFailuresPerWindow) {
      // Each failure makes the next try wait a little longer, whichever conversation it comes from.
      const delay = delayAfterFailures(policy.attemptDelaysMs, failures);
      if (delay > 0) await store.set(keys.attemptWait(subject), String(this.now + delay), delay);
      return false;
    }
    // Sent together, run in this order: the lock is on before the notice is claimed.
    const [, firstNotice] = await Promise.all([
      store.set(keys.lock(subject), '1', policy.lockoutMs),
      store.setIfAbsent(keys.lockNotice(subject), '1', policy.lockoutMs),
    ]);
    // The owner hears about it once per lockout, not once per failed try.
    if (firstNotice) {
      this.deps.audit.record({ event: 'locked', conversationId, accountId: account?.id ?? null, channel, outcome: 'locked' });
      if (account) for (const message of this.deps.compose.lockoutNotices(account)) this.deps.delivery.enqueue(message);
    }
    return true;
  }
}
