// One Notifier for the app: email goes to SMTP, SMS to Twilio or a signed webhook, and whichever channel
// has no provider configured goes to the development outbox. Production has no outbox, so a missing
// provider stops start-up with the variable to set (SECURITY.md 22).
import { text } from '../../dialogs/catalog.js';
import { ConfigError, type Config } from '../config.js';
import { SmtpNotifier } from './email/smtp-notifier.js';
import type { DevOutbox, Notifier, OutgoingMessage } from './notifier.js';
import { smsSegments } from './sms/sms-segments.js';
import { TwilioNotifier } from './sms/twilio-notifier.js';
import { WebhookNotifier } from './sms/webhook-notifier.js';

export type EmailProvider = 'smtp' | 'outbox';
export type SmsProvider = 'twilio' | 'webhook' | 'outbox';

export class RoutingNotifier implements Notifier {
  constructor(
    private readonly routes: Record<OutgoingMessage['channel'], Notifier>,
    /** Which provider serves each channel: for start-up logs and readiness, never secrets. */
    readonly providers: { email: EmailProvider; sms: SmsProvider },
  ) {}

  send(message: OutgoingMessage): Promise<void> {
    return this.routes[message.channel].send(message);
  }
}

export interface NotifierLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Builds the app's notifier from configuration; throws a ConfigError naming the variables to fix. */
export function createNotifier(config: Config, outbox: DevOutbox | null, logger?: NotifierLogger): RoutingNotifier {
  const problems: string[] = [];
  const email = emailRoute(config, outbox, problems);
  const sms = smsRoute(config, outbox, problems);
  if (problems.length || !email || !sms) throw new ConfigError(problems);

  if (email.provider === 'smtp' && !config.smtp.tlsRejectUnauthorized) {
    logger?.warn({ variable: 'SMTP_TLS_REJECT_UNAUTHORIZED' }, 'the SMTP server certificate is not verified');
  }
  if (sms.provider !== 'outbox') warnAboutLongSms(config, logger);
  const providers = { email: email.provider, sms: sms.provider };
  // Not logged as "email": that key is redacted everywhere, and a provider name is not an address.
  logger?.info({ emailProvider: providers.email, smsProvider: providers.sms }, 'notification providers');
  return new RoutingNotifier({ email: email.notifier, sms: sms.notifier }, providers);
}

function emailRoute(config: Config, outbox: DevOutbox | null, problems: string[]) {
  if (config.smtpUrl) {
    if (!/^smtps?:\/\//i.test(config.smtpUrl)) {
      problems.push('SMTP_URL: must start with smtp:// (STARTTLS, port 587) or smtps:// (TLS, port 465)');
      return undefined;
    }
    const notifier = new SmtpNotifier({
      url: config.smtpUrl,
      brand: config.brandName,
      ...(config.smtp.from ? { from: config.smtp.from } : {}),
      tlsRejectUnauthorized: config.smtp.tlsRejectUnauthorized,
      requireTls: config.smtp.requireTls,
    });
    return { provider: 'smtp' as const, notifier };
  }
  if (outbox) return { provider: 'outbox' as const, notifier: outbox };
  problems.push('SMTP_URL: required in production (email codes and notices need a real provider)');
  return undefined;
}

function smsRoute(config: Config, outbox: DevOutbox | null, problems: string[]) {
  const { twilio, webhook, timeoutMs } = config.sms;
  const twilioVars = { TWILIO_ACCOUNT_SID: twilio.accountSid, TWILIO_AUTH_TOKEN: twilio.authToken, TWILIO_FROM: twilio.from };
  const twilioSet = Object.values(twilioVars).some(Boolean);
  const webhookSet = Boolean(webhook.url || webhook.secret);

  if (twilioSet && webhookSet) {
    problems.push('SMS_WEBHOOK_URL: set either the TWILIO_* variables or SMS_WEBHOOK_URL and SMS_WEBHOOK_SECRET, not both');
    return undefined;
  }
  if (twilioSet) {
    const missing = Object.entries(twilioVars).filter(([, value]) => !value);
    for (const [name] of missing) problems.push(`${name}: required when any TWILIO_* variable is set`);
    if (missing.length || !twilio.accountSid || !twilio.authToken || !twilio.from) return undefined;
    const notifier = new TwilioNotifier({
      accountSid: twilio.accountSid,
      authToken: twilio.authToken,
      from: twilio.from,
      baseUrl: twilio.baseUrl,
      timeoutMs,
    });
    return { provider: 'twilio' as const, notifier };
  }
  if (webhookSet) {
    if (!webhook.url) problems.push('SMS_WEBHOOK_URL: required when SMS_WEBHOOK_SECRET is set');
    if (!webhook.secret) problems.push('SMS_WEBHOOK_SECRET: required when SMS_WEBHOOK_URL is set (the gateway verifies the signature with it)');
    if (!webhook.url || !webhook.secret) return undefined;
    return { provider: 'webhook' as const, notifier: new WebhookNotifier({ url: webhook.url, secret: webhook.secret, timeoutMs }) };
  }
  if (outbox) return { provider: 'outbox' as const, notifier: outbox };
  problems.push('TWILIO_ACCOUNT_SID: SMS needs a real provider in production (TWILIO_* or SMS_WEBHOOK_URL)');
  return undefined;
}

/**
 * A long brand or base URL can push an SMS past one segment (a second one costs money and may arrive
 * split or out of order). Checked once with the real brand, URL and code length; the texts are not logged.
 */
function warnAboutLongSms(config: Config, logger?: NotifierLogger): void {
  const params = {
    brand: config.brandName,
    notMeUrl: `${config.publicBaseUrl}/not-me`,
    code: '9'.repeat(config.policy.codeDigits),
    minutes: Math.round(config.policy.codeTtlMs / 60_000),
  };
  for (const locale of ['es', 'en'] as const) {
    for (const key of ['notify_code_sms', 'notify_reset_sms', 'notify_lockout_sms'] as const) {
      const count = smsSegments(text(locale, key, params));
      if (count.segments > 1) {
        logger?.warn({ key, locale, encoding: count.encoding, units: count.units, segments: count.segments }, 'SMS longer than one segment');
      }
    }
  }
}
