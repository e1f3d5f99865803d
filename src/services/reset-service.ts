// Single-use reset links (SECURITY.md 18 and 20): a 128-bit token, stored only as an HMAC, valid for the
// configured minutes, bound to the account and the conversation, built on the configured public base URL.
import type { Clock } from '../clock.js';
import type { IssueLinkInput, IssueLinkOutput, Locale } from '../../machines/recovery.types.js';
import type { KeyValueStore } from '../stores/kv-store.js';
import type { AccountDirectory } from './account-directory.js';
import type { AuditLog } from './audit-log.js';
import type { NotificationComposer } from './notification-composer.js';
import type { DeliveryQueue } from './notifier.js';
import { randomToken, type Secrets } from './secrets.js';
import { keys, type VerificationService } from './verification-service.js';

export interface ResetGrant {
  accountId: string;
  conversationId: string;
  locale: Locale;
  expiresAt: number;
  /** The conversation's second factor was a recovery code, so the reset replaces it with a fresh one. */
  reissueRecoveryCode?: boolean;
}

export type ResetOutcome =
  /**
   * `recoveryCode`: the fresh code that replaces a used one, for the reset page to show once (never stored,
   * logged or sent); null when one was due but the directory could not issue it.
   */
  | { ok: true; grant: ResetGrant; recoveryCode?: string | null }
  | { ok: false; reason: 'invalid_link' | 'weak_password'; feedback?: string[] };

export interface PasswordCheck {
  ok: boolean;
  /** Message keys or short reasons for the page to show. */
  feedback: string[];
}

export interface PasswordPolicy {
  check(password: string, context: { locale: Locale; userInputs: string[] }): PasswordCheck;
}

export interface ResetServiceDeps {
  store: KeyValueStore;
  secrets: Secrets;
  clock: Clock;
  directory: AccountDirectory;
  verification: VerificationService;
  audit: AuditLog;
  delivery: DeliveryQueue;
  compose: NotificationComposer;
  publicBaseUrl: string;
  linkTtlMs: number;
  /** Tells the conversation that the reset happened (a proactive message through the chart). */
  onReset: (grant: ResetGrant) => Promise<void>;
}

const tokenKey = (hash: string) => `reset:{${hash}}`;
const conversationLinkKey = (conversationId: string) => `reset-link:{${conversationId}}`;

export class ResetService {
  constructor(private readonly deps: ResetServiceDeps) {}

  /** The chart's issueResetLink actor: refuses unless this conversation proved every factor it needs. */
  async issueLink(input: IssueLinkInput): Promise<IssueLinkOutput> {
    const { store, secrets, clock, linkTtlMs } = this.deps;
    // Both reads go out together (one round trip to Redis); the previous link is only used once this one is allowed.
    const [verification, previous] = await Promise.all([
      this.deps.verification.verificationOf(input.conversationId),
      store.get(conversationLinkKey(input.conversationId)),
    ]);
    if (!verification || verification.subject !== input.subject) throw new Error('conversation is not verified');
    if (verification.secondFactorRequired && verification.secondFactorVerifiedAt === null) {
      throw new Error('second factor not verified');
    }
    const token = randomToken(16);
    const hash = secrets.hash('reset', token);
    const grant: ResetGrant = {
      accountId: verification.accountId,
      conversationId: input.conversationId,
      locale: input.locale,
      expiresAt: clock.now() + linkTtlMs,
      ...(verification.recoveryCodeUsed ? { reissueRecoveryCode: true } : {}),
    };
    // A new link kills the previous one for this conversation. Sent together (one round trip to Redis); a
    // connection applies them in this order.
    await Promise.all([
      previous ? store.del(tokenKey(previous)) : Promise.resolve(),
      store.set(tokenKey(hash), JSON.stringify(grant), linkTtlMs),
      store.set(conversationLinkKey(input.conversationId), hash, linkTtlMs),
    ]);
    // The link is given in the chat; the password is set on the reset page. Those are these events' channels.
    this.deps.audit.record({ event: 'reset_link_issued', conversationId: input.conversationId, accountId: grant.accountId, channel: 'chat', outcome: 'ok' });
    return { url: `${this.deps.publicBaseUrl}/reset/${token}`, validMinutes: Math.round(linkTtlMs / 60_000) };
  }

  /** Kills the conversation's link, if any (cancel, start over): a link must not outlive its journey. */
  async revoke(conversationId: string): Promise<void> {
    const hash = await this.deps.store.take(conversationLinkKey(conversationId));
    if (hash) await this.deps.store.del(tokenKey(hash));
  }

  /** Reads a link without using it up (to show the form). */
  async peek(token: string): Promise<ResetGrant | null> {
    if (!/^[\w-]{16,64}$/.test(token)) return null;
    const raw = await this.deps.store.get(tokenKey(this.deps.secrets.hash('reset', token)));
    if (!raw) return null;
    const grant = JSON.parse(raw) as ResetGrant;
    return grant.expiresAt >= this.deps.clock.now() ? grant : null;
  }

  /** Sets the new password if the link is still good and the password passes the policy. */
  async complete(token: string, newPassword: string, policy: PasswordPolicy): Promise<ResetOutcome> {
    const grant = await this.peek(token);
    if (!grant) return { ok: false, reason: 'invalid_link' };
    const account = await this.deps.directory.getById(grant.accountId);
    if (!account) return { ok: false, reason: 'invalid_link' };
    const userInputs = [account.name, account.email, account.altEmail].filter((v): v is string => Boolean(v));
    const check = policy.check(newPassword, { locale: grant.locale, userInputs });
    if (!check.ok) return { ok: false, reason: 'weak_password', feedback: check.feedback };
    // Use the link up before changing anything, so two submissions cannot both succeed.
    const taken = await this.deps.store.take(tokenKey(this.deps.secrets.hash('reset', token)));
    if (!taken) return { ok: false, reason: 'invalid_link' };
    await this.deps.directory.setPassword(account.id, newPassword);
    await this.deps.directory.revokeSessions(account.id);
    await this.deps.store.del(keys.verification(grant.conversationId));
    for (const message of this.deps.compose.resetNotices(account)) this.deps.delivery.enqueue(message);
    this.deps.audit.record({ event: 'reset_completed', conversationId: grant.conversationId, accountId: account.id, channel: 'reset_page', outcome: 'ok' });
    const recoveryCode = grant.reissueRecoveryCode ? await this.reissueRecoveryCode(grant) : undefined;
    await this.deps.onReset(grant).catch(() => undefined);
    return recoveryCode === undefined ? { ok: true, grant } : { ok: true, grant, recoveryCode };
  }

  /**
   * The recovery used up one of the account's recovery codes; a fresh one replaces it, for the reset page to
   * show once (SECURITY.md 14). The audit trail gets the event, never the code. The password is already
   * changed by now, so a directory that cannot issue one does not undo the reset: the page says to make new
   * codes after signing in.
   */
  private async reissueRecoveryCode(grant: ResetGrant): Promise<string | null> {
    const entry = { event: 'recovery_code_reissued', conversationId: grant.conversationId, accountId: grant.accountId, channel: 'reset_page' } as const;
    try {
      const code = await this.deps.directory.issueRecoveryCode(grant.accountId);
      this.deps.audit.record({ ...entry, outcome: 'ok' });
      return code;
    } catch {
      this.deps.audit.record({ ...entry, outcome: 'failed' });
      return null;
    }
  }
}
