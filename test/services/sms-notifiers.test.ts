// SMS through Twilio's Messages API (a local node:http server stands in for api.twilio.com) and through the
// signed webhook: what is sent, how errors read (the provider's code, never our text), timeouts, and the
// signature a gateway checks.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryError } from '../../src/services/delivery-error.js';
import { NotificationComposer } from '../../src/services/notification-composer.js';
import { DeliveryQueue, type OutgoingMessage } from '../../src/services/notifier.js';
import { TwilioNotifier } from '../../src/services/sms/twilio-notifier.js';
import {
  signWebhookBody,
  verifyWebhookSignature,
  WebhookNotifier,
  type WebhookPayload,
} from '../../src/services/sms/webhook-notifier.js';

const SID = 'AC0123456789abcdef0123456789abcdef';
const TOKEN = 'test-auth-token-0123456789abcdef';
const FROM = '+15005550006';
const TO = '+5215512345678';
const CODE = '483920';
const SECRET = 'webhook-secret-that-is-long-enough-0123456789';

interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Handler = (req: Recorded, res: ServerResponse) => void;

let servers: { close(): Promise<void> }[] = [];

/** A local HTTP server recording every request; the handler answers (or, for timeouts, does not). */
async function stand(handler: Handler): Promise<{ url: string; requests: Recorded[] }> {
  const requests: Recorded[] = [];
  const open = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      requests.push(recorded);
      open.add(res);
      res.on('close', () => open.delete(res));
      handler(recorded, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push({
    close: () =>
      new Promise<void>((r) => {
        for (const res of open) res.destroy();
        server.close(() => r());
      }),
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function codeSms(locale: 'es' | 'en' = 'es'): OutgoingMessage {
  return new NotificationComposer('StreamFlix Demo', 'https://help.example.com').code({ to: TO, via: 'sms' }, locale, CODE, 10);
}

afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

describe('Twilio notifier', () => {
  it('POSTs To, From and Body form-encoded with Basic auth to the account Messages resource', async () => {
    const twilio = await stand((req, res) =>
      json(res, 201, { sid: 'SM0123456789abcdef0123456789abcdef', account_sid: SID, status: 'queued', to: TO, from: FROM, body: '…', error_code: null, error_message: null }),
    );
    const message = codeSms('es');

    await new TwilioNotifier({ accountSid: SID, authToken: TOKEN, from: FROM, baseUrl: `${twilio.url}/` }).send(message);

    expect(twilio.requests).toHaveLength(1);
    const req = twilio.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe(`/2010-04-01/Accounts/${SID}/Messages.json`);
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`);
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const form = new URLSearchParams(req.body);
    expect(Object.fromEntries(form)).toEqual({ To: TO, From: FROM, Body: message.text });
    expect(form.get('Body')).toContain(CODE);
  });

  it('sends through a Messaging Service when TWILIO_FROM is an MG… SID', async () => {
    const twilio = await stand((_req, res) => json(res, 201, { sid: 'SM1', status: 'accepted' }));
    const service = 'MG0123456789abcdef0123456789abcdef';

    await new TwilioNotifier({ accountSid: SID, authToken: TOKEN, from: service, baseUrl: twilio.url }).send(codeSms());

    const form = new URLSearchParams(twilio.requests[0]!.body);
    expect(form.get('MessagingServiceSid')).toBe(service);
    expect(form.has('From')).toBe(false);
  });

  it("turns a 400 into an error with Twilio's code and message, never the body we sent", async () => {
    const twilio = await stand((_req, res) =>
      json(res, 400, { code: 21211, message: 'Invalid To', more_info: 'https://www.twilio.com/docs/errors/21211', status: 400 }),
    );
    const message = codeSms('en');

    const error = await new TwilioNotifier({ accountSid: SID, authToken: TOKEN, from: FROM, baseUrl: twilio.url })
      .send(message)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DeliveryError);
    const delivery = error as DeliveryError;
    expect(delivery.message).toContain('21211');
    expect(delivery.message).toContain('Invalid To');
    expect(delivery.message).toContain('400');
    expect(delivery.details).toEqual({ provider: 'twilio', permanent: true, status: 400, providerCode: 21211, recipient: true });
    for (const secret of [message.text, CODE, TO, TOKEN]) expect(delivery.message).not.toContain(secret);
  });

  it('scrubs a Twilio message that echoes the number back', async () => {
    const twilio = await stand((_req, res) =>
      json(res, 400, { code: 21211, message: `The 'To' number ${TO} is not a valid phone number.`, status: 400 }),
    );

    const error = (await new TwilioNotifier({ accountSid: SID, authToken: TOKEN, from: FROM, baseUrl: twilio.url })
      .send(codeSms())
      .catch((e: unknown) => e)) as DeliveryError;

    expect(error.message).toBe("Twilio refused the message (HTTP 400, error 21211): The 'To' number [number] is not a valid phone number.");
  });

  it('treats 429 and 5xx as temporary', async () => {
    let status = 429;
    const twilio = await stand((_req, res) => json(res, status, { code: 20429, message: 'Too Many Requests', status }));
    const notifier = new TwilioNotifier({ accountSid: SID, authToken: TOKEN, from: FROM, baseUrl: twilio.url });

    const tooMany = (await notifier.send(codeSms()).catch((e: unknown) => e)) as DeliveryError;
    status = 503;
    const unavailable = (await notifier.send(codeSms()).catch((e: unknown) => e)) as DeliveryError;

    expect(tooMany.details).toMatchObject({ permanent: false, status: 429 });
    expect(unavailable.details).toMatchObject({ permanent: false, status: 503 });
  });

  it('gives up after the timeout when Twilio does not answer', async () => {
    const twilio = await stand(() => {
      /* never answers */
    });
    const started = Date.now();

    const error = (await new TwilioNotifier({ accountSid: SID, authToken: TOKEN, from: FROM, baseUrl: twilio.url, timeoutMs: 200 })
      .send(codeSms())
      .catch((e: unknown) => e)) as DeliveryError;

    expect(error).toBeInstanceOf(DeliveryError);
    expect(error.message).toBe('Twilio did not answer within 200 ms');
    expect(error.details.permanent).toBe(false);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('reports a refused connection without the request', async () => {
    const twilio = await stand((_req, res) => json(res, 201, {}));
    await Promise.all(servers.map((s) => s.close()));
    servers = [];

    const error = (await new TwilioNotifier({ accountSid: SID, authToken: TOKEN, from: FROM, baseUrl: twilio.url })
      .send(codeSms())
      .catch((e: unknown) => e)) as DeliveryError;

    expect(error.message).toBe('Twilio request failed (ECONNREFUSED)');
  });
});

describe('SMS webhook notifier', () => {
  it('POSTs { to, text, purpose, id, timestamp } with a signature the gateway can verify', async () => {
    const gateway = await stand((_req, res) => json(res, 202, { accepted: true }));
    const message = codeSms('en');
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);

    await new WebhookNotifier({ url: `${gateway.url}/sms`, secret: SECRET, clock: { now: () => now } }).send(message);

    const req = gateway.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/sms');
    expect(req.headers['content-type']).toBe('application/json');
    const payload = JSON.parse(req.body) as WebhookPayload;
    expect(payload).toEqual({ to: TO, text: message.text, purpose: 'code', id: expect.stringMatching(/^[0-9a-f-]{36}$/), timestamp: now / 1000 });
    expect(req.headers['x-clave-timestamp']).toBe(String(now / 1000));
    const signature = req.headers['x-clave-signature'];
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);

    const check = { secret: SECRET, body: req.body, timestamp: String(now / 1000), nowSeconds: now / 1000 + 30 };
    expect(verifyWebhookSignature({ ...check, signature: String(signature) })).toBe(true);
    expect(verifyWebhookSignature({ ...check, body: Buffer.from(req.body), signature: String(signature) })).toBe(true);
  });

  it('fails verification for a tampered body, a wrong secret, a moved timestamp, an old request or no headers', async () => {
    const gateway = await stand((_req, res) => json(res, 200, {}));
    await new WebhookNotifier({ url: gateway.url, secret: SECRET }).send(codeSms());
    const req = gateway.requests[0]!;
    const timestamp = String(req.headers['x-clave-timestamp']);
    const signature = String(req.headers['x-clave-signature']);
    const good = { secret: SECRET, body: req.body, timestamp, signature };
    expect(verifyWebhookSignature(good)).toBe(true);

    const tampered = req.body.replace(TO, '+15550001111');
    expect(tampered).not.toBe(req.body);
    expect(verifyWebhookSignature({ ...good, body: tampered })).toBe(false);
    expect(verifyWebhookSignature({ ...good, body: req.body.replace(CODE, '000000') })).toBe(false);
    expect(verifyWebhookSignature({ ...good, secret: `${SECRET}x` })).toBe(false);
    expect(verifyWebhookSignature({ ...good, timestamp: String(Number(timestamp) + 1) })).toBe(false);
    expect(verifyWebhookSignature({ ...good, nowSeconds: Number(timestamp) + 301 })).toBe(false);
    expect(verifyWebhookSignature({ ...good, signature: undefined })).toBe(false);
    expect(verifyWebhookSignature({ ...good, timestamp: undefined })).toBe(false);
    expect(verifyWebhookSignature({ ...good, signature: signature.toUpperCase() })).toBe(false);
    // Re-signing with the secret is the only way to a valid signature for a changed body.
    expect(verifyWebhookSignature({ ...good, body: tampered, signature: signWebhookBody(SECRET, Number(timestamp), tampered) })).toBe(true);
  });

  it('keeps the id across the delivery queue retries, signing each attempt afresh', async () => {
    let calls = 0;
    const gateway = await stand((_req, res) => json(res, ++calls < 3 ? 503 : 200, { error: `busy ${TO}` }));
    const warnings: object[] = [];
    const failed: OutgoingMessage[] = [];
    const queue = new DeliveryQueue(
      new WebhookNotifier({ url: gateway.url, secret: SECRET }),
      { warn: (obj) => warnings.push(obj) },
      { attempts: 4, baseDelayMs: 5 },
      { failed: (m) => { failed.push(m); } },
    );

    queue.enqueue(codeSms());
    await queue.drain();

    expect(gateway.requests).toHaveLength(3);
    const ids = gateway.requests.map((r) => (JSON.parse(r.body) as WebhookPayload).id);
    expect(new Set(ids).size).toBe(1);
    for (const r of gateway.requests) {
      const ok = verifyWebhookSignature({
        secret: SECRET,
        body: r.body,
        timestamp: String(r.headers['x-clave-timestamp']),
        signature: String(r.headers['x-clave-signature']),
      });
      expect(ok).toBe(true);
    }
    expect(failed).toEqual([]);
    expect(warnings).toHaveLength(2);
    expect(JSON.stringify(warnings)).toContain('SMS webhook answered HTTP 503');
    expect(JSON.stringify(warnings)).not.toContain(TO);
  });

  it('turns a non-2xx into an error with the status only', async () => {
    const gateway = await stand((_req, res) => json(res, 422, { error: `bad number ${TO}`, echo: CODE }));

    const error = (await new WebhookNotifier({ url: gateway.url, secret: SECRET }).send(codeSms()).catch((e: unknown) => e)) as DeliveryError;

    expect(error.message).toBe('SMS webhook answered HTTP 422');
    expect(error.details).toEqual({ provider: 'webhook', permanent: true, status: 422, recipient: true });
  });

  it('gives up after the timeout when the gateway does not answer', async () => {
    const gateway = await stand(() => {
      /* never answers */
    });

    const error = (await new WebhookNotifier({ url: gateway.url, secret: SECRET, timeoutMs: 200 })
      .send(codeSms())
      .catch((e: unknown) => e)) as DeliveryError;

    expect(error.message).toBe('SMS webhook did not answer within 200 ms');
    expect(error.details.permanent).toBe(false);
  });
});
