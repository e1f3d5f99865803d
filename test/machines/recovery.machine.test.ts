// Stories about the recovery chart on its own: services are test doubles, time arrives as TICK events,
// and what the chart says is read from its emitted `say` events. No network, store or clock involved.
import { describe, expect, it } from 'vitest';
import {
  createActor,
  fromPromise,
  initialTransition,
  transition,
  waitFor,
  type AnyStateNode,
  type Snapshot,
} from 'xstate';
import { recoveryMachine } from '../../machines/recovery.machine.js';
import type {
  CheckPaymentDetailsInput,
  CheckSecurityAnswerInput,
  HandoffInput,
  HoldCardDigitsInput,
  OwnerCheckOutput,
  PrepareOwnerCheckInput,
  PrepareOwnerCheckOutput,
  IssueLinkInput,
  IssueLinkOutput,
  LookupInput,
  LookupOutput,
  RecoveryEvent,
  RecoveryInput,
  SayEvent,
  SendCodeInput,
  SendCodeOutput,
  VerifyCodeInput,
  VerifyCodeOutput,
  VerifySecondFactorInput,
  VerifySecondFactorOutput,
} from '../../machines/recovery.types.js';

const IDLE_LIMIT_MS = 15 * 60_000;
const START = 1_700_000_000_000;
const input: RecoveryInput = {
  conversationId: 'conv-1',
  locale: 'en',
  now: START,
  idleLimitMs: IDLE_LIMIT_MS,
  repromptLimit: 3,
};

// --- Test doubles for the five services --------------------------------------------------------------

const verified: VerifyCodeOutput = { outcome: 'verified', secondFactors: [] };
const verifiedWith2fa: VerifyCodeOutput = { outcome: 'verified', secondFactors: ['totp', 'recovery'] };
const codeOutcome = (outcome: VerifyCodeOutput['outcome']): VerifyCodeOutput => ({ outcome, secondFactors: [] });
const serviceDown = () => new Error('service unavailable');

/** What each service answers, call after call; the last answer repeats. An Error makes the call fail. */
interface ServiceScript {
  lookupAccount: Array<LookupOutput | Error>;
  sendCode: Array<SendCodeOutput | Error>;
  verifyCode: Array<VerifyCodeOutput | Error>;
  verifySecondFactor: Array<VerifySecondFactorOutput | Error>;
  issueResetLink: Array<IssueLinkOutput | Error>;
  prepareOwnerCheck: Array<PrepareOwnerCheckOutput | Error>;
  checkPaymentDetails: Array<OwnerCheckOutput | Error>;
  checkSecurityAnswer: Array<OwnerCheckOutput | Error>;
}

const defaultScript: ServiceScript = {
  lookupAccount: [{ subject: 'subject-1' }],
  sendCode: [{ locked: false }],
  verifyCode: [verified],
  verifySecondFactor: [{ outcome: 'verified' }],
  issueResetLink: [{ url: 'https://reset.example.test/r/abc', validMinutes: 15 }],
  // Owner identification turned off: a handoff goes straight to the person (its own stories below turn it on).
  prepareOwnerCheck: [{ paymentDetails: 'off', securityQuestion: 'off', questionId: null }],
  checkPaymentDetails: [{ result: 'matched' }],
  checkSecurityAnswer: [{ result: 'matched' }],
};

function withServices(overrides: Partial<ServiceScript> = {}) {
  const script: ServiceScript = { ...defaultScript, ...overrides };
  const calls = {
    lookupAccount: [] as LookupInput[],
    sendCode: [] as SendCodeInput[],
    verifyCode: [] as VerifyCodeInput[],
    verifySecondFactor: [] as VerifySecondFactorInput[],
    issueResetLink: [] as IssueLinkInput[],
    prepareOwnerCheck: [] as PrepareOwnerCheckInput[],
    holdCardDigits: [] as HoldCardDigitsInput[],
    checkPaymentDetails: [] as CheckPaymentDetailsInput[],
    checkSecurityAnswer: [] as CheckSecurityAnswerInput[],
  };
  const answer = <T>(queue: Array<T | Error>): T => {
    const next = queue.length > 1 ? queue.shift()! : queue[0]!;
    if (next instanceof Error) throw next;
    return next;
  };
  const machine = recoveryMachine.provide({
    actors: {
      lookupAccount: fromPromise<LookupOutput, LookupInput>(async ({ input }) => {
        calls.lookupAccount.push(input);
        return answer(script.lookupAccount);
      }),
      sendCode: fromPromise<SendCodeOutput, SendCodeInput>(async ({ input }) => {
        calls.sendCode.push(input);
        return answer(script.sendCode);
      }),
      verifyCode: fromPromise<VerifyCodeOutput, VerifyCodeInput>(async ({ input }) => {
        calls.verifyCode.push(input);
        return answer(script.verifyCode);
      }),
      verifySecondFactor: fromPromise<VerifySecondFactorOutput, VerifySecondFactorInput>(async ({ input }) => {
        calls.verifySecondFactor.push(input);
        return answer(script.verifySecondFactor);
      }),
      issueResetLink: fromPromise<IssueLinkOutput, IssueLinkInput>(async ({ input }) => {
        calls.issueResetLink.push(input);
        return answer(script.issueResetLink);
      }),
      prepareOwnerCheck: fromPromise<PrepareOwnerCheckOutput, PrepareOwnerCheckInput>(async ({ input }) => {
        calls.prepareOwnerCheck.push(input);
        return answer(script.prepareOwnerCheck);
      }),
      holdCardDigits: fromPromise<void, HoldCardDigitsInput>(async ({ input }) => {
        calls.holdCardDigits.push(input);
      }),
      checkPaymentDetails: fromPromise<OwnerCheckOutput, CheckPaymentDetailsInput>(async ({ input }) => {
        calls.checkPaymentDetails.push(input);
        return answer(script.checkPaymentDetails);
      }),
      checkSecurityAnswer: fromPromise<OwnerCheckOutput, CheckSecurityAnswerInput>(async ({ input }) => {
        calls.checkSecurityAnswer.push(input);
        return answer(script.checkSecurityAnswer);
      }),
    },
  });
  return { machine, calls };
}

type TestMachine = ReturnType<typeof withServices>['machine'];

/** Flattens `{ journey: 'awaitingCode' }` to `journey.awaitingCode`. */
function stateOf(value: unknown): string {
  if (typeof value === 'string') return value;
  const [key, child] = Object.entries(value as Record<string, unknown>)[0] ?? ['?', ''];
  return child ? `${key}.${stateOf(child)}` : key;
}

/** A conversation with the chart, turn by turn, the way the engine runs it: send, then let services settle. */
function converse(machine: TestMachine, snapshot?: Snapshot<unknown>) {
  const actor = createActor(machine, snapshot ? { snapshot, input } : { input });
  const said: SayEvent[] = [];
  const handoffs: HandoffInput[] = [];
  actor.on('say', (event) => said.push(event));
  actor.on('handoff', (event) => handoffs.push(event.input));
  actor.start();
  // A new conversation opens in welcome, whose prompt the engine leaves unsaid; tests start after it.
  const opening = said.map((s) => s.key);
  let heard = said.length;
  return {
    actor,
    said,
    handoffs,
    async send(...events: RecoveryEvent[]) {
      for (const event of events) {
        actor.send(event);
        await waitFor(actor, (s) => s.status !== 'active' || Object.keys(s.children).length === 0);
      }
    },
    state: () => stateOf(actor.getSnapshot().value),
    context: () => actor.getSnapshot().context,
    opening,
    /** Keys said since the last call. */
    newKeys(): string[] {
      const keys = said.slice(heard).map((s) => s.key);
      heard = said.length;
      return keys;
    },
    persisted: () => JSON.stringify(actor.getPersistedSnapshot()),
  };
}

const GREET: RecoveryEvent = { type: 'GREET' };
const RECOVER: RecoveryEvent = { type: 'RECOVER' };
const EMAIL: RecoveryEvent = { type: 'EMAIL', value: 'x@y.com' };
const BY_EMAIL: RecoveryEvent = { type: 'CHOOSE_CHANNEL', channel: 'email' };
const DIGITS: RecoveryEvent = { type: 'DIGITS', value: '123456' };

/** How to reach each state that waits for the person, and the prompt that state asks with. */
interface Recipe {
  services?: Partial<ServiceScript>;
  events: RecoveryEvent[];
  prompt: string;
}
const waitingStates = {
  // Coming back to welcome says what the assistant can do.
  welcome: { events: [GREET], prompt: 'welcome_prompt' },
  identify: { events: [GREET, RECOVER], prompt: 'ask_identifier' },
  chooseChannel: { events: [GREET, RECOVER, EMAIL], prompt: 'ask_channel' },
  awaitingCode: { events: [GREET, RECOVER, EMAIL, BY_EMAIL], prompt: 'ask_code' },
  secondFactor: {
    services: { verifyCode: [verifiedWith2fa] },
    events: [GREET, RECOVER, EMAIL, BY_EMAIL, DIGITS],
    prompt: 'ask_second_factor',
  },
  linkIssued: { events: [GREET, RECOVER, EMAIL, BY_EMAIL, DIGITS], prompt: 'link_pending' },
  linkUnavailable: {
    services: { issueResetLink: [serviceDown()] },
    events: [GREET, RECOVER, EMAIL, BY_EMAIL, DIGITS],
    prompt: 'link_failed',
  },
} satisfies Record<string, Recipe>;
type WaitingState = keyof typeof waitingStates;
const waitingStateNames = Object.keys(waitingStates) as WaitingState[];

async function conversationIn(state: WaitingState) {
  const recipe: Recipe = waitingStates[state];
  const { machine, calls } = withServices(recipe.services);
  const c = converse(machine);
  await c.send(...recipe.events);
  expect(c.state()).toBe(`journey.${state}`);
  c.newKeys();
  return { ...c, calls, machine };
}

function leafStates(node: AnyStateNode): AnyStateNode[] {
  return (Object.values(node.states) as AnyStateNode[]).flatMap((child) =>
    child.type === 'atomic' || child.type === 'final' ? [child] : leafStates(child),
  );
}

// --- Stories ---------------------------------------------------------------------------------------

describe('happy path', () => {
  it('opens in welcome with its prompt, which the engine leaves unsaid for a new conversation', () => {
    const { machine } = withServices();
    expect(converse(machine).opening).toEqual(['welcome_prompt']);
  });

  it('without two-step verification: identifier, channel, code, link, then the reset page closes the journey', async () => {
    const { machine, calls } = withServices();
    const c = converse(machine);

    await c.send(GREET);
    expect(c.newKeys()).toEqual(['welcome']);
    await c.send(RECOVER);
    expect(c.newKeys()).toEqual(['ask_identifier']);
    await c.send(EMAIL);
    expect(c.newKeys()).toEqual(['ask_channel']);
    expect(calls.lookupAccount).toEqual([{ conversationId: 'conv-1', kind: 'email', value: 'x@y.com' }]);
    await c.send(BY_EMAIL);
    expect(c.newKeys()).toEqual(['code_sent_email', 'ask_code']);
    expect(calls.sendCode).toEqual([{ conversationId: 'conv-1', subject: 'subject-1', channel: 'email', locale: 'en' }]);
    await c.send(DIGITS);
    expect(c.newKeys()).toEqual(['code_verified', 'reset_link']);
    expect(c.said.at(-1)?.params).toEqual({ url: 'https://reset.example.test/r/abc', minutes: 15 });
    expect(c.state()).toBe('journey.linkIssued');
    expect(calls.verifySecondFactor).toEqual([]);

    await c.send({ type: 'RESET_COMPLETED' });
    expect(c.newKeys()).toEqual(['reset_done']);
    expect(c.state()).toBe('done');
    expect(c.actor.getSnapshot().status).toBe('done');
  });

  it('starts from an email typed straight into the welcome, without asking to recover first', async () => {
    const { machine } = withServices();
    const c = converse(machine);
    await c.send(GREET, { type: 'PHONE', value: '+34600111222' });
    expect(c.state()).toBe('journey.chooseChannel');
    expect(c.context().identifierKind).toBe('phone');
  });

  it('with two-step verification: the code alone does not issue a link, the second factor does', async () => {
    const { machine, calls } = withServices({ verifyCode: [verifiedWith2fa] });
    const c = converse(machine);
    await c.send(GREET, RECOVER, EMAIL, BY_EMAIL, DIGITS);
    expect(c.state()).toBe('journey.secondFactor');
    expect(c.said.slice(-2).map((s) => s.key)).toEqual(['code_verified', 'ask_second_factor']);
    expect(calls.issueResetLink).toEqual([]);
    expect(c.context()).toMatchObject({ codeVerified: true, secondFactorVerified: false });

    c.newKeys();
    await c.send({ type: 'DIGITS', value: '654321' });
    expect(calls.verifySecondFactor).toEqual([
      { conversationId: 'conv-1', subject: 'subject-1', kind: 'totp', value: '654321' },
    ]);
    expect(c.newKeys()).toEqual(['reset_link']);
    expect(c.state()).toBe('journey.linkIssued');
    expect(c.context().secondFactorVerified).toBe(true);
  });

  it('with two-step verification: a recovery code works as the second factor', async () => {
    const { machine, calls } = withServices({ verifyCode: [verifiedWith2fa] });
    const c = converse(machine);
    await c.send(GREET, RECOVER, EMAIL, BY_EMAIL, DIGITS);
    c.newKeys();
    await c.send({ type: 'USE_RECOVERY_CODE' });
    expect(c.newKeys()).toEqual(['ask_recovery_code']);
    await c.send({ type: 'RECOVERY_CODE', value: 'ABCD-EFGH-2345' });
    expect(calls.verifySecondFactor[0]).toMatchObject({ kind: 'recovery', value: 'ABCD-EFGH-2345' });
    expect(c.state()).toBe('journey.linkIssued');
  });

  it('after the link: questions get a reminder, and a new link can be asked for', async () => {
    const { machine, calls } = withServices();
    const c = converse(machine);
    await c.send(GREET, RECOVER, EMAIL, BY_EMAIL, DIGITS);
    c.newKeys();
    await c.send({ type: 'AFFIRM' }, { type: 'DENY' });
    expect(c.newKeys()).toEqual(['link_pending', 'link_pending']);
    await c.send({ type: 'NEW_LINK' });
    expect(c.newKeys()).toEqual(['reset_link']);
    expect(calls.issueResetLink).toHaveLength(2);
  });
});

describe('wrong, expired, exhausted and locked codes', () => {
  it.each([
    ['wrong', 'code_wrong'],
    ['expired', 'code_expired'],
    ['exhausted', 'code_exhausted'],
  ] as const)('a %s code goes back to waiting for a code, saying %s', async (outcome, key) => {
    const { machine } = withServices({ verifyCode: [codeOutcome(outcome), verified] });
    const c = converse(machine);
    await c.send(GREET, RECOVER, EMAIL, BY_EMAIL);
    c.newKeys();
    await c.send(DIGITS);
    expect(c.newKeys()).toEqual([key, 'ask_code']);
    expect(c.state()).toBe('journey.awaitingCode');
    expect(c.context().codeVerified).toBe(false);

    await c.send({ type: 'DIGITS', value: '222222' });
    expect(c.state()).toBe('journey.linkIssued');
  });

  it('a locked subject stops self-service: only a person or cancelling remain', async () => {
    const { machine } = withServices({ verifyCode: [codeOutcome('locked')] });
    const c = converse(machine);
    await c.send(GREET, RECOVER, EMAIL, BY_EMAIL);
    c.newKeys();
    await c.send(DIGITS);
    expect(c.newKeys()).toEqual(['locked_out']);
    expect(c.state()).toBe('lockedOut');
    expect(c.actor.getSnapshot().can(DIGITS)).toBe(false);
    expect(c.actor.getSnapshot().can({ type: 'RESEND' })).toBe(false);

    await c.send({ type: 'UNRECOGNIZED' });
    expect(c.newKeys()).toEqual(['locked_out']);
    await c.send({ type: 'AGENT' });
    expect(c.state()).toBe('handoff');
    expect(c.handoffs).toHaveLength(1);
  });

  it('a lockout reported when sending a code goes to lockedOut without saying a code was sent', async () => {
    const { machine } = withServices({ sendCode: [{ locked: true }] });
    const c = converse(machine);
    await c.send(GREET, RECOVER, EMAIL);
    c.newKeys();
    await c.send(BY_EMAIL);
    expect(c.newKeys()).toEqual(['locked_out']);
    expect(c.state()).toBe('lockedOut');
    await c.send({ type: 'CANCEL' });
    expect(c.state()).toBe('cancelled');
  });

  it('a locked second factor also locks self-service; a wrong one asks again', async () => {
    const { machine } = withServices({
      verifyCode: [verifiedWith2fa],
      verifySecondFactor: [{ outcome: 'wrong' }, { outcome: 'locked' }],
    });
    const c = converse(machine);
    await c.send(GREET, RECOVER, EMAIL, BY_EMAIL, DIGITS);
    c.newKeys();
    await c.send({ type: 'DIGITS', value: '000000' });
    expect(c.newKeys()).toEqual(['second_factor_wrong', 'ask_second_factor']);
    expect(c.state()).toBe('journey.secondFactor');
    await c.send({ type: 'DIGITS', value: '000001' });
    expect(c.newKeys()).toEqual(['locked_out']);
    expect(c.state()).toBe('lockedOut');
  });

  it('a second factor the person lost points to recovery codes and a person', async () => {
    const c = await conversationIn('secondFactor');
    await c.send({ type: 'LOST_2FA' });
    expect(c.said.at(-1)).toEqual({ type: 'say', key: 'lost_2fa', choices: ['use_recovery_code', 'agent'] });
    expect(c.state()).toBe('journey.secondFactor');
  });
});

describe('services that fail', () => {
  it('a failed lookup asks for the identifier again', async () => {
    const { machine } = withServices({ lookupAccount: [serviceDown(), { subject: 'subject-1' }] });
    const c = converse(machine);
    await c.send(GREET, RECOVER);
    c.newKeys();
    await c.send(EMAIL);
    expect(c.newKeys()).toEqual(['service_error', 'ask_identifier']);
    expect(c.state()).toBe('journey.identify');
    await c.send(EMAIL);
    expect(c.state()).toBe('journey.chooseChannel');
  });

  it('a failed send asks for a channel again', async () => {
    const { machine } = withServices({ sendCode: [serviceDown()] });
    const c = converse(machine);
    await c.send(GREET, RECOVER, EMAIL);
    c.newKeys();
    await c.send(BY_EMAIL);
    expect(c.newKeys()).toEqual(['send_failed', 'ask_channel']);
    expect(c.state()).toBe('journey.chooseChannel');
  });

  it('a failed check of the code asks for the code again', async () => {
    const { machine } = withServices({ verifyCode: [serviceDown()] });
    const c = converse(machine);
    await c.send(GREET, RECOVER, EMAIL, BY_EMAIL);
    c.newKeys();
    await c.send(DIGITS);
    expect(c.newKeys()).toEqual(['service_error', 'ask_code']);
    expect(c.state()).toBe('journey.awaitingCode');
  });

  it('a failed check of the second factor asks for it again', async () => {
    const { machine } = withServices({ verifyCode: [verifiedWith2fa], verifySecondFactor: [serviceDown()] });
    const c = converse(machine);
    await c.send(GREET, RECOVER, EMAIL, BY_EMAIL, DIGITS);
    c.newKeys();
    await c.send({ type: 'DIGITS', value: '654321' });
    expect(c.newKeys()).toEqual(['service_error', 'ask_second_factor']);
    expect(c.state()).toBe('journey.secondFactor');
  });

  it('a link that cannot be made offers to try again, and trying again can work', async () => {
    const { machine } = withServices({ issueResetLink: [serviceDown(), defaultScript.issueResetLink[0]!] });
    const c = converse(machine);
    await c.send(GREET, RECOVER, EMAIL, BY_EMAIL);
    c.newKeys();
    await c.send(DIGITS);
    expect(c.newKeys()).toEqual(['code_verified', 'link_failed']);
    expect(c.state()).toBe('journey.linkUnavailable');
    await c.send({ type: 'NEW_LINK' });
    expect(c.newKeys()).toEqual(['reset_link']);
    expect(c.state()).toBe('journey.linkIssued');
  });
});

describe('resend and switch channel', () => {
  it('resending sends a new code on the same channel and waits again', async () => {
    const { machine, calls } = withServices();
    const c = converse(machine);
    await c.send(GREET, RECOVER, EMAIL, { type: 'CHOOSE_CHANNEL', channel: 'sms' });
    c.newKeys();
    await c.send({ type: 'RESEND' });
    expect(c.newKeys()).toEqual(['resending', 'code_sent_sms', 'ask_code']);
    expect(calls.sendCode.map((call) => call.channel)).toEqual(['sms', 'sms']);
    expect(c.state()).toBe('journey.awaitingCode');
  });

  it('switching channel offers the three channels again and sends on the new one', async () => {
    const { machine, calls } = withServices();
    const c = converse(machine);
    await c.send(GREET, RECOVER, EMAIL, BY_EMAIL);
    c.newKeys();
    await c.send({ type: 'SWITCH_CHANNEL' });
    expect(c.newKeys()).toEqual(['ask_channel']);
    expect(c.said.at(-1)?.choices).toEqual(['channel_email', 'channel_alt_email', 'channel_sms']);
    await c.send({ type: 'CHOOSE_CHANNEL', channel: 'alt_email' });
    expect(c.newKeys()).toEqual(['code_sent_alt_email', 'ask_code']);
    expect(calls.sendCode.map((call) => call.channel)).toEqual(['email', 'alt_email']);
    expect(calls.lookupAccount).toHaveLength(1);
  });

  it('a code that did not arrive gets advice and the ways forward, without leaving the step', async () => {
    const c = await conversationIn('awaitingCode');
    await c.send({ type: 'CODE_NOT_RECEIVED' });
    expect(c.said.at(-1)).toEqual({
      type: 'say',
      key: 'code_not_received',
      choices: ['resend', 'switch_channel', 'agent'],
    });
    expect(c.state()).toBe('journey.awaitingCode');
  });

  it('a nudge while the code is pending offers the ways forward and stays; any other state ignores it', async () => {
    const c = await conversationIn('awaitingCode');
    await c.send({ type: 'NUDGE' });
    expect(c.newKeys()).toEqual(['nudge_code']);
    expect(c.said.at(-1)?.choices).toEqual(['resend', 'switch_channel', 'agent']);
    expect(c.state()).toBe('journey.awaitingCode');
    expect(c.actor.getSnapshot().context.reprompts, 'a nudge is not an unrecognised answer').toBe(0);
    for (const state of waitingStateNames.filter((name) => name !== 'awaitingCode')) {
      const other = await conversationIn(state);
      expect(other.actor.getSnapshot().can({ type: 'NUDGE' }), `NUDGE in ${state}`).toBe(false);
    }
  });
});

describe('interrupts from every state that waits for the person', () => {
  it('covers exactly the states tagged expects:* in the chart', () => {
    // The owner-identification questions before a handoff have stories of their own (below).
    const tagged = leafStates(recoveryMachine.root)
      .filter((node) => [...node.tags].some((tag) => tag.startsWith('expects:')) && !node.path.includes('confirmingOwner'))
      .map((node) => node.key);
    expect([...tagged].sort()).toEqual([...waitingStateNames].sort());
  });

  describe.each(waitingStateNames)('in %s', (state) => {
    it('CANCEL ends the conversation', async () => {
      const c = await conversationIn(state);
      await c.send({ type: 'CANCEL' });
      expect(c.newKeys()).toEqual(['cancelled']);
      expect(c.state()).toBe('cancelled');
      expect(c.actor.getSnapshot().status).toBe('done');
    });

    // Where the person asks tells the agent why: a missing code, a lost second factor, a broken link.
    const reasonByState: Partial<Record<WaitingState, string>> = {
      awaitingCode: 'code_not_received',
      secondFactor: 'lost_2fa',
      linkUnavailable: 'service_error',
    };
    const reason = reasonByState[state] ?? 'requested';
    it(`AGENT hands over with the reason "${reason}"`, async () => {
      const c = await conversationIn(state);
      await c.send({ type: 'AGENT' });
      expect(c.newKeys()).toEqual(['handoff_started']);
      expect(c.state()).toBe('handoff');
      expect(c.handoffs).toEqual([expect.objectContaining({ conversationId: 'conv-1', reason, locale: 'en' })]);
    });

    it('HELP answers and stays in the same step', async () => {
      const c = await conversationIn(state);
      await c.send({ type: 'HELP' });
      expect(c.newKeys()[0]).toBe('help');
      expect(c.state()).toBe(`journey.${state}`);
    });

    it('FAQ answers the topic and stays in the same step', async () => {
      const c = await conversationIn(state);
      await c.send({ type: 'FAQ', topic: 'spam_folder' });
      expect(c.newKeys()[0]).toBe('faq_spam_folder');
      expect(c.state()).toBe(`journey.${state}`);
    });

    for (const event of [{ type: 'HELP' }, { type: 'FAQ', topic: 'code_validity' }] as const) {
      it(`${event.type} then repeats the step's prompt`, async () => {
        const c = await conversationIn(state);
        await c.send(event);
        expect(c.newKeys().slice(1)).toEqual([waitingStates[state].prompt]);
      });
    }

    it('SET_LANGUAGE switches the locale and stays in the same step', async () => {
      const c = await conversationIn(state);
      await c.send({ type: 'SET_LANGUAGE', locale: 'es' });
      expect(c.newKeys()[0]).toBe('language_switched');
      expect(c.context().locale).toBe('es');
      expect(c.state()).toBe(`journey.${state}`);
    });

    it('PASSWORD_IN_CHAT warns and stays in the same step', async () => {
      const c = await conversationIn(state);
      await c.send({ type: 'PASSWORD_IN_CHAT' });
      expect(c.newKeys()[0]).toBe('password_in_chat');
      expect(c.state()).toBe(`journey.${state}`);
    });

    it('START_OVER forgets the account and asks for the identifier', async () => {
      const c = await conversationIn(state);
      await c.send({ type: 'START_OVER' });
      expect(c.newKeys()).toEqual(['starting_over', 'ask_identifier']);
      expect(c.state()).toBe('journey.identify');
      expect(c.context()).toMatchObject({
        subject: null,
        channel: null,
        secondFactors: [],
        codeVerified: false,
        secondFactorVerified: false,
        locale: 'en',
      });
    });
  });
});

describe('not understood', () => {
  it.each(['identify', 'awaitingCode'] as const)(
    'in %s: two misunderstandings re-ask, the third hands over to a person',
    async (state) => {
      const c = await conversationIn(state);
      const prompt = waitingStates[state].prompt;
      await c.send({ type: 'UNRECOGNIZED' });
      expect(c.newKeys()).toEqual(['not_understood', prompt]);
      await c.send({ type: 'UNRECOGNIZED' });
      expect(c.newKeys()).toEqual(['not_understood', prompt]);
      expect(c.state()).toBe(`journey.${state}`);
      await c.send({ type: 'UNRECOGNIZED' });
      expect(c.newKeys()).toEqual(['handoff_started']);
      expect(c.state()).toBe('handoff');
      expect(c.handoffs.at(-1)?.reason).toBe('not_understood');
    },
  );

  it('a service call in between starts the count again', async () => {
    const { machine } = withServices();
    const c = converse(machine);
    await c.send(GREET, RECOVER, { type: 'UNRECOGNIZED' }, { type: 'UNRECOGNIZED' }, EMAIL);
    expect(c.context().reprompts).toBe(0);
    await c.send({ type: 'UNRECOGNIZED' }, { type: 'UNRECOGNIZED' });
    expect(c.state()).toBe('journey.chooseChannel');
  });
});

describe('handoff and lockedOut', () => {
  async function inHandoff() {
    const c = await conversationIn('awaitingCode');
    await c.send({ type: 'AGENT' });
    c.newKeys();
    return c;
  }

  it('while waiting for a person: chatter is answered, and cancelling returns to the assistant', async () => {
    const c = await inHandoff();
    await c.send({ type: 'UNRECOGNIZED' });
    expect(c.newKeys()).toEqual(['handoff_waiting']);
    await c.send({ type: 'SET_LANGUAGE', locale: 'es' });
    expect(c.newKeys()).toEqual(['language_switched']);
    expect(c.state()).toBe('handoff');
    await c.send({ type: 'CANCEL' });
    // Back where the person was, with that step's prompt again.
    expect(c.newKeys()).toEqual(['handoff_cancelled', 'ask_code']);
    expect(c.state()).toBe('journey.awaitingCode');
  });

  it('when the person closes the handoff the assistant is back', async () => {
    const c = await inHandoff();
    await c.send({ type: 'HANDOFF_ENDED' });
    expect(c.newKeys()).toEqual(['handoff_ended', 'welcome_prompt']);
    expect(c.state()).toBe('journey.welcome');
  });

  it('the handoff request carries the channel the last code went to, and what was proven', async () => {
    const c = await conversationIn('awaitingCode');
    await c.send({ type: 'AGENT' });
    expect(c.handoffs.at(-1)).toEqual({
      conversationId: 'conv-1',
      subject: 'subject-1',
      reason: 'code_not_received',
      locale: 'en',
      channel: 'email',
      codeVerified: false,
      secondFactorVerified: false,
      ownerIdentification: { paymentDetails: 'off', securityQuestion: 'off' },
    });
  });

  it('when the agent hub fails, the person hears it, stays in line and can go back with Cancel', async () => {
    const c = await inHandoff();
    await c.send({ type: 'HANDOFF_FAILED' });
    expect(c.said.at(-1)).toEqual({ type: 'say', key: 'handoff_failed', choices: ['cancel'] });
    expect(c.newKeys()).toEqual(['handoff_failed']);
    expect(c.state()).toBe('handoff');
    await c.send({ type: 'CANCEL' });
    expect(c.newKeys()).toEqual(['handoff_cancelled', 'ask_code']);
    expect(c.state()).toBe('journey.awaitingCode');
  });

  it('after hours a filed ticket takes the person back where they were (or to the lockout)', async () => {
    const c = await inHandoff();
    await c.send({ type: 'HANDOFF_DEFERRED' });
    expect(c.newKeys()).toEqual(['handoff_ticket_filed', 'ask_code']);
    expect(c.state()).toBe('journey.awaitingCode');

    const { machine } = withServices({ verifyCode: [codeOutcome('locked')] });
    const locked = converse(machine);
    await locked.send(GREET, RECOVER, EMAIL, BY_EMAIL, DIGITS, { type: 'AGENT' }, { type: 'HANDOFF_DEFERRED' });
    expect(locked.state()).toBe('lockedOut');
  });

  it('a fresh code from the agent puts the person back to waiting for it, on that channel', async () => {
    const c = await inHandoff();
    await c.send({ type: 'CODE_SENT_BY_AGENT', channel: 'sms' });
    expect(c.newKeys()).toEqual(['code_sent_sms', 'ask_code']);
    expect(c.state()).toBe('journey.awaitingCode');
    expect(c.context()).toMatchObject({ channel: 'sms', subject: 'subject-1', codeVerified: false });
  });

  it('a fresh code is ignored when no account was ever looked up (nothing to send it to)', async () => {
    const { machine } = withServices();
    const c = converse(machine);
    await c.send(GREET, { type: 'AGENT' });
    expect(c.actor.getSnapshot().can({ type: 'CODE_SENT_BY_AGENT', channel: 'email' })).toBe(false);
    expect(c.state()).toBe('handoff');
  });

  it('a password changed with the link an agent sent finishes the conversation', async () => {
    const c = await inHandoff();
    await c.send({ type: 'RESET_COMPLETED' });
    expect(c.newKeys()).toEqual(['reset_done']);
    expect(c.state()).toBe('done');
  });

  it('START_OVER from the handoff asks for the identifier with a clean journey', async () => {
    const c = await inHandoff();
    await c.send({ type: 'START_OVER' });
    expect(c.newKeys()).toEqual(['ask_identifier']);
    expect(c.context()).toMatchObject({ subject: null, codeVerified: false });
  });

  it('AGENT from lockedOut hands over with the reason "locked_out"', async () => {
    const { machine } = withServices({ verifyCode: [codeOutcome('locked')] });
    const c = converse(machine);
    await c.send(GREET, RECOVER, EMAIL, BY_EMAIL, DIGITS, { type: 'AGENT' });
    expect(c.handoffs.at(-1)?.reason).toBe('locked_out');
  });

  it.each(['handoff', 'lockedOut'] as const)('PASSWORD_IN_CHAT is answered in %s', async (state) => {
    const { machine } = withServices({ verifyCode: [codeOutcome('locked')] });
    const c = converse(machine);
    await c.send(GREET, RECOVER, EMAIL, BY_EMAIL, DIGITS);
    if (state === 'handoff') await c.send({ type: 'AGENT' });
    expect(c.state()).toBe(state);
    expect(c.actor.getSnapshot().can({ type: 'PASSWORD_IN_CHAT' })).toBe(true);
  });

  it('after cancelling a not-understood handoff, one more misunderstanding only re-asks', async () => {
    const { machine } = withServices();
    const c = converse(machine);
    await c.send(GREET, RECOVER, { type: 'UNRECOGNIZED' }, { type: 'UNRECOGNIZED' }, { type: 'UNRECOGNIZED' });
    expect(c.state()).toBe('handoff');
    await c.send({ type: 'CANCEL' }, { type: 'UNRECOGNIZED' });
    // Cancelling the handoff resumes the step the person was at.
    expect(c.state()).toBe('journey.identify');
  });

  // Security: cancelling a handoff resumes the same subject with exactly what it had proven.
  it('after a handoff round trip the person resumes with the same subject and proofs', async () => {
    const { machine } = withServices({ lookupAccount: [{ subject: 'subject-mine' }], verifyCode: [verifiedWith2fa] });
    const c = converse(machine);
    await c.send(GREET, RECOVER, EMAIL, BY_EMAIL, DIGITS);
    await c.send({ type: 'AGENT' }, { type: 'CANCEL' });
    expect(c.state()).toBe('journey.secondFactor');
    expect(c.context()).toMatchObject({ subject: 'subject-mine', codeVerified: true, secondFactorVerified: false });
  });
});

describe('time', () => {
  it('a TICK within the idle limit only moves the clock', async () => {
    const c = await conversationIn('awaitingCode');
    await c.send({ type: 'TICK', at: START + IDLE_LIMIT_MS });
    expect(c.state()).toBe('journey.awaitingCode');
    expect(c.newKeys()).toEqual([]);
    expect(c.context()).toMatchObject({ now: START + IDLE_LIMIT_MS, lastActivityAt: START + IDLE_LIMIT_MS });
  });

  it('idle time counts from the last TICK, not from the start', async () => {
    const c = await conversationIn('awaitingCode');
    await c.send({ type: 'TICK', at: START + IDLE_LIMIT_MS }, { type: 'TICK', at: START + 2 * IDLE_LIMIT_MS });
    expect(c.state()).toBe('journey.awaitingCode');
  });

  it.each(['awaitingCode', 'handoff'] as const)('a TICK past the idle limit times out (in %s)', async (state) => {
    const c = await conversationIn('awaitingCode');
    if (state === 'handoff') await c.send({ type: 'AGENT' });
    c.newKeys();
    await c.send({ type: 'TICK', at: START + IDLE_LIMIT_MS + 1 });
    expect(c.newKeys()).toEqual(['timed_out']);
    expect(c.state()).toBe('timedOut');
    expect(c.actor.getSnapshot().status).toBe('done');
  });
});

describe('persistence', () => {
  it('a snapshot survives a JSON round trip and the journey continues where it was', async () => {
    const { machine, calls } = withServices();
    const first = converse(machine);
    await first.send(GREET, RECOVER, EMAIL, BY_EMAIL);
    const stored = first.persisted();
    first.actor.stop();

    const restored = converse(machine, JSON.parse(stored) as Snapshot<unknown>);
    expect(restored.state()).toBe('journey.awaitingCode');
    expect(restored.said).toEqual([]);
    expect(restored.context().subject).toBe('subject-1');
    await restored.send(DIGITS);
    expect(calls.verifyCode.at(-1)).toMatchObject({ subject: 'subject-1', code: '123456' });
    expect(restored.newKeys()).toEqual(['code_verified', 'reset_link']);
    await restored.send({ type: 'RESET_COMPLETED' });
    expect(restored.state()).toBe('done');
  });

  it('the deep history survives too: HELP after a restore returns to the restored step', async () => {
    const { machine } = withServices({ verifyCode: [verifiedWith2fa] });
    const first = converse(machine);
    await first.send(GREET, RECOVER, EMAIL, BY_EMAIL, DIGITS);
    const restored = converse(machine, JSON.parse(first.persisted()) as Snapshot<unknown>);
    await restored.send({ type: 'HELP' });
    expect(restored.newKeys()).toEqual(['help', 'ask_second_factor']);
    expect(restored.state()).toBe('journey.secondFactor');
  });

  it('a handoff restores as a handoff', async () => {
    const { machine } = withServices();
    const first = converse(machine);
    await first.send(GREET, { type: 'AGENT' });
    const restored = converse(machine, JSON.parse(first.persisted()) as Snapshot<unknown>);
    expect(restored.state()).toBe('handoff');
    await restored.send({ type: 'CANCEL' });
    expect(restored.newKeys()).toEqual(['handoff_cancelled', 'welcome_prompt']);
  });

  it('no context field ever holds an identifier or a code, and neither does a settled snapshot', async () => {
    const secrets = ['x@y.com', '+34600111222', '123456', '654321', 'ABCD-EFGH-2345'];
    const { machine, calls } = withServices({
      verifyCode: [verifiedWith2fa],
      verifySecondFactor: [{ outcome: 'wrong' }, { outcome: 'verified' }],
    });
    const c = converse(machine);
    const contexts: string[] = [];
    c.actor.subscribe((snapshot) => contexts.push(JSON.stringify(snapshot.context)));
    const persisted: string[] = [];
    const turns: RecoveryEvent[] = [
      GREET,
      { type: 'PHONE', value: '+34600111222' },
      { type: 'START_OVER' },
      EMAIL,
      BY_EMAIL,
      DIGITS,
      { type: 'DIGITS', value: '654321' },
      { type: 'RECOVERY_CODE', value: 'ABCD-EFGH-2345' },
    ];
    for (const turn of turns) {
      await c.send(turn);
      persisted.push(c.persisted());
    }
    expect(c.state()).toBe('journey.linkIssued');
    // The values did flow through the chart, to the services that needed them.
    expect(calls.lookupAccount.map((call) => call.value)).toEqual(['+34600111222', 'x@y.com']);
    expect(calls.verifyCode.map((call) => call.code)).toEqual(['123456']);
    expect(calls.verifySecondFactor.map((call) => call.value)).toEqual(['654321', 'ABCD-EFGH-2345']);

    expect(contexts.length).toBeGreaterThan(turns.length);
    for (const json of [...contexts, ...persisted]) {
      for (const secret of secrets) expect(json).not.toContain(secret);
    }
  });
});

describe('existence is not observable', () => {
  it('whatever subject the lookup returns, the same events yield byte-identical says', async () => {
    const events: RecoveryEvent[] = [
      GREET,
      RECOVER,
      EMAIL,
      { type: 'CHOOSE_CHANNEL', channel: 'sms' },
      { type: 'CODE_NOT_RECEIVED' },
      { type: 'RESEND' },
      { type: 'SWITCH_CHANNEL' },
      { type: 'CHOOSE_CHANNEL', channel: 'alt_email' },
      { type: 'DIGITS', value: '111111' },
      { type: 'HELP' },
      DIGITS,
      { type: 'AFFIRM' },
    ];
    const transcripts: string[] = [];
    for (const subject of ['subject-known', 'subject-unknown', '', 'ü'.repeat(64)]) {
      const { machine, calls } = withServices({
        lookupAccount: [{ subject }],
        verifyCode: [codeOutcome('wrong'), verified],
      });
      const c = converse(machine);
      await c.send(...events);
      expect(calls.sendCode.every((call) => call.subject === subject)).toBe(true);
      transcripts.push(JSON.stringify(c.said));
    }
    expect(new Set(transcripts).size).toBe(1);
  });
});

describe('stepping the pure transition function (no actions run)', () => {
  const invokeIdOf = (stateKey: string): string =>
    recoveryMachine.getStateNodeById(`recovery.journey.${stateKey}`).invoke[0]!.id;
  // What an invoked service sends back when it finishes; the chart's event type does not list it.
  const serviceDone = (stateKey: string, output: unknown) =>
    ({ type: `xstate.done.actor.${invokeIdOf(stateKey)}`, output }) as unknown as RecoveryEvent;

  function step(events: RecoveryEvent[]) {
    let [snapshot] = initialTransition(recoveryMachine, input);
    const said: string[] = [];
    const actionTypes: string[] = [];
    for (const event of events) {
      const [next, actions] = transition(recoveryMachine, snapshot, event);
      snapshot = next;
      for (const action of actions) {
        actionTypes.push(action.type);
        const emitted = (action.params as { event?: SayEvent } | undefined)?.event;
        // Built-in actions are typed as the chart's named ones; `emit` resolves to 'xstate.emit'.
        if ((action.type as string) === 'xstate.emit' && emitted?.type === 'say') said.push(emitted.key);
      }
    }
    return { snapshot, said, actionTypes };
  }

  const toVerifying: RecoveryEvent[] = [
    GREET,
    RECOVER,
    EMAIL,
    serviceDone('lookingUp', { subject: 'subject-1' }),
    BY_EMAIL,
    serviceDone('sendingCode', { locked: false }),
    DIGITS,
  ];

  it('walks to linkIssued with service results given as events, spawning but never running services', () => {
    const { snapshot, said, actionTypes } = step([
      ...toVerifying,
      serviceDone('verifyingCode', verified),
      serviceDone('issuingLink', { url: 'https://reset.example.test/r/x', validMinutes: 15 }),
    ]);
    expect(stateOf(snapshot.value)).toBe('journey.linkIssued');
    expect(said).toEqual([
      'welcome',
      'ask_identifier',
      'ask_channel',
      'code_sent_email',
      'ask_code',
      'code_verified',
      'reset_link',
    ]);
    expect(actionTypes.filter((type) => type === 'xstate.spawnChild')).toHaveLength(4);
  });

  it.each([
    [verifiedWith2fa, 'journey.secondFactor'],
    [verified, 'journey.issuingLink'],
    [codeOutcome('locked'), 'lockedOut'],
    [codeOutcome('expired'), 'journey.awaitingCode'],
    [codeOutcome('exhausted'), 'journey.awaitingCode'],
    [codeOutcome('wrong'), 'journey.awaitingCode'],
    [{ ...codeOutcome('wait'), waitSeconds: 30 }, 'journey.awaitingCode'],
  ])('verifyCode answering %j leads to %s', (output, expected) => {
    const { snapshot } = step([...toVerifying, serviceDone('verifyingCode', output)]);
    expect(stateOf(snapshot.value)).toBe(expected);
  });

  it('the first matching guard wins: "verified with second factors" never issues a link directly', () => {
    const { snapshot } = step([...toVerifying, serviceDone('verifyingCode', verifiedWith2fa)]);
    expect(snapshot.context.secondFactors).toEqual(['totp', 'recovery']);
    expect(Object.keys(snapshot.children)).toEqual([]);
  });
});

describe('owner identification before a handoff', () => {
  const asking: PrepareOwnerCheckOutput = { paymentDetails: 'ask', securityQuestion: 'ask', questionId: 'birth_city' };
  const CARD: RecoveryEvent = { type: 'CARD_DIGITS', value: '4242' };
  const POSTAL: RecoveryEvent = { type: 'POSTAL_CODE', value: '28013' };
  const ANSWER: RecoveryEvent = { type: 'SECURITY_ANSWER', value: 'Luna' };

  async function askingFromCode(services: Partial<ServiceScript> = {}) {
    const { machine, calls } = withServices({ prepareOwnerCheck: [asking], ...services });
    const c = converse(machine);
    await c.send(GREET, RECOVER, EMAIL, BY_EMAIL);
    c.newKeys();
    await c.send({ type: 'AGENT' });
    return { ...c, calls };
  }

  it('asks card digits, postal code and the catalog question, each skippable, then hands over with the results only', async () => {
    const c = await askingFromCode({ checkPaymentDetails: [{ result: 'not_matched' }], checkSecurityAnswer: [{ result: 'matched' }] });
    expect(c.said.at(-1)).toEqual({ type: 'say', key: 'ask_card_last4', choices: ['skip', 'agent'] });
    expect(c.state()).toBe('confirmingOwner.askingCardDigits');
    expect(c.handoffs).toEqual([]);
    await c.send(CARD);
    expect(c.newKeys()).toEqual(['ask_card_last4', 'ask_postal_code']);
    await c.send(POSTAL);
    expect(c.said.at(-1)).toEqual({ type: 'say', key: 'ask_security_question_birth_city', choices: ['skip', 'agent'] });
    await c.send(ANSWER);
    // Matched or not, the person hears the same: no oracle for guessing.
    expect(c.newKeys()).toEqual(['ask_security_question_birth_city', 'handoff_started']);
    expect(c.state()).toBe('handoff');
    expect(c.handoffs.at(-1)).toMatchObject({ reason: 'code_not_received', ownerIdentification: { paymentDetails: 'not_matched', securityQuestion: 'matched' } });
    expect(c.calls.holdCardDigits).toEqual([{ conversationId: 'conv-1', cardLast4: '4242' }]);
    expect(c.calls.checkPaymentDetails).toEqual([{ conversationId: 'conv-1', subject: 'subject-1', postalCode: '28013' }]);
    expect(c.calls.checkSecurityAnswer).toEqual([{ conversationId: 'conv-1', subject: 'subject-1', questionId: 'birth_city', answer: 'Luna' }]);
    // The chart keeps results, never the values.
    const persisted = c.persisted();
    for (const secret of ['4242', '28013', 'Luna']) expect(persisted).not.toContain(secret);
    // A right answer never leads anywhere near a reset link.
    expect(c.calls.issueResetLink).toEqual([]);
  });

  it('skipping everything hands over with "skipped", and skipping the card skips its postal code', async () => {
    const c = await askingFromCode();
    await c.send({ type: 'SKIP' });
    expect(c.newKeys()).toEqual(['ask_card_last4', 'ask_security_question_birth_city']);
    await c.send({ type: 'SKIP' });
    expect(c.state()).toBe('handoff');
    expect(c.handoffs.at(-1)?.ownerIdentification).toEqual({ paymentDetails: 'skipped', securityQuestion: 'skipped' });
    expect(c.calls.checkPaymentDetails).toEqual([]);
  });

  it('"agent" at any question goes straight to the person; what was left unanswered is "skipped"', async () => {
    const c = await askingFromCode();
    await c.send(CARD, POSTAL, { type: 'AGENT' });
    expect(c.state()).toBe('handoff');
    expect(c.handoffs.at(-1)?.ownerIdentification).toEqual({ paymentDetails: 'matched', securityQuestion: 'skipped' });
  });

  it('a bad answer gets a hint and the same step; help explains and asks again; cancel goes back', async () => {
    const c = await askingFromCode();
    c.newKeys();
    await c.send({ type: 'OWNER_ANSWER_INVALID' });
    expect(c.newKeys()).toEqual(['card_last4_hint']);
    await c.send(CARD, { type: 'OWNER_ANSWER_INVALID' });
    expect(c.newKeys()).toEqual(['ask_postal_code', 'postal_code_hint']);
    await c.send({ type: 'HELP' });
    expect(c.newKeys()).toEqual(['owner_check_help', 'ask_postal_code']);
    await c.send({ type: 'SET_LANGUAGE', locale: 'es' });
    expect(c.newKeys()).toEqual(['language_switched', 'ask_postal_code']);
    await c.send({ type: 'PASSWORD_IN_CHAT' });
    expect(c.newKeys()).toEqual(['password_in_chat', 'ask_postal_code']);
    await c.send({ type: 'CANCEL' });
    expect(c.newKeys()).toEqual(['handoff_cancelled', 'ask_code']);
    expect(c.state()).toBe('journey.awaitingCode');
    expect(c.handoffs).toEqual([]);
  });

  it('asks once per subject: a second handoff goes straight through with the first results', async () => {
    const c = await askingFromCode();
    await c.send(CARD, POSTAL, ANSWER, { type: 'CANCEL' }, { type: 'AGENT' });
    expect(c.state()).toBe('handoff');
    expect(c.calls.prepareOwnerCheck).toHaveLength(1);
    expect(c.handoffs.map((h) => h.ownerIdentification)).toEqual([
      { paymentDetails: 'matched', securityQuestion: 'matched' },
      { paymentDetails: 'matched', securityQuestion: 'matched' },
    ]);
  });

  it('with nobody named yet there is nothing to ask: straight to the person', async () => {
    const { machine, calls } = withServices({ prepareOwnerCheck: [asking] });
    const c = converse(machine);
    await c.send(GREET, { type: 'AGENT' });
    expect(c.state()).toBe('handoff');
    expect(calls.prepareOwnerCheck).toEqual([]);
    expect(c.handoffs.at(-1)?.ownerIdentification).toEqual({ paymentDetails: 'not_asked', securityQuestion: 'not_asked' });
  });

  it('what is off or not offered is not asked, and says so', async () => {
    const c = await askingFromCode({ prepareOwnerCheck: [{ paymentDetails: 'not_offered', securityQuestion: 'off', questionId: null }] });
    expect(c.state()).toBe('handoff');
    expect(c.handoffs.at(-1)?.ownerIdentification).toEqual({ paymentDetails: 'not_offered', securityQuestion: 'off' });
  });

  it('a directory that fails is "unavailable" and the person still reaches someone', async () => {
    const c = await askingFromCode({ checkPaymentDetails: [serviceDown()] });
    await c.send(CARD, POSTAL, { type: 'SKIP' });
    expect(c.handoffs.at(-1)?.ownerIdentification).toEqual({ paymentDetails: 'unavailable', securityQuestion: 'skipped' });
    const failed = await askingFromCode({ prepareOwnerCheck: [serviceDown()] });
    expect(failed.state()).toBe('handoff');
    expect(failed.handoffs.at(-1)?.ownerIdentification).toEqual({ paymentDetails: 'unavailable', securityQuestion: 'unavailable' });
  });

  it('a new identifier is a new subject: asked again from scratch', async () => {
    const c = await askingFromCode();
    await c.send({ type: 'SKIP' }, { type: 'SKIP' }, { type: 'CANCEL' }, { type: 'SWITCH_CHANNEL' }, EMAIL);
    expect(c.context()).toMatchObject({ ownerAsked: false, securityQuestionId: null, ownerIdentification: { paymentDetails: 'not_asked', securityQuestion: 'not_asked' } });
  });
});
