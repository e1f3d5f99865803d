// The handoff packet: built from the chart's request, the verification records and the kept transcript, it
// tells the agent what happened and never holds a code, a password, a recovery code, an address or a link.
import { describe, expect, it } from 'vitest';
import { text } from '../../dialogs/catalog.js';
import type { HandoffInput, SayEvent } from '../../machines/recovery.types.js';
import { ManualClock } from '../../src/clock.js';
import { activityResult, buildPacket, handoffPacketSchema, transcriptActivities } from '../../src/handoff/packet.js';
import { consoleText } from '../../dialogs/pages/agent-console.js';
import { ownerIdentificationLine, ticketMessage } from '../../src/handoff/ticket.js';
import { redactForAgent, TranscriptRecorder } from '../../src/handoff/transcript.js';
import { MemoryStore } from '../../src/stores/kv-store.js';

const SECRETS = ['ana@example.com', '+14155550101', '482913', '7HQK-2M9D-XW4P-LC3R', 'Lighthouse-Paper-41', 'https://clave.test/reset/abc', '4242'];
const says = (...keys: string[]): SayEvent[] => keys.map((key) => ({ type: 'say', key }));
const read = (locale: 'es' | 'en', key: string) => text(locale, key, { brand: 'StreamFlix Demo', minutes: 10, digits: 6, url: '<url>' });

async function recordedConversation() {
  const clock = new ManualClock(1_700_000_000_000);
  const recorder = new TranscriptRecorder(new MemoryStore(clock), clock, 3_600_000);
  const c = 'conv-packet';
  await recorder.record(c, { greet: true }, says('welcome'));
  clock.advance(5_000);
  await recorder.record(c, { text: 'I forgot my password' }, says('ask_identifier'));
  await recorder.record(c, { text: 'ana@example.com' }, says('ask_channel'));
  await recorder.record(c, { text: 'Email', value: { choice: 'channel_email' } }, says('code_sent_email', 'ask_code'));
  await recorder.record(c, { text: '482913' }, says('code_wrong', 'ask_code'));
  await recorder.record(c, { text: 'my password is Lighthouse-Paper-41' }, says('password_in_chat', 'ask_code'));
  await recorder.record(c, { text: 'Lighthouse-Paper-41' }, says('password_in_chat', 'ask_code'));
  await recorder.record(c, { text: 'or maybe 7HQK-2M9D-XW4P-LC3R, card 4242, call +14155550101' }, says('not_understood', 'ask_code'));
  await recorder.record(c, { text: 'x', value: { choice: 'not_a_button' } }, says('not_understood'));
  clock.advance(60_000);
  await recorder.record(c, { text: 'talk to a person' }, says('handoff_started'));
  return { clock, transcript: await recorder.read(c) };
}

const input: HandoffInput = {
  conversationId: 'conv-packet',
  subject: 'opaque-subject',
  reason: 'code_not_received',
  locale: 'en',
  channel: 'email',
  codeVerified: false,
  secondFactorVerified: false,
  ownerIdentification: { paymentDetails: 'not_matched', securityQuestion: 'off' },
};

describe('the transcript kept for a handoff', () => {
  it('keeps the person’s words redacted, buttons by name, bot replies by key, and never a password', async () => {
    const { transcript } = await recordedConversation();
    expect(transcript?.turns.map((t) => t.person)).toEqual([
      null,
      { text: 'I forgot my password' },
      { text: '<email>' },
      { choice: 'channel_email' },
      { text: '<number>' },
      { withheld: 'password' },
      { withheld: 'password' },
      { text: 'or maybe <secret> card <number>, call <phone>' },
      null,
      { text: 'talk to a person' },
    ]);
    expect(transcript?.turns.at(-1)?.bot).toEqual(['handoff_started']);
    expect(transcript?.failures).toEqual({ code: 1, secondFactor: 0 });
    const raw = JSON.stringify(transcript);
    for (const secret of SECRETS) expect(raw).not.toContain(secret);
  });

  it('keeps only the last turns', async () => {
    const clock = new ManualClock();
    const recorder = new TranscriptRecorder(new MemoryStore(clock), clock, 3_600_000, 3);
    for (let i = 0; i < 5; i++) await recorder.record('c', { text: `message ${i}` }, says('not_understood'));
    expect((await recorder.read('c'))?.turns.map((t) => t.person)).toEqual([{ text: 'message 2' }, { text: 'message 3' }, { text: 'message 4' }]);
  });

  it('redacts for the agent the way it redacts for the language model, plus recovery codes', () => {
    expect(redactForAgent('mi correo es ana@example.com y el código 123 456')).toBe('mi correo es <email> y el código <number>');
    expect(redactForAgent('B8NZ6TJFQ2VAM5YE')).toBe('<secret>');
    expect(redactForAgent('internationalism')).toBe('internationalism');
    expect(redactForAgent('Hunter2!Hunter2!')).toBeNull();
  });
});

describe('the handoff packet', () => {
  it('says why, what was proven and what failed, the account id, activity and time spent', async () => {
    const { clock, transcript } = await recordedConversation();
    const packet = buildPacket({
      input,
      channelId: 'webchat',
      now: clock.now(),
      accountId: 'acct-ana',
      activity: activityResult('acct-ana', { signIns: [{ at: '2025-01-01T10:00:00.000Z', success: false, device: 'Chrome', location: 'Madrid, ES' }], devices: [] }),
      transcript,
      secondFactorRequired: null,
    });
    expect(handoffPacketSchema.parse(packet)).toEqual(packet);
    expect(packet).toMatchObject({
      language: 'en',
      reason: 'code_not_received',
      channelId: 'webchat',
      accountId: 'acct-ana',
      ownerIdentification: { paymentDetails: 'not_matched', securityQuestion: 'off' },
      timeSpentSeconds: 65,
      factors: { verified: [], failed: ['one_time_code'], failedAttempts: { one_time_code: 1, second_factor: 0 }, codeChannel: 'email', lockedOut: false },
      recentActivity: { status: 'ok' },
    });
    const raw = JSON.stringify(packet);
    for (const secret of ['ana@example.com', '+14155550101', '482913', '7HQK-2M9D-XW4P-LC3R', 'Lighthouse-Paper-41', 'opaque-subject']) {
      expect(raw).not.toContain(secret);
    }
  });

  it('without an account says so, and shows no activity', () => {
    const packet = buildPacket({ input: { ...input, subject: null, channel: null }, channelId: null, now: 0, accountId: null, activity: activityResult(null, null), transcript: null, secondFactorRequired: null });
    expect(packet.accountId).toBeNull();
    expect(packet.recentActivity).toEqual({ status: 'no_account' });
    expect(packet.timeSpentSeconds).toBe(0);
  });

  it('becomes a Bot Framework transcript and a ticket without a secret', async () => {
    const { clock, transcript } = await recordedConversation();
    const packet = buildPacket({ input, channelId: 'webchat', now: clock.now(), accountId: 'acct-ana', activity: activityResult('acct-ana', null), transcript, secondFactorRequired: null });
    const activities = transcriptActivities(packet, read).activities;
    expect(activities[0]).toMatchObject({ type: 'message', from: { role: 'bot' }, text: read('en', 'welcome') });
    expect(activities).toContainEqual(expect.objectContaining({ from: { role: 'user' }, text: '<withheld password>' }));
    const ticket = ticketMessage(packet, { to: 'support@example.com', brand: 'StreamFlix Demo', read });
    expect(ticket).toMatchObject({ channel: 'email', purpose: 'support_ticket', to: 'support@example.com' });
    expect(ticket.text).toContain('acct-ana');
    for (const secret of SECRETS) {
      expect(JSON.stringify(activities)).not.toContain(secret);
      expect(ticket.text).not.toContain(secret);
    }
  });
});

describe('owner identification in the packet', () => {
  it('keeps no answer in the transcript, and tells the agent only whether they matched', async () => {
    const clock = new ManualClock();
    const recorder = new TranscriptRecorder(new MemoryStore(clock), clock, 3_600_000);
    await recorder.record('o', { text: 'talk to a person' }, says('ask_card_last4'));
    await recorder.record('o', { text: '4242' }, says('ask_postal_code'), true);
    await recorder.record('o', { text: ' sw1a 1aa ' }, says('ask_security_question_first_pet'), true);
    await recorder.record('o', { text: '  LÚNA ' }, says('handoff_started'), true);
    await recorder.record('o', { value: { choice: 'skip' } }, says('handoff_started'), true);
    const transcript = await recorder.read('o');
    expect(transcript?.turns.map((t) => t.person)).toEqual([
      { text: 'talk to a person' },
      { withheld: 'answer' },
      { withheld: 'answer' },
      { withheld: 'answer' },
      { choice: 'skip' },
    ]);
    const owner = { paymentDetails: 'matched', securityQuestion: 'not_matched' } as const;
    const packet = buildPacket({ input: { ...input, ownerIdentification: owner }, channelId: 'webchat', now: clock.now(), accountId: 'acct-ana', activity: activityResult('acct-ana', null), transcript, secondFactorRequired: null });
    expect(packet.version).toBe(2);
    expect(packet.ownerIdentification).toEqual(owner);
    const activities = transcriptActivities(packet, read, ownerIdentificationLine).activities;
    expect(activities[0]).toMatchObject({ from: { role: 'bot' }, value: { ownerIdentification: owner } });
    expect(String(activities[0]!.text)).toContain(consoleText('en', 'owner_matched').toLowerCase());
    expect(String(activities[0]!.text)).toContain(consoleText('en', 'owner_not_matched').toLowerCase());
    expect(activities.filter((a) => a.text === '<withheld answer>')).toHaveLength(3);
    const ticket = ticketMessage(packet, { to: 'support@example.com', brand: 'StreamFlix Demo', read });
    expect(ticket.text).toContain(`${consoleText('en', 'field_owner_payment')}: ${consoleText('en', 'owner_matched')}`);
    expect(ticket.text).toContain(`${consoleText('en', 'field_owner_question')}: ${consoleText('en', 'owner_not_matched')}`);
    for (const place of [JSON.stringify(packet), JSON.stringify(activities), ticket.text]) {
      for (const secret of ['4242', 'SW1A', 'sw1a', 'LÚNA', 'luna', 'Luna']) expect(place).not.toContain(secret);
    }
    // A packet with an answer in its transcript does not even pass the schema.
    expect(() => handoffPacketSchema.parse({ ...packet, ownerIdentification: { paymentDetails: '4242', securityQuestion: 'off' } })).toThrow();
  });
});
