// Whose fault a failed send is, with real providers: a real SMTP server and a local HTTP server standing in for
// Twilio and an SMS gateway. A refusal of one recipient never marks the channel (telling people would reveal an
// account) and is not retried; a provider failure on every try marks it; a delivery clears it; the mark heals by
// itself after its TTL.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { AuditLog, MemorySink } from '../../src/services/audit-log.js';
import { DeliveryError, deliveryFault } from '../../src/services/delivery-error.js';
import { DELIVERY_TROUBLE_TTL_MS, DeliveryHealth } from '../../src/services/delivery-health.js';
import { SmtpNotifier } from '../../src/services/email/smtp-notifier.js';
import { DeliveryQueue, type Notifier, type OutgoingMessage } from '../../src/services/notifier.js';
import { TwilioNotifier } from '../../src/services/sms/twilio-notifier.js';
import { WebhookNotifier } from '../../src/services/sms/webhook-notifier.js';
import { MemoryStore } from '../../src/stores/kv-store.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';

const email: OutgoingMessage = { channel: 'email', to: 'ana@example.com', subject: 'Code', text: 'Your code is 483920', purpose: 'code' };
const sms: OutgoingMessage = { channel: 'sms', to: '+14155550101', text: 'Your code is 483920', purpose: 'code' };

let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.map((close) => close()));
  closers = [];
});

async function smtp(options: Parameters<typeof startSmtpSink>[0] = {}): Promise<SmtpSink> {
  const sink = await startSmtpSink(options);
  closers.push(() => sink.close());
  return sink;
}
const mailer = (port: number) => new SmtpNotifier({ url: `smtp://127.0.0.1:${port}`, brand: 'StreamFlix Demo', timeoutMs: 2_000 });

async function http(status: number, body: object = {}): Promise<{ url: string; requests: () => number }> {
  let requests = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => requests };
}
const twilio = (url: string) =>
  new TwilioNotifier({ accountSid: 'AC0123456789abcdef0123456789abcdef', authToken: 'test-auth-token-0123456789abcdef', from: '+15005550006', baseUrl: url });
const webhook = (url: string) => new WebhookNotifier({ url, secret: 'webhook-secret-that-is-long-enough-0123456789' });

const faultOf = (notifier: Notifier, message: OutgoingMessage) =>
  notifier.send(message).then(
    () => 'delivered',
    (error: unknown) => {
      expect(error).toBeInstanceOf(DeliveryError);
      return deliveryFault(error);
    },
  );

describe('whose fault a failed send is', () => {
  it('SMTP: an unknown mailbox or a bad address is the recipient; relaying denied, 421, a login refused or no server is the provider', async () => {
    const unknownMailbox = await smtp({ onRcptTo: () => Object.assign(new Error('5.1.1 <ana@example.com>: Recipient address rejected'), { responseCode: 550 }) });
    const mailboxFull = await smtp({ onRcptTo: () => Object.assign(new Error('4.2.2 Mailbox full'), { responseCode: 452 }) });
    const relayDenied = await smtp({ onRcptTo: () => Object.assign(new Error('5.7.1 Relaying denied'), { responseCode: 550 }) });
    const closing = await smtp({ onConnect: () => Object.assign(new Error('Service not available'), { responseCode: 421 }) });
    const login = await smtp({ login: { user: 'clave', pass: 'right' } });
    const gone = await smtp();
    await gone.close();
    closers.pop();

    expect(await faultOf(mailer(unknownMailbox.port), email)).toBe('recipient');
    expect(await faultOf(mailer(mailboxFull.port), email)).toBe('recipient');
    expect(await faultOf(mailer(unknownMailbox.port), { ...email, to: 'ana@example.com, eve@example.net' })).toBe('recipient');
    expect(await faultOf(mailer(relayDenied.port), email)).toBe('provider');
    expect(await faultOf(mailer(closing.port), email)).toBe('provider');
    expect(await faultOf(new SmtpNotifier({ url: `smtp://clave:wrong@127.0.0.1:${login.port}`, brand: 'B' }), email)).toBe('provider');
    expect(await faultOf(mailer(gone.port), email)).toBe('provider');
  });

  it("Twilio: errors about the 'To' number are the recipient; 500, 429 and bad credentials are the provider", async () => {
    expect(await faultOf(twilio((await http(400, { code: 21211, message: 'Invalid To' })).url), sms)).toBe('recipient');
    expect(await faultOf(twilio((await http(400, { code: 21610, message: 'Unsubscribed' })).url), sms)).toBe('recipient');
    expect(await faultOf(twilio((await http(400, { code: 21606, message: "The 'From' number is not valid" })).url), sms)).toBe('provider');
    expect(await faultOf(twilio((await http(401, { code: 20003, message: 'Authenticate' })).url), sms)).toBe('provider');
    expect(await faultOf(twilio((await http(429, { code: 20429 })).url), sms)).toBe('provider');
    expect(await faultOf(twilio((await http(500, { code: 20500 })).url), sms)).toBe('provider');
  });

  it('SMS webhook: 400 and 422 are the recipient (the contract); 401, 404 and 503 are the gateway', async () => {
    expect(await faultOf(webhook((await http(400)).url), sms)).toBe('recipient');
    expect(await faultOf(webhook((await http(422)).url), sms)).toBe('recipient');
    expect(await faultOf(webhook((await http(401)).url), sms)).toBe('provider');
    expect(await faultOf(webhook((await http(404)).url), sms)).toBe('provider');
    expect(await faultOf(webhook((await http(503)).url), sms)).toBe('provider');
  });

  it('anything that is not a DeliveryError (a bug) counts against the provider', () => {
    expect(deliveryFault(new TypeError('boom'))).toBe('provider');
  });
});

describe('DeliveryHealth behind the delivery queue', () => {
  function setup() {
    const clock = new ManualClock(Date.now());
    const store = new MemoryStore(clock);
    const audit = new MemorySink();
    const results: string[] = [];
    const health = new DeliveryHealth({
      store,
      audit: new AuditLog([audit], clock),
      logger: { warn: () => undefined },
      onResult: (channel, result) => results.push(`${channel}:${result}`),
    });
    const queue = (notifier: Notifier) => new DeliveryQueue(notifier, { warn: () => undefined }, { attempts: 3, baseDelayMs: 5 }, health.outcome);
    return { clock, store, audit, results, health, queue };
  }

  it('a refused recipient is tried once, audited with the outcome only, and marks nothing', async () => {
    const { audit, results, health, queue } = setup();
    const gateway = await http(422);
    const q = queue(webhook(gateway.url));
    q.enqueue(sms);
    await q.drain();

    expect(gateway.requests()).toBe(1);
    expect(await health.isTroubled('sms')).toBe(false);
    expect(results).toEqual(['sms:recipient_refused']);
    const [entry] = audit.entries();
    expect(entry).toMatchObject({ event: 'delivery_failed', channel: 'sms', outcome: 'recipient_refused' });
    expect(audit.lines.join('\n')).not.toContain(sms.to);
  });

  it('a provider failing every try marks the channel (alt_email reads email), a later delivery clears it', async () => {
    const { results, health, queue } = setup();
    const broken = await http(503);
    const q = queue(webhook(broken.url));
    q.enqueue(sms);
    await q.drain();

    expect(broken.requests()).toBe(3);
    expect(await health.isTroubled('sms')).toBe(true);
    expect(await health.isTroubled('email')).toBe(false);
    expect(await health.isTroubled('alt_email')).toBe(false);

    const working = queue(webhook((await http(200)).url));
    working.enqueue(sms);
    await working.drain();
    expect(await health.isTroubled('sms')).toBe(false);
    expect(results).toEqual(['sms:provider_failed', 'sms:delivered']);

    const closed = await smtp({ onConnect: () => Object.assign(new Error('down'), { responseCode: 421 }) });
    const mail = queue(mailer(closed.port));
    mail.enqueue({ ...email, to: 'dani.backup@example.org' });
    await mail.drain();
    expect(await health.isTroubled('alt_email')).toBe(true);
    expect(await health.isTroubled('email')).toBe(true);
  });

  it('a mark nobody renews heals by itself after its TTL', async () => {
    const { clock, health, queue } = setup();
    const q = queue(webhook((await http(500)).url));
    q.enqueue(sms);
    await q.drain();
    expect(await health.isTroubled('sms')).toBe(true);

    clock.advance(DELIVERY_TROUBLE_TTL_MS - 1);
    expect(await health.isTroubled('sms')).toBe(true);
    clock.advance(1);
    expect(await health.isTroubled('sms')).toBe(false);
  });

  it('a store that cannot record the outcome does not turn a delivered message into a failed one', async () => {
    const clock = new ManualClock(Date.now());
    const store = new MemoryStore(clock);
    store.del = () => Promise.reject(new Error('store down'));
    const warnings: string[] = [];
    const failed: OutgoingMessage[] = [];
    const health = new DeliveryHealth({ store, audit: new AuditLog([], clock), logger: { warn: () => undefined } });
    const q = new DeliveryQueue(webhook((await http(200)).url), { warn: (_obj, msg) => warnings.push(msg) }, { attempts: 3, baseDelayMs: 5 }, {
      delivered: health.outcome.delivered!,
      failed: (message) => void failed.push(message),
    });
    q.enqueue(sms);
    await q.drain();
    expect(failed).toEqual([]);
    expect(warnings).toEqual(['delivery outcome not recorded']);
  });
});
