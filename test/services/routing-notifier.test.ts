// Which provider serves each channel, from configuration: SMTP, Twilio or the webhook when configured,
// the development outbox otherwise, and no start-up in production without real providers.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { DevOutbox, type OutgoingMessage } from '../../src/services/notifier.js';
import { createNotifier } from '../../src/services/routing-notifier.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';

const email: OutgoingMessage = { channel: 'email', to: 'ana@example.com', subject: 'Your StreamFlix Demo verification code', text: 'Your code is 483920.', purpose: 'code' };
const sms: OutgoingMessage = { channel: 'sms', to: '+15005550006', text: 'StreamFlix Demo: your code is 483920.', purpose: 'code' };
const twilioEnv = {
  TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
  TWILIO_AUTH_TOKEN: 'test-auth-token-0123456789abcdef',
  TWILIO_FROM: '+15005550006',
};
const webhookEnv = { SMS_WEBHOOK_URL: 'https://sms.example.com/hook', SMS_WEBHOOK_SECRET: 'webhook-secret-that-is-long-enough-0123456789' };

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.map((c) => c()));
  cleanups = [];
});

describe('createNotifier', () => {
  it('sends both channels to the development outbox when no provider is configured', async () => {
    const outbox = new DevOutbox(new ManualClock());
    const notifier = createNotifier(loadConfig({}), outbox);

    expect(notifier.providers).toEqual({ email: 'outbox', sms: 'outbox' });
    await notifier.send(email);
    await notifier.send(sms);
    expect(outbox.list().map((m) => m.channel)).toEqual(['sms', 'email']);
  });

  it('routes email to SMTP and SMS to the webhook, leaving the outbox empty', async () => {
    const smtp: SmtpSink = await startSmtpSink();
    const hits: string[] = [];
    const gateway = createServer((req, res) => {
      hits.push(req.url ?? '');
      req.resume();
      res.writeHead(204).end();
    });
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    cleanups.push(smtp.close, () => new Promise<void>((r) => gateway.close(() => r())));
    const outbox = new DevOutbox(new ManualClock());
    const config = loadConfig({
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      SMS_WEBHOOK_URL: `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/sms`,
      SMS_WEBHOOK_SECRET: webhookEnv.SMS_WEBHOOK_SECRET,
    });

    const notifier = createNotifier(config, outbox);
    await notifier.send(email);
    await notifier.send(sms);

    expect(notifier.providers).toEqual({ email: 'smtp', sms: 'webhook' });
    expect(smtp.received.map((m) => m.envelope.to)).toEqual([['ana@example.com']]);
    expect(hits).toEqual(['/sms']);
    expect(outbox.list()).toEqual([]);
  });

  it('picks Twilio when its three variables are set', () => {
    const notifier = createNotifier(loadConfig(twilioEnv), new DevOutbox(new ManualClock()));
    expect(notifier.providers).toEqual({ email: 'outbox', sms: 'twilio' });
  });

  it('refuses to start in production without real providers, naming the variables', () => {
    // No outbox is what production means here (src/app.ts); loadConfig itself already refuses a production
    // environment without providers (test/config.production.test.ts), so the configuration is a development one.
    const problems = problemsOf(() => createNotifier(loadConfig({}), null));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^SMTP_URL: required in production/);
    expect(problems[1]).toMatch(/^TWILIO_ACCOUNT_SID: .*SMS_WEBHOOK_URL/);
    const ready = createNotifier(loadConfig({ SMTP_URL: 'smtps://u:p@smtp.example.com:465', ...twilioEnv }), null);
    expect(ready.providers).toEqual({ email: 'smtp', sms: 'twilio' });
  });

  it('names each missing Twilio variable, and refuses Twilio and the webhook together', () => {
    const partial = loadConfig({ TWILIO_ACCOUNT_SID: twilioEnv.TWILIO_ACCOUNT_SID });
    expect(problemsOf(() => createNotifier(partial, new DevOutbox(new ManualClock())))).toEqual([
      'TWILIO_AUTH_TOKEN: required when any TWILIO_* variable is set',
      'TWILIO_FROM: required when any TWILIO_* variable is set',
    ]);
    expect(problemsOf(() => createNotifier(loadConfig({ ...twilioEnv, ...webhookEnv }), new DevOutbox(new ManualClock())))).toEqual([
      expect.stringMatching(/^SMS_WEBHOOK_URL: set either/),
    ]);
    expect(problemsOf(() => createNotifier(loadConfig({ SMS_WEBHOOK_URL: webhookEnv.SMS_WEBHOOK_URL }), new DevOutbox(new ManualClock())))).toEqual([
      expect.stringMatching(/^SMS_WEBHOOK_SECRET: required/),
    ]);
  });

  it('accepts only smtp:// and smtps:// for SMTP_URL', () => {
    expect(problemsOf(() => createNotifier(loadConfig({ SMTP_URL: 'https://smtp.example.com' }), new DevOutbox(new ManualClock())))).toEqual([
      expect.stringMatching(/^SMTP_URL: must start with smtp:\/\//),
    ]);
  });

  it('warns at start-up, without the text, when the brand and URL push an SMS past one segment', () => {
    const warnings: { obj: object; msg: string }[] = [];
    const logger = { info: () => undefined, warn: (obj: object, msg: string) => warnings.push({ obj, msg }) };
    createNotifier(
      loadConfig({ ...twilioEnv, BRAND_NAME: 'StreamFlix Entertainment Worldwide', PUBLIC_BASE_URL: 'https://help.streamflix.example.com' }),
      new DevOutbox(new ManualClock()),
      logger,
    );

    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.every((w) => w.msg === 'SMS longer than one segment')).toBe(true);
    expect(warnings.map((w) => (w.obj as { key: string; locale: string }).locale + ' ' + (w.obj as { key: string }).key)).toContain('es notify_lockout_sms');
    expect(JSON.stringify(warnings)).not.toContain('StreamFlix');
  });
});

describe('notification settings in the configuration schema', () => {
  it('defaults to verified TLS, opportunistic STARTTLS and a 5 s SMS timeout', () => {
    const config = loadConfig({});
    expect(config.smtp).toEqual({ from: undefined, tlsRejectUnauthorized: true, requireTls: false });
    expect(config.sms.timeoutMs).toBe(5000);
    expect(config.sms.twilio.baseUrl).toBe('https://api.twilio.com');
  });

  it('names the variable when a value is malformed', () => {
    const bad = {
      TWILIO_ACCOUNT_SID: 'not-a-sid',
      TWILIO_FROM: '555-1234',
      TWILIO_BASE_URL: 'ftp://api.twilio.com',
      SMS_WEBHOOK_SECRET: 'short',
      SMTP_FROM: 'no address',
      SMTP_TLS_REJECT_UNAUTHORIZED: 'nope',
      SMS_TIMEOUT_MS: '10',
    };
    const problems = problemsOf(() => loadConfig(bad));
    for (const name of Object.keys(bad)) expect(problems.some((p) => p.startsWith(`${name}:`)), name).toBe(true);
  });
});
