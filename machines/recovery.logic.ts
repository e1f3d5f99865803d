// Pure guards and context updates for the recovery chart. Nothing here touches the network, the store
// or the clock: time arrives in TICK events and results arrive as actor outputs.
import type { OwnerIdentification, RecoveryContext, RecoveryEvent, RecoveryInput } from './recovery.types.js';

/** Before any question: nothing asked, nothing known. */
export const notAsked = (): OwnerIdentification => ({ paymentDetails: 'not_asked', securityQuestion: 'not_asked' });

/** Everything a journey learns about an account; a fresh journey starts from this. */
const journeyStart = (): Omit<RecoveryContext, keyof RecoveryInput | 'lastActivityAt'> => ({
  subject: null,
  identifierKind: null,
  channel: null,
  secondFactors: [],
  reprompts: 0,
  handoffReason: null,
  codeVerified: false,
  secondFactorVerified: false,
  deliveryTroubleTold: false,
  ownerIdentification: notAsked(),
  ownerAsked: false,
  securityQuestionId: null,
});

export function initialContext(input: RecoveryInput): RecoveryContext {
  return {
    conversationId: input.conversationId,
    locale: input.locale,
    lastActivityAt: input.now,
    now: input.now,
    idleLimitMs: input.idleLimitMs,
    repromptLimit: input.repromptLimit,
    ...journeyStart(),
  };
}

/** What START_OVER keeps: who is talking and in which language, nothing about the account. */
export function freshJourney(context: RecoveryContext): RecoveryContext {
  return { ...context, ...journeyStart() };
}

export const isIdleTooLong = (context: RecoveryContext, event: RecoveryEvent): boolean =>
  event.type === 'TICK' && event.at - context.lastActivityAt > context.idleLimitMs;

/** The next unrecognised answer would be one too many: hand over instead of asking again. */
export const hasRepromptedTooOften = (context: RecoveryContext): boolean =>
  context.reprompts + 1 >= context.repromptLimit;
