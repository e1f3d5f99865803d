// Hands SMS to any gateway through a signed webhook: POST JSON { to, text, purpose, id, timestamp } with
// X-Clave-Timestamp and X-Clave-Signature: sha256=<hex HMAC-SHA-256 of "<timestamp>.<raw body>">.
// The gateway verifies with verifyWebhookSignature (or the same few lines in its own language; see
// README.md here) and deduplicates on id, which stays the same across the delivery queue's retries.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { systemClock, type Clock } from '../../clock.js';
import { DeliveryError } from '../delivery-error.js';
import type { Notifier, OutgoingMessage } from '../notifier.js';
import { fetchOrThrow } from './http-delivery.js';

export const SIGNATURE_HEADER = 'X-Clave-Signature';
export const TIMESTAMP_HEADER = 'X-Clave-Timestamp';

export interface WebhookNotifierOptions {
  url: string;
  /** Shared with the gateway; at least 32 characters. */
  secret: string;
  /** Per request. Default 5 s. */
  timeoutMs?: number;
  /** The wall clock: the gateway compares the timestamp with its own. */
  clock?: Clock;
}

/** What the gateway receives. */
export interface WebhookPayload {
  to: string;
  text: string;
  purpose: OutgoingMessage['purpose'];
  /** Unique per message, the same on every retry of it: the gateway's idempotency key. */
  id: string;
  /** Unix seconds, also in X-Clave-Timestamp. */
  timestamp: number;
}

export function signWebhookBody(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export interface WebhookVerification {
  secret: string;
  /** The raw request body exactly as received (before any JSON parsing). */
  body: string | Buffer;
  /** X-Clave-Timestamp */
  timestamp: string | undefined;
  /** X-Clave-Signature */
  signature: string | undefined;
  /** How old (or how far in the future) a request may be; default 300 s, against replays. */
  toleranceSeconds?: number;
  /** Unix seconds now; default the system clock. */
  nowSeconds?: number;
}

/** For gateways and tests: true only for an untampered body, signed with the secret, recently. */
export function verifyWebhookSignature(input: WebhookVerification): boolean {
  const { secret, timestamp, signature } = input;
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return false;
  const now = input.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > (input.toleranceSeconds ?? 300)) return false;
  const body = typeof input.body === 'string' ? input.body : input.body.toString('utf8');
  const expected = Buffer.from(signWebhookBody(secret, Number(timestamp), body));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export class WebhookNotifier implements Notifier {
  // The delivery queue retries with the same message object, so the id survives retries.
  private readonly ids = new WeakMap<OutgoingMessage, string>();
  private readonly clock: Clock;

  constructor(private readonly options: WebhookNotifierOptions) {
    this.clock = options.clock ?? systemClock;
  }

  async send(message: OutgoingMessage): Promise<void> {
    if (message.channel !== 'sms') {
      throw new DeliveryError('SMS webhook asked to send a non-SMS message', { provider: 'webhook', permanent: true });
    }
    let id = this.ids.get(message);
    if (!id) {
      id = randomUUID();
      this.ids.set(message, id);
    }
    const timestamp = Math.floor(this.clock.now() / 1000);
    const payload: WebhookPayload = { to: message.to, text: message.text, purpose: message.purpose, id, timestamp };
    const body = JSON.stringify(payload);

    const response = await fetchOrThrow('webhook', 'SMS webhook', this.options.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [TIMESTAMP_HEADER]: String(timestamp),
        [SIGNATURE_HEADER]: signWebhookBody(this.options.secret, timestamp, body),
      },
      body,
      timeoutMs: this.options.timeoutMs ?? 5_000,
    });
    // Only the status: a gateway's error body may echo the number or the text back.
    await response.body?.cancel();
    if (!response.ok) {
      throw new DeliveryError(`SMS webhook answered HTTP ${response.status}`, {
        provider: 'webhook',
        permanent: response.status >= 400 && response.status < 500 && response.status !== 429 && response.status !== 408,
        status: response.status,
        // The contract: 400 or 422 means "this number, not me" (README.md here); anything else is the gateway's.
        recipient: response.status === 400 || response.status === 422,
      });
    }
  }
}
