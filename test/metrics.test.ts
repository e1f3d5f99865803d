// /metrics on the real app over HTTP: turns by channel and path, turn latency, the recovery funnel fed by
// the audit trail and by where turns start and end, who may read it, and that no label ever carries an
// identifier, a code or free text.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryOutcomeLabels, deliveryVias, knownChannels, funnelStages } from '../src/metrics.js';
import { securityEventOutcomes } from '../src/services/security-events.js';
import { startDirectoryServer } from './helpers/directory-server.js';
import { MemoryStore } from '../src/stores/kv-store.js';
import { ManualClock } from '../src/clock.js';
import { startHarness, type Harness } from './helpers/bot-harness.js';
import { ANA, BEN, latestCode, nextTotp, resetLinkIn, submitNewPassword } from './transcripts/story.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text format, enough of it for these metrics (no escaped quotes in our label values). */
function parse(exposition: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of exposition.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)) labels[pair[1]!] = pair[2]!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

async function scrape(h: Harness, headers: Record<string, string> = {}): Promise<Sample[]> {
  const res = await fetch(`${h.baseUrl}/metrics`, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return parse(await res.text());
}

const value = (samples: Sample[], name: string, labels: Record<string, string>) =>
  samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);

/** Funnel counts for one language on the test channel. */
function funnel(samples: Sample[], language: string): Record<string, number> {
  return Object.fromEntries(funnelStages.map((stage) => [stage, value(samples, 'clave_funnel_total', { stage, language, channel: 'test' })]));
}

function delta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.keys(after).filter((k) => after[k] !== before[k]).map((k) => [k, after[k]! - (before[k] ?? 0)]));
}

describe('metrics', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('counts turns by channel and path, with a latency for each', async () => {
    const before = await scrape(h);
    await h.send('turns-1', { type: 'event', name: 'webchat/join', value: { locale: 'en-US' } });
    await h.say('turns-1', 'I forgot my password');
    await h.say('turns-1', ANA.email);
    await h.press('turns-1', 'channel_email');
    const after = await scrape(h);

    const turns = (path: string) =>
      value(after, 'clave_turns_total', { channel: 'test', path }) - value(before, 'clave_turns_total', { channel: 'test', path });
    expect({ system: turns('system'), classifier: turns('classifier'), fast: turns('fast'), button: turns('button') }).toEqual({
      system: 1,
      classifier: 1,
      fast: 1,
      button: 1,
    });
    const observed = (s: Sample[]) => value(s, 'clave_turn_duration_seconds_count', { channel: 'test' });
    expect(observed(after) - observed(before)).toBe(4);
    expect(value(after, 'clave_turn_duration_seconds_bucket', { channel: 'test', path: 'fast', le: '+Inf' })).toBeGreaterThan(0);
  });

  it('follows a journey through the funnel to the reset, each stage once even after a resend', async () => {
    const conv = 'funnel-reset';
    const before = funnel(await scrape(h), 'es');
    await h.say(conv, 'olvidé mi clave', 'es-ES');
    await h.say(conv, ANA.email, 'es-ES');
    await h.press(conv, 'channel_email');
    await h.press(conv, 'resend');
    const [link] = await h.say(conv, await latestCode(h, ANA.email), 'es-ES').then((texts) => texts.slice(-1));
    const { url } = resetLinkIn('es', link);
    const mid = funnel(await scrape(h), 'es');
    expect(delta(before, mid)).toEqual({ started: 1, identified: 1, code_sent: 1, verified: 1 });

    const submitted = await submitNewPassword(h, url, 'a fresh and rather long passphrase 2024');
    expect(submitted.status).toBe(200);
    expect(delta(mid, funnel(await scrape(h), 'es'))).toEqual({ reset: 1 });
  });

  it('counts the second factor for an account with an authenticator', async () => {
    const conv = 'funnel-2fa';
    const before = funnel(await scrape(h), 'en');
    await h.say(conv, BEN.email, 'en-US');
    await h.press(conv, 'channel_email');
    await h.say(conv, await latestCode(h, BEN.email), 'en-US');
    await h.say(conv, await nextTotp(h), 'en-US');
    // Starting with the address itself starts the journey too.
    expect(delta(before, funnel(await scrape(h), 'en'))).toEqual({ started: 1, identified: 1, code_sent: 1, verified: 1, second_factor: 1 });
  });

  it('counts a handoff, and a cancelled journey as abandoned; a greeting alone starts nothing', async () => {
    const before = funnel(await scrape(h), 'en');
    await h.say('funnel-hello', 'hi', 'en-US');
    await h.say('funnel-hello', 'cancel', 'en-US');
    expect(delta(before, funnel(await scrape(h), 'en')), 'welcome then cancel is not a journey').toEqual({});

    await h.say('funnel-agent', 'I forgot my password', 'en-US');
    await h.say('funnel-agent', 'talk to a person', 'en-US');
    await h.say('funnel-cancel', 'I forgot my password', 'en-US');
    await h.say('funnel-cancel', 'cancel', 'en-US');
    expect(delta(before, funnel(await scrape(h), 'en'))).toEqual({ started: 2, handoff: 1, abandoned: 1 });
  });

  it('counts a journey left idle as abandoned when the person comes back', async () => {
    const before = funnel(await scrape(h), 'es');
    await h.say('funnel-idle', 'olvidé mi clave', 'es-ES');
    h.clock.advance(31 * 60_000);
    await h.say('funnel-idle', 'hola', 'es-ES');
    expect(delta(before, funnel(await scrape(h), 'es'))).toEqual({ started: 1, abandoned: 1 });
  });

  it('never puts an identifier, code, conversation id or free text in a label', async () => {
    // A client can send any channel id; it must not become a label.
    await h.send('labels-1', { text: 'olvidé mi clave', channelId: 'ana@example.com' } as never);
    await h.say('labels-1', '+14155550101');
    const exposition = await (await fetch(`${h.baseUrl}/metrics`)).text();
    const samples = parse(exposition);

    const allowed: Record<string, readonly string[]> = {
      channel: [...knownChannels, 'other'],
      path: ['fast', 'button', 'classifier', 'system', 'offline', 'llm', 'other'],
      stage: funnelStages,
      language: ['es', 'en', 'other'],
      via: deliveryVias,
      outcome: [...deliveryOutcomeLabels, ...securityEventOutcomes],
    };
    const ours = samples.filter((s) => s.name.startsWith('clave_'));
    expect(ours.length).toBeGreaterThan(10);
    for (const sample of ours) {
      for (const [label, v] of Object.entries(sample.labels)) {
        if (label === 'le') expect(v).toMatch(/^(\d+(\.\d+)?|\+Inf)$/);
        else expect(allowed[label], `label ${label} of ${sample.name}`).toContain(v);
      }
    }
    expect(value(samples, 'clave_turns_total', { channel: 'other' })).toBeGreaterThan(0);
    for (const secret of [ANA.email, BEN.email, '+14155550101', 'funnel-reset', 'labels-1', 'olvidé', 'forgot', 'reset/', 'passphrase']) {
      expect(exposition).not.toContain(secret);
    }
    // No label value holds a run of digits a code or a phone number would make.
    expect(exposition).not.toMatch(/="[^"]*\d{4,}[^"]*"/);
  });
});

describe('security events forwarded to the directory', () => {
  it('are counted as the forwarder counted them when the demo directory takes them', async () => {
    // An app of its own: the per-account send limit of the shared one would leave no code to send.
    const h = await startHarness();
    try {
      const forwarder = h.app.securityEvents!;
      await h.say('events-sent', 'I forgot my password', 'en-US');
      await h.say('events-sent', ANA.email, 'en-US');
      await h.press('events-sent', 'channel_email');
      expect(await forwarder.drain(2_000)).toBe(true);
      const samples = await scrape(h);
      expect(forwarder.counts.sent, 'code_sent at least').toBeGreaterThan(0);
      expect(value(samples, 'clave_security_events_total', { outcome: 'sent' })).toBe(forwarder.counts.sent);
      expect(value(samples, 'clave_security_events_total', { outcome: 'refused' })).toBe(0);
    } finally {
      await h.close();
    }
  });

  it('are counted as refused, not sent, when the directory answers 4xx', async () => {
    const server = await startDirectoryServer();
    server.intercept((_req, res, route) => {
      if (!route.endsWith('/events')) return false;
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'invalid_request' }));
      return true;
    });
    const h = await startHarness({ DIRECTORY_URL: server.url, DIRECTORY_TOKEN: server.token });
    try {
      await h.say('events-refused', 'I forgot my password', 'en-US');
      await h.say('events-refused', ANA.email, 'en-US');
      await h.press('events-refused', 'channel_email');
      const forwarder = h.app.securityEvents!;
      expect(await forwarder.drain(2_000)).toBe(true);
      const samples = await scrape(h);
      expect(forwarder.counts.refused).toBeGreaterThan(0);
      expect(value(samples, 'clave_security_events_total', { outcome: 'refused' })).toBe(forwarder.counts.refused);
      expect(value(samples, 'clave_security_events_total', { outcome: 'sent' })).toBe(0);
    } finally {
      await h.close();
      await server.close();
    }
  });
});

describe('who may read /metrics', () => {
  const production = {
    NODE_ENV: 'production',
    MICROSOFT_APP_ID: '00000000-0000-4000-8000-000000000001',
    MICROSOFT_APP_PASSWORD: 'app-password',
    MICROSOFT_APP_TENANT_ID: '00000000-0000-4000-8000-0000000000aa',
    SMTP_URL: 'smtps://u:p@smtp.invalid:465',
    SMS_WEBHOOK_URL: 'https://sms.invalid/hook',
    SMS_WEBHOOK_SECRET: 'webhook-secret-that-is-long-enough-0123456789',
    // Set, as production requires, but the test passes a store of its own: nothing connects.
    REDIS_URL: 'rediss://:key@cache.invalid:6380',
    DIRECTORY_URL: 'https://idp.invalid/clave/v1',
    DIRECTORY_TOKEN: 'directory-token-0123456789',
  };
  const TOKEN = 'metrics-token-0123456789abcdef';
  const harnesses: Harness[] = [];
  const start = async (env: Record<string, string>) => {
    const clock = new ManualClock(Date.now());
    const h = await startHarness(env, { clock, store: new MemoryStore(clock) });
    harnesses.push(h);
    return h;
  };
  afterAll(() => Promise.all(harnesses.map((h) => h.close())));
  const get = (h: Harness, authorization?: string) =>
    fetch(`${h.baseUrl}/metrics`, { headers: authorization ? { authorization } : {} }).then((r) => r.status);

  it('is open in development without a token', async () => {
    expect(await get(await start({}))).toBe(200);
  });

  it('asks for the bearer token whenever one is set', async () => {
    const h = await start({ METRICS_TOKEN: TOKEN });
    expect(await get(h)).toBe(401);
    expect(await get(h, `Bearer ${TOKEN}x`)).toBe(401);
    expect(await get(h, TOKEN)).toBe(401);
    expect(await get(h, `Bearer ${TOKEN}`)).toBe(200);
  });

  it('does not exist in production without a token, and needs it with one', async () => {
    expect(await get(await start(production), `Bearer ${TOKEN}`)).toBe(404);
    const h = await start({ ...production, METRICS_TOKEN: TOKEN });
    expect(await get(h)).toBe(401);
    expect(await get(h, `Bearer ${TOKEN}`)).toBe(200);
  });
});
