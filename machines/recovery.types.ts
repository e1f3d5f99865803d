// The vocabulary of the recovery chart: its context, the events it accepts, what its actors take and
// return, and what it says. The chart never sees an identifier, code or token it does not need to keep.

export type Locale = 'es' | 'en';
export type Channel = 'email' | 'sms' | 'alt_email';
export type SecondFactorKind = 'totp' | 'recovery';

/** Topics answered in place; the journey then resumes where it was. */
export const faqTopics = [
  'code_validity',
  'code_not_received',
  'spam_folder',
  'nothing_works',
  'forgot_login_email',
  'account_compromised',
  'device_verification',
  'phishing_report',
  'security_tips',
  'out_of_scope',
  'lost_2fa',
  'thanks',
] as const;
export type FaqTopic = (typeof faqTopics)[number];

/** The catalog of legacy security questions; their wording lives in dialogs/ (ask_security_question_<id>). */
export const securityQuestionIds = ['first_pet', 'birth_city', 'first_school'] as const;
export type SecurityQuestionId = (typeof securityQuestionIds)[number];

/**
 * What a human agent learns about one owner-identification check, and all the chart ever keeps of it: never
 * the answer. 'skipped': asked, and the person skipped it (or went straight to a person); 'not_asked': nobody
 * to check yet, or self-service was locked; 'off': the company turned it off; 'not_offered': the directory
 * has no such check; 'unavailable': the directory did not answer.
 */
export type OwnerCheckResult = 'matched' | 'not_matched' | 'skipped' | 'not_asked' | 'off' | 'not_offered' | 'unavailable';
export interface OwnerIdentification {
  /** Last four digits of the card on file and billing postal code, checked together. */
  paymentDetails: OwnerCheckResult;
  /** The legacy security question (SECURITY.md 17): off by default, never enough on its own. */
  securityQuestion: OwnerCheckResult;
}

export type HandoffReason =
  | 'requested'
  | 'locked_out'
  | 'not_understood'
  | 'lost_2fa'
  | 'code_not_received'
  | 'service_error';

export interface RecoveryContext {
  conversationId: string;
  locale: Locale;
  /**
   * Opaque handle from the directory lookup: the same shape whether or not an account matched, so the
   * chart cannot branch on existence (SECURITY.md A.1).
   */
  subject: string | null;
  identifierKind: 'email' | 'phone' | null;
  channel: Channel | null;
  secondFactors: SecondFactorKind[];
  reprompts: number;
  lastActivityAt: number;
  now: number;
  idleLimitMs: number;
  repromptLimit: number;
  handoffReason: HandoffReason | null;
  codeVerified: boolean;
  secondFactorVerified: boolean;
  /** The person already heard that the pending code's channel is failing; a new code may be told again. */
  deliveryTroubleTold?: boolean;
  /** Owner-identification results for the agent; asked at most once per subject. */
  ownerIdentification: OwnerIdentification;
  ownerAsked: boolean;
  /** The catalog question to ask, when the security question is on and will be asked; never its answer. */
  securityQuestionId: SecurityQuestionId | null;
}

export interface RecoveryInput {
  conversationId: string;
  locale: Locale;
  now: number;
  idleLimitMs: number;
  repromptLimit: number;
}

export type RecoveryEvent =
  // Once per turn, before the user's event: moves the clock so deadlines are checked without timers.
  | { type: 'TICK'; at: number }
  | { type: 'GREET' }
  | { type: 'RECOVER' }
  | { type: 'EMAIL'; value: string }
  | { type: 'PHONE'; value: string }
  | { type: 'CHOOSE_CHANNEL'; channel: Channel }
  | { type: 'DIGITS'; value: string }
  | { type: 'RECOVERY_CODE'; value: string }
  | { type: 'RESEND' }
  | { type: 'SWITCH_CHANNEL' }
  | { type: 'CODE_NOT_RECEIVED' }
  | { type: 'LOST_2FA' }
  | { type: 'USE_RECOVERY_CODE' }
  | { type: 'NEW_LINK' }
  | { type: 'AFFIRM' }
  | { type: 'DENY' }
  | { type: 'PASSWORD_IN_CHAT' }
  // Looked like an email or phone number but was not one (a typo, a number without its country code).
  | { type: 'INVALID_IDENTIFIER' }
  | { type: 'UNRECOGNIZED' }
  | { type: 'CANCEL' }
  | { type: 'START_OVER' }
  | { type: 'HELP' }
  | { type: 'AGENT' }
  | { type: 'SET_LANGUAGE'; locale: Locale }
  // The person simply wrote a long message in the other language: follow them without a word about it.
  | { type: 'ADOPT_LANGUAGE'; locale: Locale }
  | { type: 'FAQ'; topic: FaqTopic }
  // From the reset page, not the user: the password was changed with this conversation's link.
  | { type: 'RESET_COMPLETED' }
  // From the handoff layer: the person's conversation goes back to the bot.
  | { type: 'HANDOFF_ENDED' }
  // From the handoff layer: the agent hub could not take the conversation (Bot Framework handoff.status "failed").
  | { type: 'HANDOFF_FAILED' }
  // From the handoff layer: outside business hours a ticket went to the support inbox instead of a wait.
  | { type: 'HANDOFF_DEFERRED' }
  // From the agent console: an agent sent a fresh code on this channel; the bot waits for it again.
  | { type: 'CODE_SENT_BY_AGENT'; channel: Channel }
  // From the nudge scheduler: a code has been pending a while with no word from the person.
  | { type: 'NUDGE' }
  // From the engine: the provider of the pending code's channel is failing for everyone (never one recipient).
  | { type: 'DELIVERY_TROUBLE' }
  // Owner identification before a handoff: answers parsed without the classifier, never kept.
  | { type: 'CARD_DIGITS'; value: string }
  | { type: 'POSTAL_CODE'; value: string }
  | { type: 'SECURITY_ANSWER'; value: string }
  // Not four digits, or not a postal code: a hint, and the same question again.
  | { type: 'OWNER_ANSWER_INVALID' }
  | { type: 'SKIP' };

export type RecoveryEventType = RecoveryEvent['type'];

// --- Actors: plain service calls injected by the conversation engine -------------------------------

export interface LookupInput {
  conversationId: string;
  kind: 'email' | 'phone';
  value: string;
}
export interface LookupOutput {
  subject: string;
}

export interface SendCodeInput {
  conversationId: string;
  subject: string;
  channel: Channel;
  locale: Locale;
}
export interface SendCodeOutput {
  /** True when self-service is locked for this subject; the same for known and unknown subjects. */
  locked: boolean;
}

export interface VerifyCodeInput {
  conversationId: string;
  subject: string;
  code: string;
}
/** 'wait': a failure on this subject was too recent (growing delays, SECURITY.md 9); the try was not checked. */
export type VerifyCodeOutcome = 'verified' | 'wrong' | 'expired' | 'exhausted' | 'locked' | 'wait';
export interface VerifyCodeOutput {
  outcome: VerifyCodeOutcome;
  /** Only meaningful once verified: the second factors the account has (empty when none). */
  secondFactors: SecondFactorKind[];
  /** Only with 'wait': seconds until the next try is checked. */
  waitSeconds?: number;
}

export interface VerifySecondFactorInput {
  conversationId: string;
  subject: string;
  kind: SecondFactorKind;
  value: string;
}
export interface VerifySecondFactorOutput {
  outcome: 'verified' | 'wrong' | 'locked' | 'wait';
  /** Only with 'wait': seconds until the next try is checked. */
  waitSeconds?: number;
}

export interface IssueLinkInput {
  conversationId: string;
  subject: string;
  locale: Locale;
}
export interface IssueLinkOutput {
  url: string;
  validMinutes: number;
}

export interface PrepareOwnerCheckInput {
  conversationId: string;
  subject: string;
}
/** 'ask': the bot asks; anything else is what the agent will read. The same for known and unknown subjects. */
export interface PrepareOwnerCheckOutput {
  paymentDetails: 'ask' | 'off' | 'not_offered' | 'not_asked' | 'unavailable';
  securityQuestion: 'ask' | 'off' | 'not_offered' | 'not_asked' | 'unavailable';
  /** Set when securityQuestion is 'ask'. */
  questionId: SecurityQuestionId | null;
}

export interface HoldCardDigitsInput {
  conversationId: string;
  cardLast4: string;
}

export interface CheckPaymentDetailsInput {
  conversationId: string;
  subject: string;
  /** Normalised: upper case, no spaces or dashes. */
  postalCode: string;
}
export interface CheckSecurityAnswerInput {
  conversationId: string;
  subject: string;
  questionId: SecurityQuestionId;
  answer: string;
}
export interface OwnerCheckOutput {
  result: 'matched' | 'not_matched' | 'skipped';
}

export interface HandoffInput {
  conversationId: string;
  subject: string | null;
  reason: HandoffReason;
  locale: Locale;
  /** Where the last code went, if one was asked for: the agent sees it and may send a fresh one there. */
  channel: Channel | null;
  codeVerified: boolean;
  secondFactorVerified: boolean;
  ownerIdentification: OwnerIdentification;
}

// --- What the chart says: message keys and choices, turned into words by dialogs/ ------------------

export type Choice =
  | 'recover'
  | 'agent'
  | 'channel_email'
  | 'channel_alt_email'
  | 'channel_sms'
  | 'resend'
  | 'switch_channel'
  | 'code_not_received'
  | 'use_recovery_code'
  | 'lost_2fa'
  | 'new_link'
  | 'start_over'
  | 'cancel'
  | 'skip'
  | 'language_es'
  | 'language_en';

export interface SayEvent {
  type: 'say';
  key: string;
  params?: Record<string, string | number>;
  choices?: Choice[];
}

/** Asks the engine to open a handoff; what happens then belongs to the handoff layer. */
export interface HandoffRequestedEvent {
  type: 'handoff';
  input: HandoffInput;
}

/** Asks the engine to drop what this conversation proved: its pending code, verification and reset link. */
export interface ForgetEvent {
  type: 'forget';
  conversationId: string;
}

export type RecoveryEmitted = SayEvent | HandoffRequestedEvent | ForgetEvent;
