// Sends email through an SMTP server (nodemailer). STARTTLS is used whenever the server offers it
// (smtp://, usually port 587) and can be required; smtps:// (port 465) is TLS from the first byte.
// Failures become DeliveryErrors whose text is safe to log: never the body, the code or the address.
import { createTransport } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import { DeliveryError, redactProviderText } from '../delivery-error.js';
import type { Notifier, OutgoingMessage } from '../notifier.js';
import { renderEmail } from './email-message.js';

export interface SmtpNotifierOptions {
  /** smtp://user:pass@host:587 or smtps://user:pass@host:465; user and password percent-encoded. */
  url: string;
  brand: string;
  /** From header, e.g. "StreamFlix <no-reply@example.com>"; default: the brand at no-reply@localhost. */
  from?: string;
  /** Verify the server certificate (default true); false only for a local relay with a self-signed one. */
  tlsRejectUnauthorized?: boolean;
  /** Refuse to send unless the connection is encrypted (smtps://, or STARTTLS succeeded). Default false. */
  requireTls?: boolean;
  /** Connection, greeting and idle-socket timeout. Default 15 s; the delivery queue retries after it. */
  timeoutMs?: number;
}

// One address and nothing else: a comma or angle bracket here would add recipients.
const SINGLE_ADDRESS = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+$/;

interface NodemailerError extends Error {
  code?: string;
  responseCode?: number;
  command?: string;
  response?: string;
}

export class SmtpNotifier implements Notifier {
  private readonly transport: ReturnType<typeof createTransport>;
  private readonly from: Mail.Options['from'];

  constructor(private readonly options: SmtpNotifierOptions) {
    const timeout = options.timeoutMs ?? 15_000;
    this.transport = createTransport({
      url: options.url,
      requireTLS: options.requireTls ?? false,
      tls: { rejectUnauthorized: options.tlsRejectUnauthorized ?? true },
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      // Messages are built from our own strings; nothing may pull in files or URLs as attachments.
      disableFileAccess: true,
      disableUrlAccess: true,
    });
    // An address object, so a brand with a comma or quotes stays one display name.
    this.from = options.from ?? { name: options.brand, address: 'no-reply@localhost' };
  }

  async send(message: OutgoingMessage): Promise<void> {
    if (message.channel !== 'email') {
      throw new DeliveryError('SMTP notifier asked to send a non-email message', { provider: 'smtp', permanent: true });
    }
    if (message.to.length > 254 || !SINGLE_ADDRESS.test(message.to)) {
      throw new DeliveryError('SMTP notifier refused a malformed destination address', { provider: 'smtp', permanent: true, recipient: true });
    }
    const email = renderEmail(message, this.options.brand);
    try {
      await this.transport.sendMail({
        from: this.from,
        to: message.to,
        subject: email.subject,
        text: email.text,
        html: email.html,
        // RFC 3834: tells auto-responders (vacation replies) not to answer.
        headers: { 'Auto-Submitted': 'auto-generated' },
      });
    } catch (error) {
      throw smtpDeliveryError(error as NodemailerError);
    }
  }

  /** Checks the connection and login without sending; for a start-up or readiness probe. */
  async verify(): Promise<void> {
    try {
      await this.transport.verify();
    } catch (error) {
      throw smtpDeliveryError(error as NodemailerError);
    }
  }

  close(): void {
    this.transport.close();
  }
}

function smtpDeliveryError(error: NodemailerError): DeliveryError {
  const parts = [error.code, error.responseCode, error.command && `at ${error.command}`].filter(Boolean).join(' ');
  // The server's reply often names the recipient ("<ana@…>: mailbox unavailable"); it is scrubbed.
  const reply = error.response ?? error.message;
  const status = error.responseCode;
  return new DeliveryError(`SMTP delivery failed${parts ? ` (${parts})` : ''}: ${redactProviderText(reply)}`, {
    provider: 'smtp',
    permanent: status !== undefined && status >= 500,
    recipient: refusesRecipient(error),
    ...(status !== undefined ? { status } : {}),
    ...(error.code ? { providerCode: error.code } : {}),
  });
}

/**
 * A refusal of this one recipient: at RCPT TO, about the address or the mailbox (enhanced status x.1.x or
 * x.2.x, RFC 3463), or a plain 550-553 / 450 there. "5.7.1 Relaying denied", a 421 or a full server at RCPT TO
 * is the relay's problem and would meet every message.
 */
function refusesRecipient(error: NodemailerError): boolean {
  if (error.command !== 'RCPT TO' || error.responseCode === undefined) return false;
  const enhanced = /^\d{3}[ -]+[245]\.(\d{1,3})\.\d{1,3}\b/.exec(error.response ?? '');
  if (enhanced) return enhanced[1] === '1' || enhanced[1] === '2';
  return [450, 550, 551, 552, 553].includes(error.responseCode);
}
