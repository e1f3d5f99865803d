// DELIVERY_TROUBLE in the chart alone (no engine, no store): said while a code is awaited, with the wording of the
// code's provider (the alternate email is email), once per code sent; a new code may be told again; anywhere else
// the chart does not take it.
import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, waitFor } from 'xstate';
import { recoveryMachine } from '../../machines/recovery.machine.js';
import type {
  Channel,
  LookupInput,
  LookupOutput,
  RecoveryEvent,
  SayEvent,
  SendCodeInput,
  SendCodeOutput,
  VerifyCodeInput,
  VerifyCodeOutput,
} from '../../machines/recovery.types.js';

const machine = recoveryMachine.provide({
  actors: {
    lookupAccount: fromPromise<LookupOutput, LookupInput>(async () => ({ subject: 'subject-1' })),
    sendCode: fromPromise<SendCodeOutput, SendCodeInput>(async () => ({ locked: false })),
    verifyCode: fromPromise<VerifyCodeOutput, VerifyCodeInput>(async () => ({ outcome: 'wrong', secondFactors: [] })),
  },
});

async function waitingOn(channel: Channel) {
  const said: SayEvent[] = [];
  const actor = createActor(machine, { input: { conversationId: 'conv-1', locale: 'en', now: 0, idleLimitMs: 60_000, repromptLimit: 3 } });
  actor.on('say', (e) => said.push(e));
  actor.start();
  const send = async (event: RecoveryEvent) => {
    said.length = 0;
    actor.send(event);
    await waitFor(actor, (s) => Object.keys(s.children).length === 0);
    return said.map((s) => (s.choices ? `${s.key} [${s.choices.join(', ')}]` : s.key));
  };
  await send({ type: 'EMAIL', value: 'x@y.com' });
  await send({ type: 'CHOOSE_CHANNEL', channel });
  expect(actor.getSnapshot().value).toEqual({ journey: 'awaitingCode' });
  return { actor, send };
}

describe('DELIVERY_TROUBLE', () => {
  it.each([
    ['sms', 'delivery_trouble_sms'],
    ['email', 'delivery_trouble_email'],
    ['alt_email', 'delivery_trouble_email'],
  ] as const)('waiting for a code by %s: says %s with another channel and a person, and stays', async (channel, key) => {
    const { actor, send } = await waitingOn(channel);
    expect(await send({ type: 'DELIVERY_TROUBLE' })).toEqual([`${key} [switch_channel, agent]`]);
    expect(actor.getSnapshot().value).toEqual({ journey: 'awaitingCode' });
  });

  it('is said once per code, a wrong code included; a resend may be told again', async () => {
    const { actor, send } = await waitingOn('sms');
    expect(await send({ type: 'DELIVERY_TROUBLE' })).toHaveLength(1);
    expect(actor.getSnapshot().can({ type: 'DELIVERY_TROUBLE' })).toBe(false);
    expect(await send({ type: 'DIGITS', value: '000000' })).toEqual(['code_wrong', 'ask_code [resend, switch_channel, code_not_received]']);
    expect(actor.getSnapshot().can({ type: 'DELIVERY_TROUBLE' })).toBe(false);

    await send({ type: 'RESEND' });
    expect(await send({ type: 'DELIVERY_TROUBLE' })).toEqual(['delivery_trouble_sms [switch_channel, agent]']);

    // On the way to a person the wait is over: nothing to offer.
    await send({ type: 'AGENT' });
    expect(actor.getSnapshot().can({ type: 'DELIVERY_TROUBLE' })).toBe(false);
  });

  it('is not taken anywhere but while a code is awaited', async () => {
    const actor = createActor(machine, { input: { conversationId: 'conv-2', locale: 'es', now: 0, idleLimitMs: 60_000, repromptLimit: 3 } });
    actor.start();
    expect(actor.getSnapshot().can({ type: 'DELIVERY_TROUBLE' })).toBe(false);
    actor.send({ type: 'RECOVER' });
    expect(actor.getSnapshot().can({ type: 'DELIVERY_TROUBLE' })).toBe(false);
  });
});
