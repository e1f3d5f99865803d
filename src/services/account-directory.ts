// What Clave needs from a company's identity system. The demo JSON directory implements it here;
// an HTTP adapter against a documented REST contract implements the same interface.
import type { SecurityEvent } from './http-directory.js';
export interface Account {
  id: string;
  name: string;
  email?: string | undefined;
  altEmail?: string | undefined;
  phone?: string | undefined;
  phoneVerified: boolean;
  locale?: 'es' | 'en' | undefined;
  hasTotp: boolean;
  hasRecoveryCodes: boolean;
}

export interface AccountDirectory {
  /** Matches the primary or the alternate email, case-insensitively. */
  findByEmail(email: string): Promise<Account | null>;
  /** Takes an E.164 number. */
  findByPhone(phone: string): Promise<Account | null>;
  getById(id: string): Promise<Account | null>;
  /** Checks an authenticator code, refusing a time step already used for this account. */
  verifyTotp(accountId: string, code: string, nowMs: number): Promise<boolean>;
  /** Burns a recovery code; true only the first time a valid code is used. */
  consumeRecoveryCode(accountId: string, code: string): Promise<boolean>;
  /**
   * Issues one fresh recovery code (at least 64 random bits, kept only hashed) and returns it in clear, this
   * once, to replace the one a recovery used; the used one stays burned (SECURITY.md 14).
   */
  issueRecoveryCode(accountId: string): Promise<string>;
  setPassword(accountId: string, newPassword: string): Promise<void>;
  /** Ends every signed-in session of the account; returns how many there were. */
  revokeSessions(accountId: string): Promise<number>;
  /** Normal sign-in (the demo's, and the proof that a recovery lockout never blocks it). */
  signIn(identifier: string, password: string): Promise<{ accountId: string; session: string } | null>;
  isSessionValid(session: string): Promise<boolean>;
  /**
   * Optional: recent sign-ins and devices, shown only to a human agent during a handoff. Null when the
   * directory has none for the account. The HTTP directory asks the contract's optional activity endpoint.
   */
  recentActivity?(accountId: string): Promise<DirectoryActivity | null>;
  /**
   * Optional owner identification for human agents (src/services/owner-check.ts). Which checks the directory
   * offers, the same for every account; a directory without them is never asked the others.
   */
  ownerChecksOffered?(): Promise<OwnerChecksOffered>;
  /** Last four card digits and billing postal code (normalised), against hashes; false for an unknown account. */
  checkPaymentDetails?(accountId: string, details: PaymentDetails): Promise<boolean>;
  /** The account's question from the catalog (machines/recovery.types.ts); null when none or unknown account. */
  securityQuestionOf?(accountId: string): Promise<string | null>;
  /** A normalised answer (normaliseSecurityAnswer) against the account's hash; false for an unknown account. */
  checkSecurityAnswer?(accountId: string, answer: string): Promise<boolean>;
  /**
   * Optional: an account-security event for the company's own log (src/services/security-events.ts sends
   * them, off the reply path). False when the directory does not take events, so Clave stops sending them.
   */
  recordEvent?(accountId: string, event: SecurityEvent): Promise<boolean>;
}

export interface OwnerChecksOffered {
  paymentDetails: boolean;
  securityQuestion: boolean;
}

export interface PaymentDetails {
  /** Exactly four digits. */
  cardLast4: string;
  /** Upper case, no spaces or dashes, 3-10 letters and digits. */
  postalCode: string;
}

/**
 * How the person's answers are read, by the chat, the hashing script and the HTTP directory alike: card digits
 * and postal code without spaces or dashes, the postal code in upper case.
 */
export const withoutSeparators = (text: string): string => text.replace(/[\s-]/g, '');
export const normalisePostalCode = (text: string): string => withoutSeparators(text.toUpperCase());
export const isCardLast4 = (digits: string): boolean => /^\d{4}$/.test(digits);
export const isPostalCode = (normalised: string): boolean => /^[A-Z0-9]{3,10}$/.test(normalised);

/** What a directory hashes for the payment details: both together, so neither can be guessed alone. */
export const paymentDetailsSecret = (details: PaymentDetails): string => `${details.cardLast4}|${details.postalCode}`;

/** Case, accents and spaces do not count (SECURITY.md 17): "  LÚNA " and "luna" are the same answer. */
export const normaliseSecurityAnswer = (answer: string): string =>
  answer
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/\s+/g, '');

/** Same shape as the HTTP contract's activity (docs/directory-api.openapi.yaml). */
export interface DirectoryActivity {
  signIns: { at: string; success: boolean; device?: string | undefined; location?: string | undefined }[];
  devices: { name: string; lastSeenAt?: string | undefined }[];
}
