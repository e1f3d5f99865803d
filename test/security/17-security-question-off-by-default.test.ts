// SECURITY.md 17: a legacy security question is never enough on its own and is off by default. Where a company
// turns it on (SECURITY_QUESTION=on) it is asked only before a handoff, and a right answer only raises what
// the agent is told: with no code at all, a right answer ends in a handoff whose packet says "matched", and no
// reset link is said, minted or even mintable. Answers are compared after normalising case, accents and spaces,
// and wrong answers count toward the same lockout as wrong codes. The real app runs on the bot harness with the
// demo directory (Ana's question: first pet, "Luna"; Ben's: birth city, "Oakland").
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { securityQuestionIds } from '../../machines/recovery.types.js';
import { configSchema, loadConfig } from '../../src/config.js';
import { ANA, BEN, DANI } from '../transcripts/story.js';
import { keysOf, linkIn, servicesOf, stateOf, startApp, contextOf, type Harness } from './helpers.js';

const ANSWERS = [
  "my mother's maiden name is Smith",
  'the answer to my security question is Fluffy',
  'Fluffy',
  'mi primera mascota se llamaba Toby',
  'security answer: blue',
];

let off: Harness;
let on: Harness;
beforeAll(async () => {
  // The product's defaults: the harness sets neither OWNER_CHECK nor SECURITY_QUESTION.
  off = await startApp({ SENDS_PER_15_MINUTES: '10' });
  on = await startApp({ SECURITY_QUESTION: 'on' });
});
afterAll(async () => {
  await off?.close();
  await on?.close();
});

let n = 0;
/** Identifier given, a code on its way (never typed), then "talk to a person": the questions before the handoff. */
async function toOwnerQuestions(h: Harness, identifier: string, locale: 'en' | 'es' = 'en'): Promise<{ conv: string; keys: string[] }> {
  const conv = `sq-${++n}`;
  await h.send(conv, { text: locale === 'es' ? 'olvidé mi contraseña' : 'I forgot my password', locale });
  await h.send(conv, { text: identifier, locale });
  await h.send(conv, { value: { choice: 'channel_email' }, locale });
  const replies = await h.send(conv, { value: { choice: 'agent' }, locale });
  return { conv, keys: keysOf(locale, replies) };
}

const says = async (h: Harness, conv: string, what: string | { choice: string }) =>
  keysOf('en', await h.send(conv, typeof what === 'string' ? { text: what, locale: 'en' } : { value: what, locale: 'en' }));

const packetOf = async (h: Harness, conv: string) => (await h.app.handoff.caseFor(conv, 'security-review'))!.packet;

describe('the legacy security question (SECURITY.md 17)', () => {
  it('is off by default: the schema defaults to off, and a handoff never asks it', async () => {
    expect(configSchema.shape.SECURITY_QUESTION.parse(undefined)).toBe('off');
    expect(loadConfig({}).ownerCheck).toEqual({ paymentDetails: true, securityQuestion: false });
    for (const identifier of [ANA.email, BEN.email, 'nobody@example.com']) {
      const { conv, keys } = await toOwnerQuestions(off, identifier);
      expect(keys).toEqual(['ask_card_last4']);
      expect(await says(off, conv, { choice: 'skip' })).toEqual(['handoff_started', 'handoff_queue_no_estimate']);
      expect((await packetOf(off, conv)).ownerIdentification).toEqual({ paymentDetails: 'skipped', securityQuestion: 'off' });
    }
    const asked = off.audit.entries().filter((e) => e.event === 'security_answer');
    expect(asked).toEqual([]);
  });

  it('when on, a right answer alone (no code) ends in a handoff that says "matched", and never in a reset link', async () => {
    const { conv, keys } = await toOwnerQuestions(on, ANA.email);
    expect(keys).toEqual(['ask_card_last4']);
    expect(await says(on, conv, { choice: 'skip' })).toEqual(['ask_security_question_first_pet']);
    const replies = await on.send(conv, { text: 'Luna', locale: 'en' });
    const texts = replies.filter((r) => r.type === 'message').map((r) => r.text ?? '');
    expect(keysOf('en', replies)).toEqual(['handoff_started', 'handoff_queue_no_estimate']);
    expect(await stateOf(on, conv)).toBe('handoff');
    expect(linkIn(texts)).toBeNull();

    const packet = await packetOf(on, conv);
    expect(packet.ownerIdentification).toEqual({ paymentDetails: 'skipped', securityQuestion: 'matched' });
    expect(packet.factors.verified).toEqual([]);
    expect(JSON.stringify(packet)).not.toMatch(/luna/i);

    // Nothing was proven: no verification record, no link minted, and the reset service refuses to mint one.
    const { verification, reset } = servicesOf(on);
    expect(await verification.verificationOf(conv)).toBeNull();
    const { subject } = await contextOf(on, conv);
    await expect(reset.issueLink({ conversationId: conv, subject, locale: 'en' })).rejects.toThrow(/not verified/);
    const events = on.audit.entries().filter((e) => e.conversationId === conv).map((e) => `${e.event}:${e.outcome}`);
    expect(events).toContain('security_answer:matched');
    expect(events.filter((e) => /^(code_verified|second_factor_verified|reset_link_issued)/.test(e))).toEqual([]);
  });

  it.each([
    ['  LÚNA ', 'matched'],
    ['l u n a', 'matched'],
    ['Lüna', 'matched'],
    ['Lunas', 'not_matched'],
  ])('compares after normalising case, accents and spaces: %j is %s', async (answer, result) => {
    const { conv } = await toOwnerQuestions(on, ANA.email);
    await says(on, conv, { choice: 'skip' });
    await says(on, conv, answer);
    expect((await packetOf(on, conv)).ownerIdentification.securityQuestion).toBe(result);
  });

  it('asks an unknown identifier a catalog question too, the same one every time, and it never matches', async () => {
    const first = await toOwnerQuestions(on, 'nobody-17@example.com');
    await says(on, first.conv, { choice: 'skip' });
    const asked = (await says(on, (await toOwnerQuestions(on, 'nobody-17@example.com')).conv, { choice: 'skip' }))[0];
    expect(securityQuestionIds.map((id) => `ask_security_question_${id}`)).toContain(asked);
    const again = await toOwnerQuestions(on, 'nobody-17@example.com');
    expect(await says(on, again.conv, { choice: 'skip' })).toEqual([asked]);
    await says(on, again.conv, 'Luna');
    expect((await packetOf(on, again.conv)).ownerIdentification.securityQuestion).toBe('not_matched');
  });

  it('counts wrong answers toward the lockout like wrong codes: enough of them lock self-service for the account', async () => {
    const { policy } = servicesOf(on);
    for (let i = 0; i < policy.accountFailuresPerWindow; i++) {
      const { conv, keys } = await toOwnerQuestions(on, BEN.email);
      expect(keys, `try ${i + 1}`).toEqual(['ask_card_last4']);
      await says(on, conv, { choice: 'skip' });
      expect(await says(on, conv, `Springfield ${i}`)).toEqual(['handoff_started', 'handoff_queue_no_estimate']);
      await says(on, conv, { choice: 'cancel' });
    }
    // Counted just after each reply (so a wrong answer takes no longer than a right one).
    await vi.waitFor(() => {
      const ben = on.audit.entries().filter((e) => e.accountId === 'acct-ben');
      expect(ben.filter((e) => e.event === 'security_answer').map((e) => e.outcome)).toEqual(Array(policy.accountFailuresPerWindow).fill('wrong'));
      expect(ben.filter((e) => e.event === 'locked')).toHaveLength(1);
    });

    // Locked like after wrong codes: asking for a code now says self-service is paused; the right code would not help.
    const conv = `sq-locked-${++n}`;
    await on.send(conv, { text: 'I forgot my password', locale: 'en' });
    await on.send(conv, { text: BEN.email, locale: 'en' });
    expect(await says(on, conv, { choice: 'channel_email' })).toEqual(['locked_out']);
    // And a locked account is not asked again (nothing would be checked): straight to a person.
    expect(await says(on, conv, { choice: 'agent' })).toEqual(['handoff_started', 'handoff_queue_no_estimate']);
    expect((await packetOf(on, conv)).ownerIdentification).toEqual({ paymentDetails: 'not_asked', securityQuestion: 'not_asked' });
  });

  it.each(['identify', 'chooseChannel', 'awaitingCode'] as const)('gets no further with a "security answer" typed at %s', async (step) => {
    let k = 0;
    for (const answer of ANSWERS) {
      const conv = `answer-${step}-${++k}`;
      await off.say(conv, 'I forgot my password');
      if (step !== 'identify') await off.say(conv, DANI.email);
      if (step === 'awaitingCode') await off.press(conv, 'channel_email');
      const replies = await off.say(conv, answer);
      const after = await stateOf(off, conv);
      expect(replies.join(' '), `${answer}: no reset link`).not.toMatch(/\/reset\//);
      expect(['journey.verifyingCode', 'journey.issuingLink', 'journey.linkIssued', 'journey.secondFactor', 'done:done'], `${answer} at ${step}`).not.toContain(after);
    }
    const guarded = off.audit.entries().filter((e) => String(e.conversationId).startsWith(`answer-${step}`) && ['reset_link_issued', 'code_verified', 'security_answer'].includes(e.event));
    expect(guarded).toEqual([]);
  });
});
