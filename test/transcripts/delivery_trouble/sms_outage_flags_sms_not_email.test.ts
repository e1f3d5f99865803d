// Twilio has an outage (a local HTTP server stands in for api.twilio.com and answers 500): Ben waits for a code by
// text, Dani for one by email (the development outbox, which works). Ben's next turn offers another channel; Dani's
// does not. A number Twilio refuses (400, error 21211) is that recipient's problem only: audited, never announced,
// and the channel is not marked. When Twilio answers again, the next text that gets through clears the mark.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryTroubleKey } from '../../../src/services/delivery-health.js';
import { BEN, CARLA, CHANNEL_CHOICES, CODE_CHOICES, DANI, act, conversation, copy, linesOf, press, startStory, type Harness } from '../story.js';

type TwilioAnswer = { status: number; body: object };
let answer: TwilioAnswer = { status: 500, body: { code: 20500, message: 'Internal Server Error', status: 500 } };
let requests = 0;
let twilio: Server;
let h: Harness;

beforeAll(async () => {
  twilio = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((r) => twilio.listen(0, '127.0.0.1', r));
  h = await startStory({
    TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
    TWILIO_AUTH_TOKEN: 'test-auth-token-0123456789abcdef',
    TWILIO_FROM: '+15005550006',
    TWILIO_BASE_URL: `http://127.0.0.1:${(twilio.address() as AddressInfo).port}`,
  });
});
afterAll(async () => {
  await h?.close();
  await new Promise<void>((r) => twilio?.close(() => r()));
});

async function toAwaitingCode(conv: string, locale: 'es' | 'en', identifier: string, channel: 'channel_sms' | 'channel_email'): Promise<void> {
  const { bot } = copy(locale);
  await act(h, conv, locale, locale === 'es' ? 'olvidé mi clave' : 'I forgot my password');
  expect(linesOf(await act(h, conv, locale, identifier))).toEqual([bot('ask_channel', CHANNEL_CHOICES)]);
  const sent = channel === 'channel_sms' ? 'code_sent_sms' : 'code_sent_email';
  expect(linesOf(await act(h, conv, locale, press(channel)))).toEqual([bot(sent), bot('ask_code', CODE_CHOICES)]);
}

const failures = () => h.audit.entries().filter((e) => e.event === 'delivery_failed').map(({ channel, outcome }) => ({ channel, outcome }));

describe('one recipient refused, then an SMS provider outage', () => {
  it('a number Twilio refuses is audited for the company, tried once, and never announced', async () => {
    answer = { status: 400, body: { code: 21211, message: "The 'To' number is not a valid phone number.", status: 400 } };
    const carla = conversation('sms-refused-carla', 'es');
    await toAwaitingCode(carla, 'es', CARLA.phone, 'channel_sms');
    await h.app.delivery.drain();

    expect(requests).toBe(1);
    expect(failures()).toEqual([{ channel: 'sms', outcome: 'recipient_refused' }]);
    expect(await h.app.store.get(deliveryTroubleKey('sms'))).toBeNull();
    expect(linesOf(await act(h, carla, 'es', press('code_not_received')))).toEqual([
      copy('es').bot('code_not_received', ['resend', 'switch_channel', 'agent']),
    ]);
  });

  it('a 500 on every try marks SMS and not email: Ben hears it, Dani does not', async () => {
    answer = { status: 500, body: { code: 20500, message: 'Internal Server Error', status: 500 } };
    const ben = conversation('sms-outage-ben', 'en');
    const dani = conversation('sms-outage-dani', 'en');
    await toAwaitingCode(ben, 'en', BEN.email, 'channel_sms');
    await toAwaitingCode(dani, 'en', DANI.email, 'channel_email');
    await h.app.delivery.drain();

    expect(requests).toBe(1 + 4);
    expect(failures()).toEqual([
      { channel: 'sms', outcome: 'recipient_refused' },
      { channel: 'sms', outcome: 'provider_failed' },
    ]);
    expect(await h.app.store.get(deliveryTroubleKey('sms'))).not.toBeNull();
    expect(await h.app.store.get(deliveryTroubleKey('email'))).toBeNull();

    const { bot } = copy('en');
    expect(linesOf(await act(h, ben, 'en', press('code_not_received')))).toEqual([
      bot('delivery_trouble_sms', ['switch_channel', 'agent']),
      bot('code_not_received', ['resend', 'switch_channel', 'agent']),
    ]);
    expect(linesOf(await act(h, dani, 'en', press('code_not_received')))).toEqual([bot('code_not_received', ['resend', 'switch_channel', 'agent'])]);

    const metrics = await (await fetch(`${h.baseUrl}/metrics`)).text();
    expect(metrics).toContain('clave_deliveries_total{via="sms",outcome="provider_failed"} 1');
    expect(metrics).toContain('clave_deliveries_total{via="sms",outcome="recipient_refused"} 1');
    expect(metrics).toContain('clave_deliveries_total{via="email",outcome="delivered"} 1');
  });

  it('when Twilio answers again, the next text that gets through clears the mark', async () => {
    answer = { status: 201, body: { sid: 'SM0123456789abcdef0123456789abcdef', status: 'queued' } };
    const carla = conversation('sms-back-carla', 'en');
    await toAwaitingCode(carla, 'en', CARLA.phone, 'channel_sms');
    await h.app.delivery.drain();

    expect(await h.app.store.get(deliveryTroubleKey('sms'))).toBeNull();
    expect(linesOf(await act(h, carla, 'en', press('code_not_received')))).toEqual([
      copy('en').bot('code_not_received', ['resend', 'switch_channel', 'agent']),
    ]);
  });
});
