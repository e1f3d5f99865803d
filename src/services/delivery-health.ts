// Whether email or SMS is failing at its provider right now, kept in the shared store so every instance knows.
// A message given up after every try for a reason of the provider's (unreachable, timed out, 5xx, credentials)
// marks its channel; the next message that gets through clears the mark, and it heals by itself after a while.
// The engine reads it while a code is awaited, so everyone waiting on that channel, with an account or without
// one, hears the same offer of another channel (SECURITY.md 1). A refusal of one recipient never marks anything:
// telling only that conversation would say an account is behind it. It goes to the audit trail instead.
import type { Channel } from '../../machines/recovery.types.js';
import type { KeyValueStore } from '../stores/kv-store.js';
import type { AuditLog } from './audit-log.js';
import { deliveryFault } from './delivery-error.js';
import type { DeliveryOutcome, OutgoingMessage } from './notifier.js';

export type DeliveryChannel = OutgoingMessage['channel'];
export type DeliveryResult = 'delivered' | 'provider_failed' | 'recipient_refused';

/** How long a mark lasts without another failure: a provider that is back but idle stops being reported. */
export const DELIVERY_TROUBLE_TTL_MS = 15 * 60_000;

export const deliveryTroubleKey = (channel: DeliveryChannel) => `delivery-trouble:{${channel}}`;

/** The provider a chart channel travels on: the alternate email goes out by email. */
export const deliveryChannelOf = (channel: Channel): DeliveryChannel => (channel === 'sms' ? 'sms' : 'email');

export interface DeliveryHealthDeps {
  store: KeyValueStore;
  audit: AuditLog;
  logger: { warn(obj: object, msg: string): void };
  /** Every message's final result, for metrics. */
  onResult?: (channel: DeliveryChannel, result: DeliveryResult) => void;
  ttlMs?: number;
}

export class DeliveryHealth {
  constructor(private readonly deps: DeliveryHealthDeps) {}

  /** One store read: is the provider behind this channel known to be failing? */
  async isTroubled(channel: Channel): Promise<boolean> {
    return (await this.deps.store.get(deliveryTroubleKey(deliveryChannelOf(channel)))) !== null;
  }

  /** Give it to the DeliveryQueue: it marks and clears channels as messages end. */
  readonly outcome: DeliveryOutcome = {
    delivered: async (message) => {
      this.deps.onResult?.(message.channel, 'delivered');
      await this.deps.store.del(deliveryTroubleKey(message.channel));
    },
    failed: async (message, error) => {
      const result: DeliveryResult = deliveryFault(error) === 'recipient' ? 'recipient_refused' : 'provider_failed';
      this.deps.onResult?.(message.channel, result);
      // The outcome only: no conversation, account, address or text travels with a queued message.
      this.deps.audit.record({ event: 'delivery_failed', channel: message.channel, outcome: result });
      if (result === 'recipient_refused') return;
      this.deps.logger.warn({ channel: message.channel, purpose: message.purpose }, 'delivery given up: channel marked as troubled');
      await this.deps.store.set(deliveryTroubleKey(message.channel), '1', this.deps.ttlMs ?? DELIVERY_TROUBLE_TTL_MS);
    },
  };
}
