// Email codes and notices through a real SMTP server (smtp-server on a local port): what arrives (From, To,
// Subject, a text part and an HTML part built from the same catalog copy, escaped), in Spanish and
// English; TLS settings; and a refusing server, alone and behind the delivery queue's retries.
import { afterEach, describe, expect, it } from 'vitest';
import { emailLayoutCopy } from '../../dialogs/email-layout.js';
import { SmtpNotifier } from '../../src/services/email/smtp-notifier.js';
import { DeliveryError } from '../../src/services/delivery-error.js';
import { NotificationComposer } from '../../src/services/notification-composer.js';
import { DeliveryQueue, type OutgoingMessage } from '../../src/services/notifier.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';

const BRAND = 'StreamFlix Demo';
const BASE_URL = 'https://help.example.com';
const CODE = '483920';
const ana = {
  id: 'acc-ana',
  name: 'Ana',
  email: 'ana@example.com',
  altEmail: 'ana.alt@example.net',
  phone: '+15005550006',
  phoneVerified: true,
  locale: 'en' as const,
  hasTotp: false,
  hasRecoveryCodes: false,
};

let sinks: SmtpSink[] = [];
let notifiers: SmtpNotifier[] = [];

async function sink(options: Parameters<typeof startSmtpSink>[0] = {}): Promise<SmtpSink> {
  const started = await startSmtpSink(options);
  sinks.push(started);
  return started;
}

function notifier(port: number, options: Partial<ConstructorParameters<typeof SmtpNotifier>[0]> = {}): SmtpNotifier {
  const created = new SmtpNotifier({ url: `smtp://127.0.0.1:${port}`, brand: BRAND, timeoutMs: 5_000, ...options });
  notifiers.push(created);
  return created;
}

function html(mail: { parsed: { html?: string | false | undefined } }): string {
  if (typeof mail.parsed.html !== 'string') throw new Error('no HTML part');
  return mail.parsed.html;
}

afterEach(async () => {
  for (const n of notifiers) n.close();
  await Promise.all(sinks.map((s) => s.close()));
  sinks = [];
  notifiers = [];
});

describe('SMTP notifier', () => {
  it('delivers a Spanish code email with a text part and an escaped HTML part from the same copy', async () => {
    const server = await sink({ login: { user: 'clave@app', pass: 's3cret:/x' } });
    // Credentials with @, : and / percent-encoded in the URL, as .env.example says.
    const mailer = notifier(server.port, {
      url: `smtp://clave%40app:s3cret%3A%2Fx@127.0.0.1:${server.port}`,
      from: 'StreamFlix Demo <no-reply@streamflix.example>',
    });
    const message = new NotificationComposer(BRAND, BASE_URL).code({ to: 'ana@example.com', via: 'email' }, 'es', CODE, 10);

    await mailer.send(message);

    expect(server.received).toHaveLength(1);
    const mail = server.received[0]!;
    expect(mail.user).toBe('clave@app');
    expect(mail.envelope).toEqual({ from: 'no-reply@streamflix.example', to: ['ana@example.com'] });
    expect(mail.parsed.from?.value[0]).toMatchObject({ name: 'StreamFlix Demo', address: 'no-reply@streamflix.example' });
    expect(mail.parsed.to).toMatchObject({ value: [{ address: 'ana@example.com' }] });
    expect(mail.parsed.subject).toBe('Tu código de verificación de StreamFlix Demo');
    expect(mail.parsed.headers.get('auto-submitted')).toBe('auto-generated');

    // Text part: the catalog text as composed, then the layout footer.
    const footer = 'Este es un mensaje automático de StreamFlix Demo. Por favor, no lo respondas.';
    expect(mail.parsed.text?.trim()).toBe(`${message.text}\n\n${footer}`);
    expect(mail.parsed.text).toContain(CODE);
    expect(mail.parsed.text).toContain('Vale por 10 minutos');

    // HTML part: the same sentences, the code prominent, the "not me" link clickable, the brand on top.
    const body = html(mail);
    expect(body).toContain('<html lang="es">');
    expect(body).toMatch(/<h1[^>]*>StreamFlix Demo<\/h1>/);
    expect(body).toMatch(new RegExp(`<strong style="[^"]*font-size:28px[^"]*">${CODE}</strong>`));
    expect(body.match(new RegExp(CODE, 'g'))).toHaveLength(1);
    expect(body).toContain('Vale por 10 minutos y funciona una sola vez.');
    expect(body).toContain('Si no pediste este código, puedes ignorar este mensaje');
    expect(body).toContain('<a href="https://help.example.com/not-me"');
    expect(body.match(/<p style="margin:0 0 16px;">/g)).toHaveLength(3); // the three catalog paragraphs
    expect(body).toContain(footer);
  });

  it('delivers an English reset notice to every email address, with the default From', async () => {
    const server = await sink();
    const mailer = notifier(server.port);
    const messages = new NotificationComposer(BRAND, BASE_URL).resetNotices(ana).filter((m) => m.channel === 'email');
    expect(messages).toHaveLength(2);

    for (const message of messages) await mailer.send(message);

    expect(server.received.map((m) => m.envelope.to[0])).toEqual(['ana@example.com', 'ana.alt@example.net']);
    const mail = server.received[0]!;
    expect(mail.parsed.from?.value[0]).toEqual({ name: BRAND, address: 'no-reply@localhost' });
    expect(mail.parsed.subject).toBe('Your StreamFlix Demo password was changed');
    expect(mail.parsed.text).toContain("If it wasn’t you, secure your account now: https://help.example.com/not-me");
    expect(mail.parsed.text).toContain('This is an automatic message from StreamFlix Demo. Please do not reply to it.');
    const body = html(mail);
    expect(body).toContain('<html lang="en">');
    expect(body).toContain('If it wasn’t you, secure your account now: <a href="https://help.example.com/not-me"');
    // A notice has no code to highlight.
    expect(body).not.toContain('<strong');
  });

  it('escapes the brand and the copy in HTML and keeps a brand with specials as one display name', async () => {
    const server = await sink();
    const brand = 'Stream<b>Flix</b> & "Co", Ltd';
    const mailer = notifier(server.port, { brand });
    const message = new NotificationComposer(brand, BASE_URL).code({ to: 'ana@example.com', via: 'email' }, 'en', CODE, 10);

    await mailer.send(message);

    const mail = server.received[0]!;
    expect(mail.envelope.to).toEqual(['ana@example.com']);
    expect(mail.parsed.from?.value).toEqual([{ name: brand, address: 'no-reply@localhost' }]);
    expect(mail.parsed.subject).toBe(`Your ${brand} verification code`);
    const body = html(mail);
    expect(body).not.toContain('<b>');
    expect(body).toContain('Stream&lt;b&gt;Flix&lt;/b&gt; &amp; &quot;Co&quot;, Ltd');
    expect(body).toMatch(/<h1[^>]*>Stream&lt;b&gt;Flix&lt;\/b&gt; &amp; &quot;Co&quot;, Ltd<\/h1>/);
    expect(body).toContain('<html lang="en">'); // the subject is still recognised with an odd brand
    expect(body).toContain(`>${CODE}</strong>`);
  });

  it('refuses a destination that would add recipients, before connecting', async () => {
    const server = await sink();
    const mailer = notifier(server.port);
    const message: OutgoingMessage = { channel: 'email', to: 'ana@example.com, mallory@evil.example', subject: 's', text: 't', purpose: 'code' };

    await expect(mailer.send(message)).rejects.toThrow(DeliveryError);
    expect(server.rcptAttempts).toBe(0);
  });

  it('upgrades with STARTTLS when offered, and checks the certificate unless told not to', async () => {
    const server = await sink({ starttls: true });
    const message = new NotificationComposer(BRAND, BASE_URL).code({ to: 'ana@example.com', via: 'email' }, 'en', CODE, 10);

    // smtp-server's built-in certificate is self-signed: refused by default (SMTP_TLS_REJECT_UNAUTHORIZED=true).
    const strict = notifier(server.port);
    const error = await strict.send(message).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as DeliveryError).details.permanent).toBe(false);
    expect(server.received).toHaveLength(0);

    // SMTP_TLS_REJECT_UNAUTHORIZED=false: accepted, and the message travelled encrypted.
    await notifier(server.port, { tlsRejectUnauthorized: false, requireTls: true }).send(message);
    expect(server.received).toHaveLength(1);
    expect(server.received[0]!.secure).toBe(true);
  });

  it('with SMTP_REQUIRE_TLS, refuses to send when the server offers no STARTTLS', async () => {
    const server = await sink({ starttls: false });
    const message = new NotificationComposer(BRAND, BASE_URL).code({ to: 'ana@example.com', via: 'email' }, 'en', CODE, 10);

    await expect(notifier(server.port, { requireTls: true }).send(message)).rejects.toThrow(DeliveryError);
    expect(server.received).toHaveLength(0);
    expect(server.rcptAttempts).toBe(0);
  });

  it('throws a loggable error, without address or code, when the server refuses the recipient (550)', async () => {
    const server = await sink({
      onRcptTo: (address) =>
        Object.assign(new Error(`5.1.1 <${address.address}>: Recipient address rejected`), { responseCode: 550 }),
    });
    const message = new NotificationComposer(BRAND, BASE_URL).code({ to: 'ana@example.com', via: 'email' }, 'es', CODE, 10);

    const error = await notifier(server.port).send(message).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DeliveryError);
    const delivery = error as DeliveryError;
    expect(delivery.details).toMatchObject({ provider: 'smtp', permanent: true, status: 550 });
    expect(delivery.message).toContain('550');
    expect(delivery.message).toContain('Recipient address rejected');
    expect(delivery.message).not.toContain('ana@example.com');
    expect(delivery.message).not.toContain(CODE);
  });

  it('is retried by the delivery queue, which reports the message as failed after the last attempt', async () => {
    const server = await sink({
      onRcptTo: () => Object.assign(new Error('5.7.1 Relaying denied'), { responseCode: 550 }),
    });
    const warnings: object[] = [];
    const failed: OutgoingMessage[] = [];
    const queue = new DeliveryQueue(
      notifier(server.port),
      { warn: (obj) => warnings.push(obj) },
      { attempts: 3, baseDelayMs: 5 },
      { failed: (m) => { failed.push(m); } },
    );
    const message = new NotificationComposer(BRAND, BASE_URL).code({ to: 'ana@example.com', via: 'email' }, 'en', CODE, 10);

    queue.enqueue(message);
    await queue.drain();

    expect(server.rcptAttempts).toBe(3);
    expect(warnings).toHaveLength(3);
    expect(failed).toEqual([message]);
    const logged = JSON.stringify(warnings);
    expect(logged).not.toContain('ana@example.com');
    expect(logged).not.toContain(CODE);
  });

  it('gets through on a retry after a temporary refusal (451)', async () => {
    const server = await sink({
      onRcptTo: (_address, attempt) =>
        attempt < 3 ? Object.assign(new Error('4.7.1 Try again later'), { responseCode: 451 }) : null,
    });
    const warnings: object[] = [];
    const failed: OutgoingMessage[] = [];
    const mailer = notifier(server.port);
    const queue = new DeliveryQueue(mailer, { warn: (obj) => warnings.push(obj) }, { attempts: 4, baseDelayMs: 5 }, { failed: (m) => { failed.push(m); } });

    const error = await mailer
      .send(new NotificationComposer(BRAND, BASE_URL).code({ to: 'ana@example.com', via: 'email' }, 'en', CODE, 10))
      .catch((e: unknown) => e);
    expect((error as DeliveryError).details).toMatchObject({ permanent: false, status: 451 });

    queue.enqueue(new NotificationComposer(BRAND, BASE_URL).code({ to: 'ana@example.com', via: 'email' }, 'en', CODE, 10));
    await queue.drain();

    expect(server.received).toHaveLength(1);
    expect(warnings).toHaveLength(1);
    expect(failed).toEqual([]);
  });

  it('reports an unreachable server as a temporary failure', async () => {
    const server = await sink();
    const port = server.port;
    await server.close();
    sinks = sinks.filter((s) => s !== server);
    const error = await notifier(port)
      .send(new NotificationComposer(BRAND, BASE_URL).code({ to: 'ana@example.com', via: 'email' }, 'en', CODE, 10))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as DeliveryError).details.permanent).toBe(false);
  });
});

describe('email layout copy', () => {
  it('has the same keys in Spanish and English, each with the brand', () => {
    expect(Object.keys(emailLayoutCopy.es).sort()).toEqual(Object.keys(emailLayoutCopy.en).sort());
    for (const copy of Object.values(emailLayoutCopy)) {
      for (const value of Object.values(copy)) expect(value).toContain('{brand}');
    }
  });
});
