// The recovery journey as one statechart: identify → channel → code → second factor → reset link.
// It says message keys (dialogs/ turns them into words) and calls services only through named actors.
import { assign, emit, fromPromise, setup, type DoneActorEvent } from 'xstate';
import {
  freshJourney,
  hasRepromptedTooOften,
  notAsked,
  initialContext,
  isIdleTooLong,
} from './recovery.logic.js';
import type {
  CheckPaymentDetailsInput,
  CheckSecurityAnswerInput,
  Choice,
  HandoffReason,
  HoldCardDigitsInput,
  IssueLinkInput,
  IssueLinkOutput,
  LookupInput,
  LookupOutput,
  OwnerCheckOutput,
  PrepareOwnerCheckInput,
  PrepareOwnerCheckOutput,
  RecoveryContext,
  RecoveryEmitted,
  RecoveryEvent,
  RecoveryInput,
  SendCodeInput,
  SendCodeOutput,
  VerifyCodeInput,
  VerifyCodeOutput,
  VerifySecondFactorInput,
  VerifySecondFactorOutput,
} from './recovery.types.js';

/** Bumped whenever a stored snapshot of the previous chart could no longer be restored as is. */
export const RECOVERY_CHART_VERSION = 2;

const outputOf = <T>(event: unknown): T => (event as DoneActorEvent<T>).output;

interface SayParams {
  key: string;
  choices?: Choice[];
}
/** Reads like `say('ask_code', [...])` in the chart; it names the parameterised `say` action. */
const say = (key: string, choices?: Choice[]) => ({ type: 'say' as const, params: { key, ...(choices ? { choices } : {}) } });

const channelChoices: Choice[] = ['channel_email', 'channel_alt_email', 'channel_sms'];
const ownerChoices: Choice[] = ['skip', 'agent'];

// Actors are placeholders here; the conversation engine provides the real ones with machine.provide().
const notProvided = (name: string) => () => Promise.reject(new Error(`actor ${name} not provided`));

export const recoveryMachine = setup({
  types: {
    context: {} as RecoveryContext,
    events: {} as RecoveryEvent,
    input: {} as RecoveryInput,
    emitted: {} as RecoveryEmitted,
  },
  actors: {
    lookupAccount: fromPromise<LookupOutput, LookupInput>(notProvided('lookupAccount')),
    sendCode: fromPromise<SendCodeOutput, SendCodeInput>(notProvided('sendCode')),
    verifyCode: fromPromise<VerifyCodeOutput, VerifyCodeInput>(notProvided('verifyCode')),
    verifySecondFactor: fromPromise<VerifySecondFactorOutput, VerifySecondFactorInput>(
      notProvided('verifySecondFactor'),
    ),
    issueResetLink: fromPromise<IssueLinkOutput, IssueLinkInput>(notProvided('issueResetLink')),
    prepareOwnerCheck: fromPromise<PrepareOwnerCheckOutput, PrepareOwnerCheckInput>(notProvided('prepareOwnerCheck')),
    holdCardDigits: fromPromise<void, HoldCardDigitsInput>(notProvided('holdCardDigits')),
    checkPaymentDetails: fromPromise<OwnerCheckOutput, CheckPaymentDetailsInput>(notProvided('checkPaymentDetails')),
    checkSecurityAnswer: fromPromise<OwnerCheckOutput, CheckSecurityAnswerInput>(notProvided('checkSecurityAnswer')),
  },
  guards: {
    isIdleTooLong: ({ context, event }) => isIdleTooLong(context, event),
    hasRepromptedTooOften: ({ context }) => hasRepromptedTooOften(context),
    isHandoffFromLockout: ({ context }) => context.handoffReason === 'locked_out',
    hasSubject: ({ context }) => context.subject !== null,
    // Nobody to ask about (no identifier given yet), or asked already for this subject: hand over at once.
    isOwnerCheckNeedless: ({ context }) => context.subject === null || context.ownerAsked,
    isPaymentCheckPlanned: ({ event }) => outputOf<PrepareOwnerCheckOutput>(event).paymentDetails === 'ask',
    isSecurityQuestionPlanned: ({ event }) => outputOf<PrepareOwnerCheckOutput>(event).securityQuestion === 'ask',
    willAskSecurityQuestion: ({ context }) => context.securityQuestionId !== null,
    isLockedForSends: ({ event }) => outputOf<SendCodeOutput>(event).locked,
    isCodeVerifiedWithSecondFactor: ({ event }) => {
      const out = outputOf<VerifyCodeOutput>(event);
      return out.outcome === 'verified' && out.secondFactors.length > 0;
    },
    isCodeVerified: ({ event }) => outputOf<VerifyCodeOutput>(event).outcome === 'verified',
    isCodeLocked: ({ event }) => outputOf<VerifyCodeOutput>(event).outcome === 'locked',
    isCodeExpired: ({ event }) => outputOf<VerifyCodeOutput>(event).outcome === 'expired',
    isCodeExhausted: ({ event }) => outputOf<VerifyCodeOutput>(event).outcome === 'exhausted',
    isSecondFactorVerified: ({ event }) => outputOf<VerifySecondFactorOutput>(event).outcome === 'verified',
    isSecondFactorLocked: ({ event }) => outputOf<VerifySecondFactorOutput>(event).outcome === 'locked',
    // Growing delays after failures (SECURITY.md 9): a try that came too soon was not checked.
    isCodeDelayed: ({ event }) => outputOf<VerifyCodeOutput>(event).outcome === 'wait',
    isSecondFactorDelayed: ({ event }) => outputOf<VerifySecondFactorOutput>(event).outcome === 'wait',
    isDeliveryTroubleUntold: ({ context }) => !context.deliveryTroubleTold,
  },
  actions: {
    say: emit((_, params: SayParams) => ({ type: 'say' as const, ...params })),
    touch: assign(({ event }) => (event.type === 'TICK' ? { now: event.at, lastActivityAt: event.at } : {})),
    resetReprompts: assign({ reprompts: 0 }),
    countReprompt: assign({ reprompts: ({ context }) => context.reprompts + 1 }),
    startFresh: assign(({ context }) => freshJourney(context)),
    // A new subject starts with nothing proven, whatever the previous one had.
    rememberSubject: assign(({ event }) => ({
      subject: outputOf<LookupOutput>(event).subject,
      channel: null,
      secondFactors: [],
      codeVerified: false,
      secondFactorVerified: false,
      ownerIdentification: notAsked(),
      ownerAsked: false,
      securityQuestionId: null,
    })),
    // What will be asked starts as 'skipped': going to a person before answering leaves it so.
    rememberOwnerPlan: assign(({ event }) => {
      const plan = outputOf<PrepareOwnerCheckOutput>(event);
      return {
        ownerAsked: true,
        securityQuestionId: plan.securityQuestion === 'ask' ? plan.questionId : null,
        ownerIdentification: {
          paymentDetails: plan.paymentDetails === 'ask' ? ('skipped' as const) : plan.paymentDetails,
          securityQuestion: plan.securityQuestion === 'ask' ? ('skipped' as const) : plan.securityQuestion,
        },
      };
    }),
    markOwnerCheckUnavailable: assign({
      ownerAsked: true,
      ownerIdentification: { paymentDetails: 'unavailable' as const, securityQuestion: 'unavailable' as const },
    }),
    rememberPaymentCheck: assign(({ context, event }) => ({
      ownerIdentification: { ...context.ownerIdentification, paymentDetails: outputOf<OwnerCheckOutput>(event).result },
    })),
    rememberSecurityAnswerCheck: assign(({ context, event }) => ({
      ownerIdentification: { ...context.ownerIdentification, securityQuestion: outputOf<OwnerCheckOutput>(event).result },
    })),
    markPaymentCheckUnavailable: assign(({ context }) => ({
      ownerIdentification: { ...context.ownerIdentification, paymentDetails: 'unavailable' as const },
    })),
    markSecurityAnswerUnavailable: assign(({ context }) => ({
      ownerIdentification: { ...context.ownerIdentification, securityQuestion: 'unavailable' as const },
    })),
    rememberIdentifierKind: assign(({ event }) => ({
      identifierKind: event.type === 'PHONE' ? ('phone' as const) : ('email' as const),
    })),
    rememberChannel: assign(({ event, context }) => ({
      channel: event.type === 'CHOOSE_CHANNEL' || event.type === 'CODE_SENT_BY_AGENT' ? event.channel : context.channel,
    })),
    markCodeVerified: assign(({ event }) => ({
      codeVerified: true,
      secondFactors: outputOf<VerifyCodeOutput>(event).secondFactors,
    })),
    markSecondFactorVerified: assign({ secondFactorVerified: true }),
    // A new code is a new wait: if its channel is failing too, the person hears it again, once.
    markCodeSent: assign({ deliveryTroubleTold: false }),
    markDeliveryTroubleTold: assign({ deliveryTroubleTold: true }),
    setLanguage: assign(({ event, context }) => ({
      locale: event.type === 'SET_LANGUAGE' || event.type === 'ADOPT_LANGUAGE' ? event.locale : context.locale,
    })),
    setHandoffReason: assign((_, params: { reason: HandoffReason }) => ({ handoffReason: params.reason })),
    requestHandoff: emit(({ context }) => ({
      type: 'handoff' as const,
      input: {
        conversationId: context.conversationId,
        subject: context.subject,
        reason: context.handoffReason ?? 'requested',
        locale: context.locale,
        codeVerified: context.codeVerified,
        channel: context.channel,
        secondFactorVerified: context.secondFactorVerified,
        ownerIdentification: context.ownerIdentification,
      },
    })),
    forgetProofs: emit(({ context }) => ({ type: 'forget' as const, conversationId: context.conversationId })),
    sayFaq: emit(({ event }) => ({
      type: 'say' as const,
      key: event.type === 'FAQ' ? `faq_${event.topic}` : 'help',
    })),
    sayWait: emit(({ event }) => ({
      type: 'say' as const,
      key: 'code_wait',
      params: { seconds: outputOf<VerifyCodeOutput | VerifySecondFactorOutput>(event).waitSeconds ?? 0 },
    })),
    sayCodeSent: emit(({ context }) => ({
      type: 'say' as const,
      key: `code_sent_${context.channel ?? 'email'}`,
    })),
    // The alternate email travels by email: one provider, one message.
    sayDeliveryTrouble: emit(({ context }) => ({
      type: 'say' as const,
      key: context.channel === 'sms' ? 'delivery_trouble_sms' : 'delivery_trouble_email',
      choices: ['switch_channel', 'agent'] as Choice[],
    })),
    askSecurityQuestion: emit(({ context }) => ({
      type: 'say' as const,
      key: `ask_security_question_${context.securityQuestionId ?? 'first_pet'}`,
      choices: ownerChoices,
    })),
    sayResetLink: emit(({ event }) => {
      const out = outputOf<IssueLinkOutput>(event);
      return { type: 'say' as const, key: 'reset_link', params: { url: out.url, minutes: out.validMinutes } };
    }),
  },
}).createMachine({
  id: 'recovery',
  description: 'Gets a person back into their account, or to a person who can.',
  context: ({ input }) => initialContext(input),
  initial: 'journey',
  on: {
    TICK: [{ guard: 'isIdleTooLong', target: '.timedOut' }, { actions: 'touch' }],
    // Outside the journey (handoff, lockout) these answer in place; the journey overrides them to resume.
    SET_LANGUAGE: { actions: ['setLanguage', say('language_switched')] },
    ADOPT_LANGUAGE: { actions: 'setLanguage' },
    PASSWORD_IN_CHAT: { actions: say('password_in_chat') },
    HELP: { actions: say('help') },
    FAQ: { actions: 'sayFaq' },
  },
  states: {
    journey: {
      description: 'Self-service recovery. Interrupts here work from every step and come back to it.',
      initial: 'welcome',
      on: {
        CANCEL: { target: 'cancelled' },
        AGENT: { target: 'confirmingOwner', actions: { type: 'setHandoffReason', params: { reason: 'requested' } } },
        START_OVER: { target: '.identify', reenter: true, actions: ['startFresh', 'forgetProofs', say('starting_over')] },
        HELP: { target: '.history', reenter: true, actions: say('help') },
        GREET: { target: '.history', reenter: true },
        FAQ: { target: '.history', reenter: true, actions: 'sayFaq' },
        SET_LANGUAGE: { target: '.history', reenter: true, actions: ['setLanguage', say('language_switched')] },
        PASSWORD_IN_CHAT: { target: '.history', reenter: true, actions: say('password_in_chat') },
        UNRECOGNIZED: [
          {
            guard: 'hasRepromptedTooOften',
            target: 'confirmingOwner',
            actions: { type: 'setHandoffReason', params: { reason: 'not_understood' } },
          },
          { target: '.history', reenter: true, actions: ['countReprompt', say('not_understood')] },
        ],
      },
      states: {
        history: { type: 'history', history: 'deep', target: 'welcome' },
        welcome: {
          description:
            'Triage: what does the person need? Its prompt is said when the person comes back here; a new conversation starts silently because the first message decides.',
          tags: ['expects:intent'],
          entry: say('welcome_prompt', ['recover', 'agent']),
          on: {
            GREET: { actions: say('welcome', ['recover', 'agent']) },
            RECOVER: { target: 'identify' },
            AFFIRM: { target: 'identify' },
            EMAIL: { target: 'lookingUp', actions: 'rememberIdentifierKind' },
            PHONE: { target: 'lookingUp', actions: 'rememberIdentifierKind' },
          },
        },
        identify: {
          description: 'Ask for the email or phone number on the account.',
          tags: ['expects:identifier'],
          entry: say('ask_identifier', ['agent']),
          on: {
            EMAIL: { target: 'lookingUp', actions: 'rememberIdentifierKind' },
            PHONE: { target: 'lookingUp', actions: 'rememberIdentifierKind' },
            RECOVER: { target: 'identify', reenter: true },
            INVALID_IDENTIFIER: { actions: say('identifier_format_hint', ['agent']) },
          },
        },
        lookingUp: {
          description: 'Resolve the identifier to an opaque subject; known or not, the answer looks the same.',
          entry: 'resetReprompts',
          invoke: {
            src: 'lookupAccount',
            input: ({ context, event }) => ({
              conversationId: context.conversationId,
              kind: event.type === 'PHONE' ? 'phone' : 'email',
              value: event.type === 'EMAIL' || event.type === 'PHONE' ? event.value : '',
            }),
            onDone: { target: 'chooseChannel', actions: 'rememberSubject' },
            onError: { target: 'identify', actions: say('service_error') },
          },
        },
        chooseChannel: {
          description: 'Always the same three channels: the menu never reveals what the account has.',
          tags: ['expects:channel'],
          entry: say('ask_channel', channelChoices),
          on: {
            CHOOSE_CHANNEL: { target: 'sendingCode', actions: 'rememberChannel' },
            INVALID_IDENTIFIER: { actions: say('identifier_format_hint', ['agent']) },
            EMAIL: { target: 'lookingUp', actions: 'rememberIdentifierKind' },
            PHONE: { target: 'lookingUp', actions: 'rememberIdentifierKind' },
          },
        },
        sendingCode: {
          description: 'Issue a code; delivery happens off the reply path and limits hold sends back silently.',
          entry: 'resetReprompts',
          invoke: {
            src: 'sendCode',
            input: ({ context }) => ({
              conversationId: context.conversationId,
              subject: context.subject ?? '',
              channel: context.channel ?? 'email',
              locale: context.locale,
            }),
            onDone: [
              { guard: 'isLockedForSends', target: '#recovery.lockedOut' },
              { target: 'awaitingCode', actions: ['markCodeSent', 'sayCodeSent'] },
            ],
            onError: { target: 'chooseChannel', actions: say('send_failed') },
          },
        },
        awaitingCode: {
          description: 'Wait for the one-time code; offer resend, another channel or help.',
          tags: ['expects:code'],
          entry: say('ask_code', ['resend', 'switch_channel', 'code_not_received']),
          on: {
            DIGITS: { target: 'verifyingCode' },
            RESEND: { target: 'sendingCode', actions: say('resending') },
            SWITCH_CHANNEL: { target: 'chooseChannel' },
            CODE_NOT_RECEIVED: { actions: say('code_not_received', ['resend', 'switch_channel', 'agent']) },
            // Only the scheduler sends it, after a quiet spell; anywhere else the chart ignores it.
            NUDGE: { actions: say('nudge_code', ['resend', 'switch_channel', 'agent']) },
            // The engine sends it before the person's own event when this channel's provider is failing; the same
            // for every conversation waiting on it, account or not. Said once per code.
            DELIVERY_TROUBLE: { guard: 'isDeliveryTroubleUntold', actions: ['markDeliveryTroubleTold', 'sayDeliveryTrouble'] },
            AGENT: { target: '#recovery.confirmingOwner', actions: { type: 'setHandoffReason', params: { reason: 'code_not_received' } } },
          },
        },
        verifyingCode: {
          description: 'Check the code against its hash, its expiry, its tries, the delay after recent failures and the account lockout.',
          entry: 'resetReprompts',
          invoke: {
            src: 'verifyCode',
            input: ({ context, event }) => ({
              conversationId: context.conversationId,
              subject: context.subject ?? '',
              code: event.type === 'DIGITS' ? event.value : '',
            }),
            onDone: [
              {
                guard: 'isCodeVerifiedWithSecondFactor',
                target: 'secondFactor',
                actions: ['markCodeVerified', say('code_verified')],
              },
              { guard: 'isCodeVerified', target: 'issuingLink', actions: ['markCodeVerified', say('code_verified')] },
              { guard: 'isCodeLocked', target: '#recovery.lockedOut' },
              { guard: 'isCodeDelayed', target: 'awaitingCode', actions: 'sayWait' },
              { guard: 'isCodeExpired', target: 'awaitingCode', actions: say('code_expired') },
              { guard: 'isCodeExhausted', target: 'awaitingCode', actions: say('code_exhausted') },
              { target: 'awaitingCode', actions: say('code_wrong') },
            ],
            onError: { target: 'awaitingCode', actions: say('service_error') },
          },
        },
        secondFactor: {
          description: 'The account has 2FA: an authenticator code or a recovery code is also needed.',
          tags: ['expects:second_factor'],
          entry: say('ask_second_factor', ['use_recovery_code', 'lost_2fa']),
          on: {
            DIGITS: { target: 'verifyingSecondFactor' },
            RECOVERY_CODE: { target: 'verifyingSecondFactor' },
            USE_RECOVERY_CODE: { actions: say('ask_recovery_code') },
            LOST_2FA: { actions: say('lost_2fa', ['use_recovery_code', 'agent']) },
            AGENT: { target: '#recovery.confirmingOwner', actions: { type: 'setHandoffReason', params: { reason: 'lost_2fa' } } },
          },
        },
        verifyingSecondFactor: {
          description: 'Check the authenticator step (no replay) or burn a recovery code.',
          entry: 'resetReprompts',
          invoke: {
            src: 'verifySecondFactor',
            input: ({ context, event }) => ({
              conversationId: context.conversationId,
              subject: context.subject ?? '',
              kind: event.type === 'RECOVERY_CODE' ? 'recovery' : 'totp',
              value: event.type === 'DIGITS' || event.type === 'RECOVERY_CODE' ? event.value : '',
            }),
            onDone: [
              { guard: 'isSecondFactorVerified', target: 'issuingLink', actions: 'markSecondFactorVerified' },
              { guard: 'isSecondFactorLocked', target: '#recovery.lockedOut' },
              { guard: 'isSecondFactorDelayed', target: 'secondFactor', actions: 'sayWait' },
              { target: 'secondFactor', actions: say('second_factor_wrong') },
            ],
            onError: { target: 'secondFactor', actions: say('service_error') },
          },
        },
        issuingLink: {
          description: 'Mint a single-use link to the reset page; the service re-checks every factor.',
          invoke: {
            src: 'issueResetLink',
            input: ({ context }) => ({
              conversationId: context.conversationId,
              subject: context.subject ?? '',
              locale: context.locale,
            }),
            onDone: { target: 'linkIssued', actions: 'sayResetLink' },
            onError: { target: 'linkUnavailable' },
          },
        },
        linkIssued: {
          description: 'Wait for the reset page to report that the new password is set.',
          tags: ['expects:reset'],
          on: {
            RESET_COMPLETED: { target: '#recovery.done' },
            NEW_LINK: { target: 'issuingLink' },
            HELP: { actions: [say('help'), say('link_pending', ['new_link', 'agent'])] },
            FAQ: { actions: ['sayFaq', say('link_pending', ['new_link', 'agent'])] },
            AFFIRM: { actions: say('link_pending', ['new_link', 'agent']) },
            DENY: { actions: say('link_pending', ['new_link', 'agent']) },
          },
        },
        linkUnavailable: {
          description: 'The link could not be made; try again or reach a person.',
          tags: ['expects:reset'],
          entry: say('link_failed', ['new_link', 'agent']),
          on: {
            NEW_LINK: { target: 'issuingLink' },
            AGENT: { target: '#recovery.confirmingOwner', actions: { type: 'setHandoffReason', params: { reason: 'service_error' } } },
          },
        },
      },
    },
    confirmingOwner: {
      description:
        'Before a person takes over: questions only the owner can answer, each skippable. The agent learns matched or not, never an answer, and a right answer never leads to a reset (SECURITY.md 17). Unknown identifiers get the same questions.',
      initial: 'deciding',
      on: {
        // Straight to the person: whatever was not answered stays 'skipped'.
        AGENT: { target: 'handoff' },
        CANCEL: [
          { guard: 'isHandoffFromLockout', target: 'lockedOut', actions: say('handoff_cancelled') },
          { target: 'journey.history', actions: say('handoff_cancelled') },
        ],
        START_OVER: { target: 'journey.identify', actions: ['startFresh', 'forgetProofs', say('starting_over')] },
        // Answered in place, then the same question again.
        SET_LANGUAGE: { target: '.resume', reenter: true, actions: ['setLanguage', say('language_switched')] },
        HELP: { target: '.resume', reenter: true, actions: say('owner_check_help') },
        PASSWORD_IN_CHAT: { target: '.resume', reenter: true, actions: say('password_in_chat') },
        UNRECOGNIZED: { target: '.resume', reenter: true },
      },
      states: {
        resume: { type: 'history', target: 'deciding' },
        deciding: {
          description: 'No identifier given yet, or this subject was already asked: nothing to ask.',
          always: [{ guard: 'isOwnerCheckNeedless', target: '#recovery.handoff' }, { target: 'preparing' }],
        },
        preparing: {
          description: 'Which checks are on and offered by the directory, and which catalog question; never whether the account exists.',
          invoke: {
            src: 'prepareOwnerCheck',
            input: ({ context }) => ({ conversationId: context.conversationId, subject: context.subject ?? '' }),
            onDone: [
              { guard: 'isPaymentCheckPlanned', target: 'askingCardDigits', actions: 'rememberOwnerPlan' },
              { guard: 'isSecurityQuestionPlanned', target: 'askingSecurityAnswer', actions: 'rememberOwnerPlan' },
              { target: '#recovery.handoff', actions: 'rememberOwnerPlan' },
            ],
            onError: { target: '#recovery.handoff', actions: 'markOwnerCheckUnavailable' },
          },
        },
        askingCardDigits: {
          description: 'Last four digits of the card on file; the whole number is never wanted.',
          tags: ['expects:card_last4'],
          entry: say('ask_card_last4', ownerChoices),
          on: {
            CARD_DIGITS: { target: 'holdingCardDigits' },
            OWNER_ANSWER_INVALID: { actions: say('card_last4_hint', ownerChoices) },
            // The pair is checked together: no card digits, no postal code question.
            SKIP: [{ guard: 'willAskSecurityQuestion', target: 'askingSecurityAnswer' }, { target: '#recovery.handoff' }],
          },
        },
        holdingCardDigits: {
          description: 'Keep the digits sealed under the server key until the postal code arrives.',
          invoke: {
            src: 'holdCardDigits',
            input: ({ context, event }) => ({
              conversationId: context.conversationId,
              cardLast4: event.type === 'CARD_DIGITS' ? event.value : '',
            }),
            onDone: { target: 'askingPostalCode' },
            onError: [
              { guard: 'willAskSecurityQuestion', target: 'askingSecurityAnswer', actions: 'markPaymentCheckUnavailable' },
              { target: '#recovery.handoff', actions: 'markPaymentCheckUnavailable' },
            ],
          },
        },
        askingPostalCode: {
          description: 'Billing postal code, checked with the card digits against hashes in the directory.',
          tags: ['expects:postal_code'],
          entry: say('ask_postal_code', ownerChoices),
          on: {
            POSTAL_CODE: { target: 'checkingPaymentDetails' },
            OWNER_ANSWER_INVALID: { actions: say('postal_code_hint', ownerChoices) },
            SKIP: [{ guard: 'willAskSecurityQuestion', target: 'askingSecurityAnswer' }, { target: '#recovery.handoff' }],
          },
        },
        checkingPaymentDetails: {
          description: 'Matched or not, for the agent only; a mismatch counts toward the lockout. The person hears nothing either way.',
          invoke: {
            src: 'checkPaymentDetails',
            input: ({ context, event }) => ({
              conversationId: context.conversationId,
              subject: context.subject ?? '',
              postalCode: event.type === 'POSTAL_CODE' ? event.value : '',
            }),
            onDone: [
              { guard: 'willAskSecurityQuestion', target: 'askingSecurityAnswer', actions: 'rememberPaymentCheck' },
              { target: '#recovery.handoff', actions: 'rememberPaymentCheck' },
            ],
            onError: [
              { guard: 'willAskSecurityQuestion', target: 'askingSecurityAnswer', actions: 'markPaymentCheckUnavailable' },
              { target: '#recovery.handoff', actions: 'markPaymentCheckUnavailable' },
            ],
          },
        },
        askingSecurityAnswer: {
          description: 'The legacy security question (SECURITY_QUESTION=on only); the same catalog question whether or not the account exists.',
          tags: ['expects:security_answer'],
          entry: 'askSecurityQuestion',
          on: {
            SECURITY_ANSWER: { target: 'checkingSecurityAnswer' },
            SKIP: { target: '#recovery.handoff' },
          },
        },
        checkingSecurityAnswer: {
          description: 'Compared after normalising case, accents and spaces; a right answer only raises what the agent is told.',
          invoke: {
            src: 'checkSecurityAnswer',
            input: ({ context, event }) => ({
              conversationId: context.conversationId,
              subject: context.subject ?? '',
              questionId: context.securityQuestionId ?? 'first_pet',
              answer: event.type === 'SECURITY_ANSWER' ? event.value : '',
            }),
            onDone: { target: '#recovery.handoff', actions: 'rememberSecurityAnswerCheck' },
            onError: { target: '#recovery.handoff', actions: 'markSecurityAnswerUnavailable' },
          },
        },
      },
    },
    handoff: {
      description: 'A person takes over; the bot only keeps the person company until then.',
      entry: ['resetReprompts', 'requestHandoff', say('handoff_started', ['cancel'])],
      on: {
        CANCEL: [
          // A locked subject goes back to the lockout, never into the step that was checking a code.
          { guard: 'isHandoffFromLockout', target: 'lockedOut', actions: say('handoff_cancelled') },
          { target: 'journey.history', actions: say('handoff_cancelled') },
        ],
        HANDOFF_ENDED: { target: 'journey', actions: say('handoff_ended') },
        // The person stays in line and hears why; Cancel takes them back to the assistant.
        HANDOFF_FAILED: { actions: say('handoff_failed', ['cancel']) },
        // After hours: a ticket instead of an empty wait, then back where the person was.
        HANDOFF_DEFERRED: [
          { guard: 'isHandoffFromLockout', target: 'lockedOut', actions: say('handoff_ticket_filed') },
          { target: 'journey.history', actions: say('handoff_ticket_filed') },
        ],
        // The agent sent a fresh code (the send limits and lockout still apply): the bot checks it as usual.
        CODE_SENT_BY_AGENT: { guard: 'hasSubject', target: 'journey.awaitingCode', actions: ['rememberChannel', 'markCodeSent', 'sayCodeSent'] },
        // The password was changed with a link the agent sent.
        RESET_COMPLETED: { target: 'done' },
        START_OVER: { target: 'journey.identify', actions: ['startFresh', 'forgetProofs'] },
        UNRECOGNIZED: { actions: say('handoff_waiting', ['cancel']) },
      },
    },
    lockedOut: {
      description: 'Too many failures on this subject: self-service pauses; a person can still help.',
      entry: say('locked_out', ['agent']),
      on: {
        AGENT: { target: 'confirmingOwner', actions: { type: 'setHandoffReason', params: { reason: 'locked_out' } } },
        CANCEL: { target: 'cancelled' },
        UNRECOGNIZED: { actions: say('locked_out', ['agent']) },
      },
    },
    done: { type: 'final', description: 'The password was changed; the chat is told.', entry: say('reset_done') },
    cancelled: {
      type: 'final',
      description: 'The person stopped; their code, verification and reset link are dropped.',
      entry: ['forgetProofs', say('cancelled', ['recover'])],
    },
    timedOut: { type: 'final', description: 'Idle past the limit; the next message starts over.', entry: say('timed_out') },
  },
});

export type RecoveryMachine = typeof recoveryMachine;
