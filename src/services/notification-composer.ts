// Builds the email and SMS messages from the catalogs in dialogs/, in the account's language.
import { text } from '../../dialogs/catalog.js';
import type { Locale } from '../../machines/recovery.types.js';
import type { Account } from './account-directory.js';
import type { OutgoingMessage } from './notifier.js';

export class NotificationComposer {
  constructor(
    private readonly brand: string,
    private readonly publicBaseUrl: string,
  ) {}

  private params(extra: Record<string, string | number> = {}) {
    return { brand: this.brand, notMeUrl: `${this.publicBaseUrl}/not-me`, ...extra };
  }

  code(destination: { to: string; via: 'email' | 'sms' }, locale: Locale, code: string, minutes: number): OutgoingMessage {
    const params = this.params({ code, minutes });
    return destination.via === 'email'
      ? { channel: 'email', to: destination.to, purpose: 'code', subject: text(locale, 'notify_code_subject', params), text: text(locale, 'notify_code_email', params) }
      : { channel: 'sms', to: destination.to, purpose: 'code', text: text(locale, 'notify_code_sms', params) };
  }

  /** One message to every contact address on the account (email, alternate email, verified phone). */
  private toEveryContact(account: Account, kind: 'reset' | 'lockout'): OutgoingMessage[] {
    const locale = account.locale ?? 'en';
    const params = this.params();
    const purpose = kind === 'reset' ? 'reset_notice' : 'lockout_notice';
    const emails = [account.email, account.altEmail].filter((e): e is string => Boolean(e));
    const out: OutgoingMessage[] = emails.map((to) => ({
      channel: 'email',
      to,
      purpose,
      subject: text(locale, `notify_${kind}_subject`, params),
      text: text(locale, `notify_${kind}_email`, params),
    }));
    if (account.phone && account.phoneVerified) {
      out.push({ channel: 'sms', to: account.phone, purpose, text: text(locale, `notify_${kind}_sms`, params) });
    }
    return out;
  }

  resetNotices(account: Account): OutgoingMessage[] {
    return this.toEveryContact(account, 'reset');
  }

  lockoutNotices(account: Account): OutgoingMessage[] {
    return this.toEveryContact(account, 'lockout');
  }
}
