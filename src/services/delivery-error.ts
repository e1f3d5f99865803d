// What a provider's failure turns into: a message safe for logs (no text, code or destination we sent,
// and provider text scrubbed, since providers echo addresses and numbers back), whether a retry can help, and
// whether it is about one recipient or about the channel itself (delivery-health.ts tells people only the latter).

export type DeliveryProvider = 'smtp' | 'twilio' | 'webhook';

export interface DeliveryErrorDetails {
  provider: DeliveryProvider;
  /** True when sending the same message again cannot succeed (bad address, refused by policy). */
  permanent: boolean;
  /** HTTP status or SMTP reply code, when the provider answered. */
  status?: number;
  /** The provider's own error code (Twilio 21211, nodemailer EENVELOPE…). */
  providerCode?: string | number;
  /**
   * True when only this recipient is refused (no such mailbox, a number that cannot take texts, opted out);
   * absent or false when the provider itself failed (unreachable, timed out, 5xx, bad credentials), which
   * every message on the channel would meet.
   */
  recipient?: boolean;
}

export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly details: DeliveryErrorDetails,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

export type DeliveryFault = 'recipient' | 'provider';

/** Whose fault a failed try was; anything that is not a DeliveryError (a bug, a crash) counts against the provider. */
export function deliveryFault(error: unknown): DeliveryFault {
  return error instanceof DeliveryError && error.details.recipient === true ? 'recipient' : 'provider';
}

const EMAIL = /[^\s<>()[\]"',;:]+@[^\s<>()[\]"',;:]+/g;
// Phone-shaped runs with at least 7 digits; SMTP status codes like "550 5.1.1" stay readable.
const PHONE = /\+?\d[\d\s().-]{5,}\d/g;
const DIGIT_RUN = /\d{4,}/g;
const MAX_LENGTH = 200;

/** Scrubs text a provider sent back before it may reach a log: addresses, numbers and digit runs go. */
export function redactProviderText(text: string): string {
  const scrubbed = text
    .replace(EMAIL, '[email]')
    .replace(PHONE, (run) => (run.replace(/\D/g, '').length >= 7 ? '[number]' : run))
    .replace(DIGIT_RUN, '[digits]')
    .replace(/\s+/g, ' ')
    .trim();
  return scrubbed.length > MAX_LENGTH ? `${scrubbed.slice(0, MAX_LENGTH)}…` : scrubbed;
}
