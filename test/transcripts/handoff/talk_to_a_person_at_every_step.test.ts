// Wherever the bot is waiting, "talk to a person" hands the conversation over; the audit records the handoff
// and why, and cancelling the handoff brings the person back to the step they left.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HandoffReason } from '../../../machines/recovery.types.js';
import {
  CHANNEL_CHOICES,
  CODE_CHOICES,
  LOCALES,
  OWNER_CHOICES,
  SAYS,
  SECOND_FACTOR_CHOICES,
  WAITING_STATES,
  conversation,
  copy,
  line,
  play,
  press,
  reach,
  startStory,
  type Harness,
  type Line,
  type WaitingState,
} from '../story.js';

let h: Harness;
beforeAll(async () => {
  h = await startStory();
});
afterAll(() => h.close());

// Asking for a person while a code or a second factor is pending says what is probably wrong (README, chart).
const reasonAt: Record<WaitingState, HandoffReason> = {
  welcome: 'requested',
  identify: 'requested',
  chooseChannel: 'requested',
  awaitingCode: 'code_not_received',
  secondFactor: 'lost_2fa',
  linkIssued: 'requested',
};

describe.each(LOCALES)('talk to a person at every step (%s)', (locale) => {
  const { bot } = copy(locale);
  /** Where the person is in the line; nobody has been taken yet, so there is no wait estimate (src/handoff/). */
  const inLine = (position: number) => bot('handoff_queue_no_estimate', ['cancel'], { position });
  /** The prompt the step repeats when the person comes back to it (welcome and the link have none). */
  const promptAt: Record<WaitingState, Line[]> = {
    welcome: [bot('welcome_prompt', ['recover', 'agent'])],
    identify: [bot('ask_identifier', ['agent'])],
    chooseChannel: [bot('ask_channel', CHANNEL_CHOICES)],
    awaitingCode: [bot('ask_code', CODE_CHOICES)],
    secondFactor: [bot('ask_second_factor', SECOND_FACTOR_CHOICES)],
    linkIssued: [],
  };

  it.each(WAITING_STATES)('hands over from %s, and cancelling the handoff goes back there', async (state) => {
    const conv = conversation(`person-at-${state}`, locale);
    await reach(h, conv, locale, state);
    // Once the person said who they are, the owner questions come first (their own story covers them).
    const named = !['welcome', 'identify'].includes(state);
    await play(h, conv, locale, [
      ...(named
        ? ([
            [SAYS.agent[locale], [bot('ask_card_last4', OWNER_CHOICES)]],
            [press('skip'), [bot('handoff_started', ['cancel']), inLine(1)]],
          ] as const)
        : ([[SAYS.agent[locale], [bot('handoff_started', ['cancel']), inLine(1)]]] as const)),
      [SAYS.cancel[locale], [bot('handoff_cancelled'), ...promptAt[state]]],
    ]);
    const handoffs = h.audit.entries().filter((e) => e.event === 'handoff' && e.conversationId === conv);
    expect(handoffs.map((e) => e.outcome)).toEqual([reasonAt[state]]);
  });

  it('keeps the person company while they wait, saying their place in line again, and lets them leave', async () => {
    const conv = conversation('person-waiting', locale);
    await reach(h, conv, locale, 'identify');
    await play(h, conv, locale, [
      [SAYS.agent[locale], [bot('handoff_started', ['cancel']), inLine(1)]],
      ['?', [line(locale, 'handoff_waiting', ['cancel']), inLine(1)]],
      [SAYS.cancel[locale], [bot('handoff_cancelled'), ...promptAt.identify]],
    ]);
  });
});
