// The Bot Framework handoff protocol (HANDOFF_MODE=protocol): when the chart asks for a person, the channel
// receives botbuilder's own handoff.initiate event with the packet and the redacted transcript, and the
// hub's handoff.status events (built here with botbuilder's EventFactory) move the conversation on.
import { EventFactory, HandoffEventNames } from 'botbuilder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handoffPacketSchema } from '../../src/handoff/packet.js';
import { ownerIdentificationLine } from '../../src/handoff/ticket.js';
import {
  CHANNEL_CHOICES,
  CODE_CHOICES,
  DANI,
  conversation,
  copy,
  latestCode,
  linesOf,
  play,
  press,
  startStory,
  type Harness,
  type Reply,
} from '../transcripts/story.js';

let h: Harness;
beforeAll(async () => {
  h = await startStory({ HANDOFF_MODE: 'protocol' });
});
afterAll(() => h.close());

const events = (conv: string): Reply[] => (h.proactive.get(conv) ?? []).filter((a) => a.type === 'event');

/** A handoff.status event from the agent hub, made by botbuilder itself. */
function status(conv: string, state: 'accepted' | 'failed' | 'completed') {
  const activity = EventFactory.createHandoffStatus({ id: conv, isGroup: false, conversationType: 'personal', name: '' }, state);
  return h.send(conv, { ...activity, timestamp: new Date(h.clock.now()).toISOString(), locale: 'en-US' });
}

describe('the handoff protocol', () => {
  it('sends handoff.initiate to the channel with the packet and the redacted transcript, and no secret', async () => {
    const { bot } = copy('en');
    const conv = conversation('protocol-initiate', 'en');
    await play(h, conv, 'en', [
      ['I forgot my password', [bot('ask_identifier', ['agent'])]],
      [DANI.email, [bot('ask_channel', CHANNEL_CHOICES)]],
      [press('channel_email'), [bot('code_sent_email'), bot('ask_code', CODE_CHOICES)]],
    ]);
    const code = await latestCode(h, DANI.email);
    const wrong = code === '000000' ? '111111' : '000000';
    await play(h, conv, 'en', [
      [wrong, [bot('code_wrong'), bot('ask_code', CODE_CHOICES)]],
      // Owner identification first: Dani has no card on file, so these never match.
      [press('agent'), [bot('ask_card_last4', ['skip', 'agent'])]],
      ['7319', [bot('ask_postal_code', ['skip', 'agent'])]],
      ['SW1A 1AA', [bot('handoff_started', ['cancel'])]],
    ]);

    const [initiate, ...others] = events(conv);
    expect(others).toEqual([]);
    expect(initiate).toMatchObject({ type: 'event', name: HandoffEventNames.InitiateHandoff, conversation: { id: conv } });
    expect(HandoffEventNames.InitiateHandoff).toBe('handoff.initiate');
    const packet = handoffPacketSchema.parse(initiate!.value);
    expect(packet).toMatchObject({
      conversationId: conv,
      channelId: 'test',
      language: 'en',
      reason: 'code_not_received',
      accountId: 'acct-dani',
      ownerIdentification: { paymentDetails: 'not_matched', securityQuestion: 'off' },
      factors: { verified: [], failed: ['one_time_code'], failedAttempts: { one_time_code: 1, second_factor: 0 }, codeChannel: 'email' },
    });
    // EventFactory puts the transcript in a JSON attachment; the person's words are redacted in it.
    const attachments = initiate!.attachments as { contentType: string; name: string; content: { activities: { from: { role: string }; text: string }[] } }[];
    expect(attachments).toEqual([{ contentType: 'application/json', name: 'Transcript', content: { activities: expect.any(Array) } }]);
    const texts = attachments[0]!.content.activities.map((a) => `${a.from.role}: ${a.text}`);
    expect(texts).toContain('user: <email>');
    expect(texts).toContain('user: <number>');
    expect(texts).toContain(`bot: ${copy('en').t('code_wrong')}`);
    // The agent hub reads the owner checks' results first, and never the answers.
    expect(texts[0]).toBe(`bot: ${ownerIdentificationLine('en', packet.ownerIdentification)}`);
    expect(texts.filter((t) => t === 'user: <withheld answer>')).toHaveLength(2);
    expect(JSON.stringify(initiate)).not.toMatch(/SW1A/i);
    const raw = JSON.stringify(initiate);
    for (const secret of [DANI.email, code, wrong]) expect(raw).not.toContain(secret);

    // The hub accepts: the person hears a person joined.
    expect(linesOf(await status(conv, 'accepted'))).toEqual([bot('handoff_accepted')]);
    // The hub is done: back to the assistant.
    expect(linesOf(await status(conv, 'completed'))).toEqual([bot('handoff_ended'), bot('welcome_prompt', ['recover', 'agent'])]);
    const trail = h.audit.entries().filter((e) => e.conversationId === conv && e.event.startsWith('handoff'));
    expect(trail.map((e) => [e.event, e.outcome, e.agent ?? null])).toEqual([
      ['handoff', 'code_not_received', null],
      ['handoff_accepted', 'accepted', 'hub'],
      ['handoff_ended', 'hub_completed', 'hub'],
    ]);
  });

  it('a failed handoff is told to the person, who can go back to the assistant', async () => {
    const { bot } = copy('en');
    const conv = conversation('protocol-failed', 'en');
    await play(h, conv, 'en', [['talk to a person', [bot('handoff_started', ['cancel'])]]]);
    expect(events(conv).map((e) => e.name)).toEqual([HandoffEventNames.InitiateHandoff]);
    expect(linesOf(await status(conv, 'failed'))).toEqual([bot('handoff_failed', ['cancel'])]);
    expect(h.audit.entries().filter((e) => e.conversationId === conv && e.event === 'handoff_ended').map((e) => e.outcome)).toEqual(['hub_failed']);
    await play(h, conv, 'en', [[press('cancel'), [bot('handoff_cancelled'), bot('welcome_prompt', ['recover', 'agent'])]]]);
  });

  it('ignores a status for a conversation that is not handing off, and never runs the chart on one', async () => {
    const conv = conversation('protocol-stray', 'en');
    expect(linesOf(await status(conv, 'accepted'))).toEqual([]);
    expect(linesOf(await status(conv, 'completed'))).toEqual([]);
    expect(h.audit.entries().filter((e) => e.conversationId === conv)).toEqual([]);
    expect(linesOf(await h.send(conv, { type: 'event', name: HandoffEventNames.InitiateHandoff, value: { state: 'x' } }))).toEqual([]);
  });

  it('never sends the packet to the built-in web channel, which has no agent hub', async () => {
    const { bot } = copy('en');
    const conv = conversation('protocol-widget', 'en');
    // The stand-in channel would record the event if it were sent: only the path says "built-in channel".
    const serviceUrl = `${h.channelUrl}/directline-connector/some-key`;
    const replies = await h.send(conv, { text: 'talk to a person', locale: 'en-US', serviceUrl });
    expect(linesOf(replies)).toEqual([bot('handoff_started', ['cancel'])]);
    expect(events(conv)).toEqual([]);
  });

  it('has no agent console in protocol mode', async () => {
    expect((await fetch(`${h.baseUrl}/agent`)).status).toBe(404);
  });
});
