// The mail server is down (a real SMTP server that answers every connection with 421 and hangs up). Ana asked
// for her code by email; once the delivery queue has given up on it, her next turn says emails are delayed and
// offers another channel, once for that code, and then goes on as usual. Someone whose address matches no account
// (nothing was ever sent for them) hears exactly the same, byte for byte: the news is about the channel, never
// about a send. Someone who says nothing hears it with the nudge. When the server is back, the next email that gets
// through clears it.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { deliveryTroubleKey } from '../../../src/services/delivery-health.js';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink.js';
import { visible } from '../../security/helpers.js';
import { ANA, CHANNEL_CHOICES, CODE_CHOICES, DANI, act, conversation, copy, linesOf, press, startStory, type Harness, type Reply } from '../story.js';

let sink: SmtpSink;
let h: Harness;
let down = true;
/** NUDGE_AFTER_SECONDS' default. */
const POLICY_NUDGE_MS = 120_000;

beforeAll(async () => {
  sink = await startSmtpSink({
    onConnect: () => (down ? Object.assign(new Error('Service not available, closing transmission channel'), { responseCode: 421 }) : null),
  });
  h = await startStory({ SMTP_URL: `smtp://127.0.0.1:${sink.port}`, SENDS_PER_15_MINUTES: '10' });
});
afterAll(async () => {
  await h?.close();
  await sink?.close();
});

/** Opener, identifier, email: the conversation waits for a code. */
async function toAwaitingCode(conv: string, locale: 'es' | 'en', identifier: string): Promise<void> {
  const { bot } = copy(locale);
  await act(h, conv, locale, locale === 'es' ? 'olvidé mi clave' : 'I forgot my password');
  expect(linesOf(await act(h, conv, locale, identifier))).toEqual([bot('ask_channel', CHANNEL_CHOICES)]);
  expect(linesOf(await act(h, conv, locale, press('channel_email')))).toEqual([bot('code_sent_email'), bot('ask_code', CODE_CHOICES)]);
}

describe('the email provider is down', () => {
  const ana = conversation('email-outage-ana', 'en');
  const nobody = conversation('email-outage-nobody', 'en');
  const dani = conversation('email-outage-dani', 'es');
  const later = conversation('email-outage-later', 'en');
  let anaTurn: Reply[];
  let nobodyTurn: Reply[];

  beforeAll(async () => {
    await toAwaitingCode(ana, 'en', ANA.email);
    await toAwaitingCode(nobody, 'en', 'nobody-at-all@example.net');
    await toAwaitingCode(dani, 'es', DANI.email);
    await toAwaitingCode(later, 'en', 'someone-else@example.net');
    // Every try of both emails (Ana's, Dani's) is refused; the queue gives up after its back-off.
    await h.app.delivery.drain();
  }, 30_000);

  it('really refused every try, and marked the email channel (not SMS) in the store', async () => {
    expect(sink.received).toHaveLength(0);
    expect(await h.app.store.get(deliveryTroubleKey('email'))).not.toBeNull();
    expect(await h.app.store.get(deliveryTroubleKey('sms'))).toBeNull();
    const failures = h.audit.entries().filter((e) => e.event === 'delivery_failed');
    // The outcome only: nothing says whose message it was.
    expect(failures).toEqual([
      expect.objectContaining({ event: 'delivery_failed', channel: 'email', outcome: 'provider_failed' }),
      expect.objectContaining({ event: 'delivery_failed', channel: 'email', outcome: 'provider_failed' }),
    ]);
    for (const entry of failures) expect(Object.keys(entry).sort()).toEqual(['audit', 'channel', 'event', 'outcome', 'time']);
  });

  it("a typed code is checked as usual: it needs no 'try another channel'", async () => {
    const { bot } = copy('en');
    expect(linesOf(await act(h, ana, 'en', '000000'))).toEqual([bot('code_wrong'), bot('ask_code', CODE_CHOICES)]);
  });

  it("Ana's next turn says emails are delayed and offers another channel, then answers what she asked", async () => {
    const { bot } = copy('en');
    anaTurn = await act(h, ana, 'en', press('code_not_received'));
    expect(linesOf(anaTurn)).toEqual([
      bot('delivery_trouble_email', ['switch_channel', 'agent']),
      bot('code_not_received', ['resend', 'switch_channel', 'agent']),
    ]);
  });

  it('an identifier with no account, for which nothing was ever sent, gets the byte-identical turn', async () => {
    nobodyTurn = await act(h, nobody, 'en', press('code_not_received'));
    expect(nobodyTurn.map((r) => visible(r, nobody))).toEqual(anaTurn.map((r) => visible(r, ana)));
  });

  it('is said in Spanish to a conversation in Spanish', async () => {
    const { bot } = copy('es');
    expect(linesOf(await act(h, dani, 'es', press('code_not_received')))).toEqual([
      bot('delivery_trouble_email', ['switch_channel', 'agent']),
      bot('code_not_received', ['resend', 'switch_channel', 'agent']),
    ]);
  });

  it('is said once per code, not every turn', async () => {
    const { bot } = copy('en');
    expect(linesOf(await act(h, ana, 'en', press('code_not_received')))).toEqual([bot('code_not_received', ['resend', 'switch_channel', 'agent'])]);
  });

  it('the offered button takes the person to the channel menu', async () => {
    const { bot } = copy('en');
    expect(linesOf(await act(h, nobody, 'en', press('switch_channel')))).toEqual([bot('ask_channel', CHANNEL_CHOICES)]);
  });

  it('when the server is back, the next email that gets through clears it for everyone', async () => {
    const { bot } = copy('en');
    down = false;
    expect(linesOf(await act(h, ana, 'en', press('resend')))).toEqual([bot('resending'), bot('code_sent_email'), bot('ask_code', CODE_CHOICES)]);
    await h.app.delivery.drain();
    expect(sink.received.map((m) => m.envelope.to)).toEqual([[ANA.email]]);
    expect(await h.app.store.get(deliveryTroubleKey('email'))).toBeNull();
    // Waiting since the outage, and never told: nothing to tell any more.
    expect(linesOf(await act(h, later, 'en', press('code_not_received')))).toEqual([bot('code_not_received', ['resend', 'switch_channel', 'agent'])]);
  });

  it('someone who says nothing hears it with the nudge ("Didn\'t get the code?")', async () => {
    const { bot } = copy('en');
    const quiet = conversation('email-outage-quiet', 'en');
    await toAwaitingCode(quiet, 'en', 'quiet-person@example.net');
    down = true;
    await act(h, ana, 'en', press('resend'));
    await h.app.delivery.drain();
    expect(await h.app.store.get(deliveryTroubleKey('email'))).not.toBeNull();

    h.clock.advance(POLICY_NUDGE_MS + 1_000);
    // The poller runs on real timers; the nudge's turn goes out as one proactive message after another.
    await vi.waitFor(() => expect(linesOf(h.proactive.get(quiet) ?? []).length).toBeGreaterThanOrEqual(2), { timeout: 5_000, interval: 50 });
    expect(linesOf(h.proactive.get(quiet)!)).toEqual([
      bot('delivery_trouble_email', ['switch_channel', 'agent']),
      bot('nudge_code', ['resend', 'switch_channel', 'agent']),
    ]);
  }, 20_000);
});
