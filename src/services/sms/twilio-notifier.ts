// Sends SMS through Twilio's Messages REST API with plain fetch: one form-encoded POST per message,
// HTTP Basic auth with the account SID and auth token. Errors carry Twilio's error code and its
// (scrubbed) message, never what we sent.
import { DeliveryError, redactProviderText } from '../delivery-error.js';
import type { Notifier, OutgoingMessage } from '../notifier.js';
import { fetchOrThrow } from './http-delivery.js';

export interface TwilioNotifierOptions {
  /** AC… */
  accountSid: string;
  authToken: string;
  /** An E.164 number, an alphanumeric sender id, or a Messaging Service SID (MG…). */
  from: string;
  /** Default https://api.twilio.com; tests point it at a local server. */
  baseUrl?: string;
  /** Per request, body included. Default 5 s. */
  timeoutMs?: number;
}

interface TwilioErrorBody {
  code?: number;
  message?: string;
  status?: number;
}

const MESSAGING_SERVICE_SID = /^MG[0-9a-fA-F]{32}$/;

/**
 * Twilio errors about the number we sent to, not about our account or Twilio: invalid or unreachable 'To'
 * (21211, 21214, 21217, 21421), not verified on a trial account (21219), a region not enabled (21408), opted
 * out with STOP (21610), cannot take texts (21612, 21614). Any other refusal (21606 bad 'From', 20003
 * credentials…) would meet every message.
 */
const RECIPIENT_ERRORS = new Set([21211, 21214, 21217, 21219, 21408, 21421, 21610, 21612, 21614]);

export class TwilioNotifier implements Notifier {
  private readonly endpoint: string;
  private readonly authorization: string;

  constructor(private readonly options: TwilioNotifierOptions) {
    const base = (options.baseUrl ?? 'https://api.twilio.com').replace(/\/+$/, '');
    this.endpoint = `${base}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Messages.json`;
    this.authorization = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;
  }

  async send(message: OutgoingMessage): Promise<void> {
    if (message.channel !== 'sms') {
      throw new DeliveryError('Twilio notifier asked to send a non-SMS message', { provider: 'twilio', permanent: true });
    }
    const form = new URLSearchParams({ To: message.to, Body: message.text });
    // A Messaging Service picks the sender itself (number pools, sender ids per country).
    form.set(MESSAGING_SERVICE_SID.test(this.options.from) ? 'MessagingServiceSid' : 'From', this.options.from);

    const response = await fetchOrThrow('twilio', 'Twilio', this.endpoint, {
      method: 'POST',
      headers: {
        authorization: this.authorization,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: form.toString(),
      timeoutMs: this.options.timeoutMs ?? 5_000,
    });
    if (response.ok) {
      await response.body?.cancel();
      return;
    }
    const body = await readErrorBody(response);
    const code = body.code !== undefined ? `error ${body.code}` : 'no error code';
    const detail = body.message ? `: ${redactProviderText(body.message)}` : '';
    throw new DeliveryError(`Twilio refused the message (HTTP ${response.status}, ${code})${detail}`, {
      provider: 'twilio',
      // 429 and 5xx can pass later; other 4xx (bad number, unverified sender, bad credentials) will not.
      permanent: response.status >= 400 && response.status < 500 && response.status !== 429,
      status: response.status,
      ...(body.code !== undefined ? { providerCode: body.code } : {}),
      recipient: response.status === 400 && body.code !== undefined && RECIPIENT_ERRORS.has(body.code),
    });
  }
}

async function readErrorBody(response: Response): Promise<TwilioErrorBody> {
  try {
    const parsed = (await response.json()) as unknown;
    if (!parsed || typeof parsed !== 'object') return {};
    const { code, message } = parsed as Record<string, unknown>;
    return {
      ...(typeof code === 'number' ? { code } : {}),
      ...(typeof message === 'string' ? { message } : {}),
    };
  } catch {
    return {};
  }
}
