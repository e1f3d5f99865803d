// Owner identification for human agents: when self-service cannot finish, the bot may ask for the last four
// card digits with the billing postal code and (only with SECURITY_QUESTION=on) a legacy security question,
// check them against hashes in the directory, and tell the agent only "matched" or "not matched". Implements
// the chart's owner-check actors. Nothing here ever leads to a reset link (SECURITY.md 17).
//
// Existence never leaks (SECURITY.md 1-2): an unknown subject gets the same plan, the same catalog question
// (derived from an HMAC of the subject when there is no account or no question) and the same directory calls,
// account lookup included, made for a stand-in account id that no directory holds, so they cost the same and
// never match.
import {
  securityQuestionIds,
  type CheckPaymentDetailsInput,
  type CheckSecurityAnswerInput,
  type HoldCardDigitsInput,
  type OwnerCheckOutput,
  type PrepareOwnerCheckInput,
  type PrepareOwnerCheckOutput,
  type SecurityQuestionId,
} from '../../machines/recovery.types.js';
import type { KeyValueStore } from '../stores/kv-store.js';
import { normaliseSecurityAnswer, type Account, type AccountDirectory, type OwnerChecksOffered } from './account-directory.js';
import type { AuditLog } from './audit-log.js';
import type { Secrets } from './secrets.js';
import type { VerificationService } from './verification-service.js';

export interface OwnerCheckOptions {
  /** OWNER_CHECK: card digits and billing postal code (default on). */
  paymentDetails: boolean;
  /** SECURITY_QUESTION: the legacy question (default off, SECURITY.md 17). */
  securityQuestion: boolean;
}

export interface OwnerCheckDeps {
  store: KeyValueStore;
  directory: AccountDirectory;
  verification: VerificationService;
  secrets: Secrets;
  audit: AuditLog;
  options: OwnerCheckOptions;
  /** How long sealed card digits wait for their postal code. */
  holdMs?: number;
  /** Told when a wrong answer could not be counted (the store failed after the reply went). */
  onCountFailed?: (error: Error) => void;
}

const DEFAULT_HOLD_MS = 15 * 60_000;

export const ownerCheckKeys = {
  /** The card digits, sealed under the server key, until the postal code arrives (or the hold expires). */
  cardHold: (conversationId: string) => `owner-card:{${conversationId}}`,
};

const isCatalogQuestion = (id: string | null): id is SecurityQuestionId =>
  id !== null && (securityQuestionIds as readonly string[]).includes(id);

export class OwnerCheckService {
  constructor(private readonly deps: OwnerCheckDeps) {}

  /** An id no directory holds, fixed per subject: what an unknown subject's checks are made for. */
  private standInId(subject: string): string {
    return `stand-in-${this.deps.secrets.hash('owner-stand-in', subject).slice(0, 32)}`;
  }

  /**
   * The subject's account and the id its checks go to. A known subject costs the directory one account read;
   * an unknown one reads the stand-in id instead (404), so an observer of the directory's traffic sees the
   * same requests either way. Errors propagate on both paths alike (the chart's onError).
   */
  private async subjectAccount(subject: string): Promise<{ account: Account | null; id: string }> {
    const account = await this.deps.verification.accountFor(subject);
    if (account) return { account, id: account.id };
    const id = this.standInId(subject);
    await this.deps.directory.getById(id);
    return { account: null, id };
  }

  /** The catalog question for a subject without one of its own: fixed per subject, so asking again asks the same. */
  questionFor(subject: string): SecurityQuestionId {
    const n = Number.parseInt(this.deps.secrets.hash('security-question', subject).slice(0, 8), 16);
    return securityQuestionIds[n % securityQuestionIds.length]!;
  }

  private async offered(): Promise<OwnerChecksOffered | 'unavailable'> {
    const { directory } = this.deps;
    if (!directory.ownerChecksOffered) return { paymentDetails: false, securityQuestion: false };
    try {
      const offered = await directory.ownerChecksOffered();
      return {
        paymentDetails: offered.paymentDetails && Boolean(directory.checkPaymentDetails),
        securityQuestion: offered.securityQuestion && Boolean(directory.checkSecurityAnswer),
      };
    } catch {
      return 'unavailable';
    }
  }

  async prepare(input: PrepareOwnerCheckInput): Promise<PrepareOwnerCheckOutput> {
    const { options, verification, directory } = this.deps;
    const none: PrepareOwnerCheckOutput = { paymentDetails: 'off', securityQuestion: 'off', questionId: null };
    if (!options.paymentDetails && !options.securityQuestion) return none;
    // Locked subjects are not asked: nothing would be checked, as no code is during a lockout (SECURITY.md 8).
    if (await verification.isLocked(input.subject)) {
      return { paymentDetails: 'not_asked', securityQuestion: 'not_asked', questionId: null };
    }
    const offered = await this.offered();
    const state = (on: boolean, isOffered: (o: OwnerChecksOffered) => boolean) =>
      !on ? ('off' as const) : offered === 'unavailable' ? ('unavailable' as const) : isOffered(offered) ? ('ask' as const) : ('not_offered' as const);
    const paymentDetails = state(options.paymentDetails, (o) => o.paymentDetails);
    const securityQuestion = state(options.securityQuestion, (o) => o.securityQuestion);
    let questionId: SecurityQuestionId | null = null;
    if (securityQuestion === 'ask') {
      const { id } = await this.subjectAccount(input.subject);
      let own: string | null = null;
      try {
        own = directory.securityQuestionOf ? await directory.securityQuestionOf(id) : null;
      } catch {
        own = null;
      }
      questionId = isCatalogQuestion(own) ? own : this.questionFor(input.subject);
    }
    return { paymentDetails, securityQuestion, questionId };
  }

  /** Seals the card digits for the next turn; the chart never keeps them, and neither does the store in clear. */
  async holdCardDigits(input: HoldCardDigitsInput): Promise<void> {
    const { store, secrets } = this.deps;
    const sealed = secrets.seal(`owner-card|${input.conversationId}`, input.cardLast4);
    await store.set(ownerCheckKeys.cardHold(input.conversationId), sealed, this.deps.holdMs ?? DEFAULT_HOLD_MS);
  }

  async checkPaymentDetails(input: CheckPaymentDetailsInput): Promise<OwnerCheckOutput> {
    const { store, secrets, directory } = this.deps;
    const sealed = await store.take(ownerCheckKeys.cardHold(input.conversationId));
    const cardLast4 = sealed ? secrets.open(`owner-card|${input.conversationId}`, sealed) : null;
    // The digits expired before the postal code came: nothing to check, nothing counted.
    if (cardLast4 === null || !directory.checkPaymentDetails) return { result: 'skipped' };
    const { account, id } = await this.subjectAccount(input.subject);
    const matched = (await directory.checkPaymentDetails(id, { cardLast4, postalCode: input.postalCode })) && account !== null;
    return this.settle(input.subject, input.conversationId, account?.id ?? null, 'owner_check', matched);
  }

  async checkSecurityAnswer(input: CheckSecurityAnswerInput): Promise<OwnerCheckOutput> {
    const { directory } = this.deps;
    if (!directory.checkSecurityAnswer) return { result: 'skipped' };
    const answer = normaliseSecurityAnswer(input.answer);
    if (!answer) return { result: 'skipped' };
    const { account, id } = await this.subjectAccount(input.subject);
    // Asked a question that is not the account's own (it has none): the answer cannot be right, at the same cost.
    const own = directory.securityQuestionOf ? await directory.securityQuestionOf(id) : null;
    const checked = await directory.checkSecurityAnswer(id, answer);
    const matched = checked && account !== null && own === input.questionId;
    return this.settle(input.subject, input.conversationId, account?.id ?? null, 'security_answer', matched);
  }

  /** Drops card digits still waiting for their postal code (cancel, start over). */
  async forget(conversationId: string): Promise<void> {
    await this.deps.store.del(ownerCheckKeys.cardHold(conversationId));
  }

  private async settle(
    subject: string,
    conversationId: string,
    accountId: string | null,
    check: 'owner_check' | 'security_answer',
    matched: boolean,
  ): Promise<OwnerCheckOutput> {
    if (matched) {
      this.deps.audit.record({ event: check, conversationId, accountId, outcome: 'matched' });
      return { result: 'matched' };
    }
    // Counted (and audited as "wrong", with any lockout) after the reply: the person hears the same words
    // either way, and a wrong answer must not take longer than a right one, or latency would tell.
    const counting = this.deps.verification.countWrongOwnerAnswer(subject, conversationId, check).then(
      () => undefined,
      (error: Error) => this.deps.onCountFailed?.(error),
    );
    this.counting.add(counting);
    void counting.finally(() => this.counting.delete(counting));
    return { result: 'not_matched' };
  }

  private readonly counting = new Set<Promise<void>>();

  /** Resolves once every wrong answer seen so far is counted (graceful shutdown, tests). */
  async settled(): Promise<void> {
    while (this.counting.size) await Promise.all([...this.counting]);
  }
}
