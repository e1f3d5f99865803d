// The reset page over real HTTP, as a browser drives it (SECURITY.md 18, 19, 20): links minted through the real
// verification flow (lookup, code from the outbox, verify), the form fetched and posted with its cookie.
import { Writable } from 'node:stream';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import type { Server } from 'restify';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { resetPageCopy } from '../../dialogs/pages/reset-page.js';
import type { Locale } from '../../machines/recovery.types.js';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createServer } from '../../src/server.js';
import { AuditLog, MemorySink } from '../../src/services/audit-log.js';
import { DemoDirectory, loadDemoAccounts } from '../../src/services/demo-directory.js';
import { NotificationComposer } from '../../src/services/notification-composer.js';
import { DeliveryQueue, DevOutbox } from '../../src/services/notifier.js';
import { createPasswordPolicy } from '../../src/services/password-policy.js';
import { ResetService, type ResetGrant } from '../../src/services/reset-service.js';
import { Secrets } from '../../src/services/secrets.js';
import { VerificationService } from '../../src/services/verification-service.js';
import { MemoryStore } from '../../src/stores/kv-store.js';
import { registerResetPage } from '../../src/web/reset-page.js';

const accountsFile = fileURLToPath(new URL('../../data/demo-accounts.json', import.meta.url));
const PUBLIC_BASE_URL = 'https://clave.example';
const BRAND = 'StreamFlix Demo';
const STRONG = 'correct horse battery staple under the violet lamp at noon today';
const ANA = { email: 'ana@example.com', oldPassword: 'Lighthouse-Paper-41' };

interface PageHarness {
  baseUrl: string;
  clock: ManualClock;
  directory: DemoDirectory;
  reset: ResetService;
  audit: MemorySink;
  logLines: string[];
  resets: ResetGrant[];
  /** Goes through lookup → code by email → verify → issue link; returns the link's path. */
  mintLink(email: string, locale: Locale): Promise<string>;
  close(): Promise<void>;
}

async function startPage(): Promise<PageHarness> {
  const config = loadConfig({
    PORT: '0',
    AUDIT_LOG: 'off',
    LOG_LEVEL: 'silent',
    SECRET_KEY: 'x'.repeat(32),
    PUBLIC_BASE_URL,
    BRAND_NAME: BRAND,
  });
  const clock = new ManualClock(Date.now());
  const store = new MemoryStore(clock);
  const secrets = new Secrets(config.secretKey);
  const audit = new MemorySink();
  const auditLog = new AuditLog([audit], clock);
  const directory = new DemoDirectory(loadDemoAccounts(accountsFile), store);
  const outbox = new DevOutbox(clock);
  const logLines: string[] = [];
  const logger = createLogger(
    'debug',
    new Writable({
      write(chunk, _enc, done) {
        logLines.push(String(chunk));
        done();
      },
    }),
  );
  const delivery = new DeliveryQueue(outbox, logger);
  const compose = new NotificationComposer(BRAND, config.publicBaseUrl);
  const verification = new VerificationService({ store, directory, secrets, policy: config.policy, clock, audit: auditLog, delivery, compose });
  const resets: ResetGrant[] = [];
  const reset = new ResetService({
    store,
    secrets,
    clock,
    directory,
    verification,
    audit: auditLog,
    delivery,
    compose,
    publicBaseUrl: config.publicBaseUrl,
    linkTtlMs: config.policy.resetLinkTtlMs,
    onReset: async (grant) => void resets.push(grant),
  });
  // The real server (its body parser, limits and error handler); the bot endpoint is never called here.
  const server: Server = createServer({
    adapter: {} as never,
    bot: {} as never,
    logger,
    brand: BRAND,
    isReady: async () => true,
  });
  registerResetPage(server, { reset, policy: createPasswordPolicy(), brand: BRAND, secrets, clock, logger });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  let conversations = 0;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    clock,
    directory,
    reset,
    audit,
    logLines,
    resets,
    async mintLink(email, locale) {
      const conversationId = `conv-page-${++conversations}`;
      const { subject } = await verification.lookup({ conversationId, kind: 'email', value: email });
      await verification.sendCode({ conversationId, subject, channel: 'email', locale });
      await delivery.drain();
      const message = outbox.list().find((m) => m.to === email && m.purpose === 'code');
      const code = /\b(\d{6})\b/.exec(message?.text ?? '')?.[1];
      expect(code, 'a code in the outbox').toBeDefined();
      expect((await verification.verifyCode({ conversationId, subject, code: code! })).outcome).toBe('verified');
      const { url } = await reset.issueLink({ conversationId, subject, locale });
      expect(url.startsWith(`${PUBLIC_BASE_URL}/reset/`)).toBe(true);
      return new URL(url).pathname;
    },
    async close() {
      server.close();
      await delivery.drain();
      await store.close();
    },
  };
}

/** What a browser keeps between the GET and the POST: the cookie and the hidden field. */
interface FormState {
  status: number;
  html: string;
  headers: Headers;
  cookie: string | null;
  csrf: string | null;
}

async function getPage(url: string, headers: Record<string, string> = {}): Promise<FormState> {
  const res = await fetch(url, { headers: { 'sec-fetch-site': 'none', ...headers } });
  const html = await res.text();
  const setCookie = res.headers.getSetCookie()[0] ?? null;
  return {
    status: res.status,
    html,
    headers: res.headers,
    cookie: setCookie ? setCookie.split(';')[0]! : null,
    csrf: /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? null,
  };
}

async function postForm(
  url: string,
  fields: Record<string, string>,
  cookie: string | null,
  headers: Record<string, string> = {},
): Promise<{ status: number; html: string; headers: Headers }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'sec-fetch-site': 'same-origin',
      origin: new URL(url).origin,
      ...(cookie ? { cookie } : {}),
      ...headers,
    },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, html: await res.text(), headers: res.headers };
}

/** The headers every response of the page must carry (SECURITY.md 18). */
function expectPageHeaders(headers: Headers, html: string): void {
  expect(headers.get('referrer-policy')).toBe('no-referrer');
  expect(headers.get('cache-control')).toBe('no-store');
  expect(headers.get('x-content-type-options')).toBe('nosniff');
  expect(headers.get('x-frame-options')).toBe('DENY');
  expect(headers.get('content-type')).toBe('text/html; charset=utf-8');
  const csp = headers.get('content-security-policy') ?? '';
  expect(csp).toMatch(/(^|; )default-src 'none'(;|$)/);
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("form-action 'self'");
  expect(csp).toContain("base-uri 'none'");
  expect(csp).not.toContain('unsafe-inline');
  const nonce = /style-src 'nonce-([\w-]+)'/.exec(csp)?.[1];
  expect(nonce).toBeDefined();
  expect(html).toContain(`<style nonce="${nonce}">`);
  // Every script and style element carries this response's nonce; there are no inline handlers.
  for (const tag of html.match(/<(script|style)\b[^>]*>/g) ?? []) expect(tag).toContain(`nonce="${nonce}"`);
  expect(html).not.toMatch(/\son[a-z]+=/i);
}

const copy = (locale: Locale, key: keyof typeof resetPageCopy.en) =>
  resetPageCopy[locale][key]
    .replace('{brand}', BRAND)
    .replace('{min}', '8')
    .replace('{max}', '256')
    .replace(/&/g, '&amp;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

let harness: PageHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('reset page: the form', () => {
  it('shows an accessible form with a CSRF field, a strict cookie and every security header', async () => {
    harness = await startPage();
    const path = await harness.mintLink(ANA.email, 'en');
    const page = await getPage(harness.baseUrl + path);

    expect(page.status).toBe(200);
    expectPageHeaders(page.headers, page.html);
    expect(page.csrf).toMatch(/^[\w-]+\.\d+\.[0-9a-f]{64}$/);
    const setCookie = page.headers.getSetCookie()[0] ?? '';
    expect(setCookie).toMatch(/^clave_reset_csrf=[\w-]+;/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Path=/reset');
    expect(page.csrf!.startsWith(page.cookie!.split('=')[1]! + '.')).toBe(true);

    expect(page.html).toContain('<html lang="en">');
    expect(page.html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(page.html).toMatch(new RegExp(`<title>[^<]*${BRAND}[^<]*</title>`));
    expect(page.html).toContain('<label for="password">');
    const input = /<input id="password"[^>]*>/.exec(page.html)?.[0] ?? '';
    expect(input).toContain('type="password"');
    expect(input).toContain('autocomplete="new-password"');
    expect(input).toContain('minlength="8"');
    expect(Number(/maxlength="(\d+)"/.exec(input)?.[1])).toBeGreaterThanOrEqual(64);
    expect(input).not.toMatch(/onpaste|value=/);
    expect(page.html).toContain(copy('en', 'password_hint'));
    expect(page.html).toContain('12 or more');
    expect(page.html).toContain(copy('en', 'show_password'));
    expect(page.html).toMatch(/<form method="post" action="\/reset\/[\w-]+">/);
  });

  it('speaks Spanish when the link was issued in a Spanish conversation', async () => {
    harness = await startPage();
    const path = await harness.mintLink(ANA.email, 'es');
    const page = await getPage(harness.baseUrl + path, { 'accept-language': 'en-US,en;q=0.9' });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-language')).toBe('es');
    expect(page.html).toContain('<html lang="es">');
    expect(page.html).toContain(copy('es', 'heading'));
    expect(page.html).toContain(copy('es', 'password_label'));

    const weak = await postForm(harness.baseUrl + path, { password: 'Password1!', csrf: page.csrf! }, page.cookie);
    expect(weak.status).toBe(422);
    expect(weak.html).toContain(copy('es', 'feedback_common'));
    expect(weak.html).not.toContain('Password1!');

    const again = await getPage(harness.baseUrl + path);
    const done = await postForm(harness.baseUrl + path, { password: STRONG, csrf: again.csrf! }, again.cookie);
    expect(done.status).toBe(200);
    expect(done.html).toContain('<html lang="es">');
    expect(done.html).toContain(copy('es', 'success_heading'));
  });

  it('has the same copy keys in Spanish and English', () => {
    expect(Object.keys(resetPageCopy.es).sort()).toEqual(Object.keys(resetPageCopy.en).sort());
    for (const locale of ['es', 'en'] as const) {
      for (const [key, value] of Object.entries(resetPageCopy[locale])) expect(value.trim(), `${locale}.${key}`).not.toBe('');
    }
  });
});

describe('reset page: CSRF', () => {
  it('refuses a post without the field, without the cookie, with a tampered field or from another site', async () => {
    harness = await startPage();
    const path = await harness.mintLink(ANA.email, 'en');
    const url = harness.baseUrl + path;
    const page = await getPage(url);
    const [nonce, issued, mac] = page.csrf!.split('.');
    const tampered = `${nonce}.${issued}.${mac!.slice(0, -1)}${mac!.endsWith('0') ? '1' : '0'}`;
    const otherPage = await getPage(url);

    const attempts = [
      await postForm(url, { password: STRONG }, page.cookie),
      await postForm(url, { password: STRONG, csrf: page.csrf! }, null),
      await postForm(url, { password: STRONG, csrf: tampered }, page.cookie),
      await postForm(url, { password: STRONG, csrf: `${nonce}.${Number(issued) + 1}.${mac}` }, page.cookie),
      // A field and a cookie from two different page loads do not go together.
      await postForm(url, { password: STRONG, csrf: page.csrf! }, otherPage.cookie),
      await postForm(url, { password: STRONG, csrf: page.csrf! }, page.cookie, { 'sec-fetch-site': 'cross-site' }),
    ];
    for (const attempt of attempts) {
      expect(attempt.status).toBe(403);
      expectPageHeaders(attempt.headers, attempt.html);
      expect(attempt.html).toContain(copy('en', 'csrf_body'));
      expect(attempt.html).not.toContain(STRONG);
    }
    // Nothing was changed and the link still works.
    expect(await harness.reset.peek(path.split('/').pop()!)).not.toBeNull();
    expect(await harness.directory.signIn(ANA.email, ANA.oldPassword)).not.toBeNull();
  });

  it('sends the protective headers even when the server refuses the body itself', async () => {
    harness = await startPage();
    const path = await harness.mintLink(ANA.email, 'en');
    const res = await fetch(harness.baseUrl + path, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'password=x' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await harness.reset.peek(path.split('/').pop()!)).not.toBeNull();
  });

  it('refuses a CSRF field minted for another link', async () => {
    harness = await startPage();
    const first = await harness.mintLink(ANA.email, 'en');
    const second = await harness.mintLink('dani@example.com', 'en');
    const firstPage = await getPage(harness.baseUrl + first);
    const res = await postForm(harness.baseUrl + second, { password: STRONG, csrf: firstPage.csrf! }, firstPage.cookie);
    expect(res.status).toBe(403);
    expect(await harness.directory.signIn('dani@example.com', STRONG)).toBeNull();
  });
});

describe('reset page: choosing the password', () => {
  it('refuses Password1! with the reason, without echoing it, and keeps the link usable', async () => {
    harness = await startPage();
    const path = await harness.mintLink(ANA.email, 'en');
    const url = harness.baseUrl + path;
    const page = await getPage(url);
    const weak = await postForm(url, { password: 'Password1!', csrf: page.csrf! }, page.cookie);

    expect(weak.status).toBe(422);
    expectPageHeaders(weak.headers, weak.html);
    expect(weak.html).toContain(copy('en', 'feedback_heading'));
    expect(weak.html).toContain(copy('en', 'feedback_common'));
    expect(weak.html).toContain('role="alert"');
    expect(weak.html).toContain('aria-invalid="true"');
    expect(weak.html).not.toContain('Password1!');
    expect(weak.html).not.toMatch(/feedback_|tip_/);
    // The re-rendered form brings a fresh CSRF field for the next try.
    expect(weak.html).toMatch(/name="csrf" value="[\w-]+\.\d+\.[0-9a-f]{64}"/);
    expect(await harness.directory.signIn(ANA.email, ANA.oldPassword)).not.toBeNull();
    expect(await harness.reset.peek(path.split('/').pop()!)).not.toBeNull();
  });

  it('refuses too short and the person’s own email', async () => {
    harness = await startPage();
    const path = await harness.mintLink(ANA.email, 'en');
    const url = harness.baseUrl + path;
    const page = await getPage(url);
    const short = await postForm(url, { password: 'x9#Lq2!', csrf: page.csrf! }, page.cookie);
    expect(short.status).toBe(422);
    expect(short.html).toContain(copy('en', 'feedback_too_short'));
    const own = await postForm(url, { password: 'Ana@Example.com', csrf: page.csrf! }, page.cookie);
    expect(own.status).toBe(422);
    expect(own.html).toContain(copy('en', 'feedback_personal'));
    expect(own.html).not.toContain('Ana@Example.com');
  });

  it('sets a strong passphrase once: success, old password and sessions dead, the link then gone', async () => {
    harness = await startPage();
    const oldSession = await harness.directory.signIn(ANA.email, ANA.oldPassword);
    expect(oldSession).not.toBeNull();
    const path = await harness.mintLink(ANA.email, 'en');
    const url = harness.baseUrl + path;
    const page = await getPage(url);

    const done = await postForm(url, { password: STRONG, csrf: page.csrf! }, page.cookie);
    expect(done.status).toBe(200);
    expectPageHeaders(done.headers, done.html);
    expect(done.html).toContain(copy('en', 'success_heading'));
    expect(done.html).toContain('go back to the chat');
    expect(done.html).not.toContain(STRONG);

    expect(await harness.directory.signIn(ANA.email, STRONG)).not.toBeNull();
    expect(await harness.directory.signIn(ANA.email, ANA.oldPassword)).toBeNull();
    expect(await harness.directory.isSessionValid(oldSession!.session)).toBe(false);
    expect(harness.resets.map((g) => g.accountId)).toEqual(['acct-ana']);

    // Single use: the page, and a replay of the same form, now say the link is gone.
    const reopened = await getPage(url);
    expect(reopened.status).toBe(410);
    expectPageHeaders(reopened.headers, reopened.html);
    expect(reopened.html).toContain(copy('en', 'expired_heading'));
    expect(reopened.html).not.toContain('name="password"');
    const replay = await postForm(url, { password: 'another strong passphrase for the lamp', csrf: page.csrf! }, page.cookie);
    expect(replay.status).toBe(410);
    expect(await harness.directory.signIn(ANA.email, STRONG)).not.toBeNull();
  });

  it('refuses a link older than 15 minutes', async () => {
    harness = await startPage();
    const path = await harness.mintLink(ANA.email, 'en');
    const url = harness.baseUrl + path;
    const page = await getPage(url);
    harness.clock.advance(15 * 60_000 + 1000);

    const late = await getPage(url);
    expect(late.status).toBe(410);
    expect(late.html).toContain(copy('en', 'expired_body'));
    const post = await postForm(url, { password: STRONG, csrf: page.csrf! }, page.cookie);
    expect(post.status).toBe(410);
    expect(await harness.directory.signIn(ANA.email, STRONG)).toBeNull();
    expect(await harness.directory.signIn(ANA.email, ANA.oldPassword)).not.toBeNull();
  });

  it('answers an unknown link politely in the language the browser asks for', async () => {
    harness = await startPage();
    const bogus = `${harness.baseUrl}/reset/AAAAAAAAAAAAAAAAAAAAAA`;
    const en = await getPage(bogus);
    expect(en.status).toBe(410);
    expect(en.html).toContain('<html lang="en">');
    expectPageHeaders(en.headers, en.html);
    const es = await getPage(bogus, { 'accept-language': 'fr-FR, es-MX;q=0.8, en;q=0.5' });
    expect(es.html).toContain('<html lang="es">');
    expect(es.html).toContain(copy('es', 'expired_heading'));
    const query = await getPage(`${bogus}?lang=es`, { 'accept-language': 'en' });
    expect(query.html).toContain('<html lang="es">');
    const junk = await getPage(`${harness.baseUrl}/reset/%3Cscript%3Ealert(1)%3C%2Fscript%3E`);
    expect(junk.status).toBe(410);
    expect(junk.html).not.toContain('<script>alert');
  });

  it('keeps passwords and link tokens out of logs and the audit trail', async () => {
    harness = await startPage();
    const path = await harness.mintLink(ANA.email, 'en');
    const token = path.split('/').pop()!;
    const url = harness.baseUrl + path;
    const page = await getPage(url);
    await postForm(url, { password: 'Password1!', csrf: page.csrf! }, page.cookie);
    await postForm(url, { password: STRONG, csrf: page.csrf! }, page.cookie);
    const everything = [...harness.logLines, ...harness.audit.lines].join('\n');
    expect(harness.audit.lines.some((l) => l.includes('reset_completed'))).toBe(true);
    for (const secret of [token, STRONG, 'Password1!']) expect(everything).not.toContain(secret);
  });
});

describe('reset page in the assembled app', () => {
  it('takes a link the chat gave out, in the chat’s language, and uses it once', async () => {
    const clock = new ManualClock(Date.now());
    const config = loadConfig({
      PORT: '0',
      AUDIT_LOG: 'off',
      LOG_LEVEL: 'silent',
      SECRET_KEY: 'x'.repeat(32),
      PUBLIC_BASE_URL,
      // Without an app id the SingleTenant default refuses to build the adapter; no channel is called here.
      MICROSOFT_APP_TYPE: 'MultiTenant',
    });
    const app = await createApp(config, { clock, auditSinks: [] });
    await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
    try {
      const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      const conversation = 'conv-app-page';
      await app.engine.handleTurn(conversation, { value: { choice: 'language_es' }, locale: 'es-ES' }, null);
      await app.engine.handleTurn(conversation, { value: { choice: 'recover' } }, null);
      await app.engine.handleTurn(conversation, { text: ANA.email }, null);
      await app.engine.handleTurn(conversation, { value: { choice: 'channel_email' } }, null);
      await app.delivery.drain();
      const code = /\b(\d{6})\b/.exec(app.outbox?.list().find((m) => m.to === ANA.email)?.text ?? '')?.[1];
      const turn = await app.engine.handleTurn(conversation, { text: code ?? 'no code' }, null);
      const url = String(turn.says.find((say) => say.key === 'reset_link')?.params?.url ?? '');
      expect(url.startsWith(`${PUBLIC_BASE_URL}/reset/`)).toBe(true);
      const link = baseUrl + new URL(url).pathname;

      const page = await getPage(link);
      expect(page.status).toBe(200);
      expectPageHeaders(page.headers, page.html);
      expect(turn.locale).toBe('es');
      expect(page.html).toContain('<html lang="es">');
      expect(page.html).toContain(copy('es', 'heading'));
      const weak = await postForm(link, { password: 'Password1!', csrf: page.csrf! }, page.cookie);
      expect(weak.status).toBe(422);
      expect(weak.html).not.toContain('Password1!');
      const done = await postForm(link, { password: STRONG, csrf: page.csrf! }, page.cookie);
      expect(done.status).toBe(200);
      expect(await app.directory.signIn(ANA.email, STRONG)).not.toBeNull();
      expect(await app.directory.signIn(ANA.email, ANA.oldPassword)).toBeNull();
      expect((await getPage(link)).status).toBe(410);
    } finally {
      await app.close();
    }
  });
});

// A real browser, when the machine has one (CI installs Debian's chromium): the CSP lets the page's own
// style and script run, show/hide works, pasting works, and the cookie round trip needs nothing special.
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
describe.skipIf(!existsSync(chromiumPath))('reset page in a browser', () => {
  it('sets a new password through the form with no CSP violation', async () => {
    const { chromium } = await import('playwright-core');
    harness = await startPage();
    const path = await harness.mintLink(ANA.email, 'en');
    const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
    try {
      const context = await browser.newContext({ locale: 'en-US', viewport: { width: 375, height: 700 } });
      const tab = await context.newPage();
      const violations: string[] = [];
      tab.on('console', (message) => {
        if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
      });
      await tab.goto(harness.baseUrl + path);
      expect(await tab.title()).toContain(BRAND);

      const field = tab.getByLabel('New password');
      const toggle = tab.getByRole('button', { name: 'Show password' });
      await expect.poll(() => toggle.isVisible()).toBe(true);
      // Paste, as from a password manager.
      await field.focus();
      await tab.evaluate((text) => {
        const input = document.getElementById('password') as HTMLInputElement;
        const data = new DataTransfer();
        data.setData('text/plain', text);
        const event = new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true });
        if (input.dispatchEvent(event)) input.value = text;
      }, 'Password1!');
      expect(await field.inputValue()).toBe('Password1!');
      await toggle.click();
      expect(await field.getAttribute('type')).toBe('text');
      expect(await tab.getByRole('button', { name: 'Hide password' }).getAttribute('aria-pressed')).toBe('true');
      await tab.getByRole('button', { name: 'Change password' }).click();
      await tab.waitForLoadState();
      expect(await tab.getByRole('alert').innerText()).toContain(resetPageCopy.en.feedback_common);
      expect(await field.inputValue()).toBe('');

      await field.fill(STRONG);
      await tab.getByRole('button', { name: 'Change password' }).click();
      await tab.getByRole('heading', { name: resetPageCopy.en.success_heading }).waitFor();
      const styled = await tab.evaluate(() => getComputedStyle(document.querySelector('main')!).maxWidth);
      expect(styled).not.toBe('none');
      expect(violations).toEqual([]);
      expect(await harness.directory.signIn(ANA.email, STRONG)).not.toBeNull();
    } finally {
      await browser.close();
    }
  });
});
