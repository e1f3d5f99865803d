// The newcomer's journey in a real browser (Debian's chromium): open the widget, get greeted in the
// browser's language, identify with a demo account, pick a channel with a button, read the code on the
// development outbox page (opened from the widget's link, updating live), type it, pass the second factor
// where the account has one, follow the reset link, set a new password and see the confirmation arrive.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from 'otplib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { text } from '../../dialogs/catalog.js';
import { pageText } from '../../dialogs/pages/reset-page.js';
import { widgetText } from '../../dialogs/pages/widget-page.js';
import type { Locale } from '../../machines/recovery.types.js';
import { launchChromium, newContext, requireChromium, repoRoot, saveArtifact, watchForProblems } from '../helpers/browser.js';
import { median, WebChatPage } from '../helpers/web-chat.js';
import { startWebApp, type WebApp } from '../helpers/web-app.js';

const BRAND = 'StreamFlix Demo';
const defaults = { brand: BRAND, minutes: 10, digits: 6 };
const say = (locale: Locale, key: string, params: Record<string, string | number> = {}) => text(locale, key, { ...defaults, ...params });
/** The words of a message before its first placeholder other than the brand (values the test cannot know). */
const opening = (locale: Locale, key: string) => text(locale, key, { brand: BRAND }).split('{')[0]!.trim();

requireChromium();

let web: WebApp;
let browser: Browser;
const latencies: number[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  web = await startWebApp();
});

afterAll(async () => {
  await browser?.close();
  await web?.close();
  if (latencies.length) {
    saveArtifact('widget-latency.json', JSON.stringify({ medianMs: median(latencies), samplesMs: latencies }, null, 2));
    process.stdout.write(`widget reply latency: median ${median(latencies)} ms over ${latencies.length} sends\n`);
  }
});

/** Opens the outbox page from the widget's own link (it opens a new tab). */
async function openOutbox(context: BrowserContext, chat: Page, locale: Locale): Promise<Page> {
  const link = chat.locator('#outbox-link');
  await expect(link.innerText()).resolves.toContain(widgetText(locale, 'outbox_link'));
  const [outbox] = await Promise.all([context.waitForEvent('page'), link.click()]);
  await outbox.waitForLoadState('domcontentloaded');
  await expect(outbox.locator('h1').innerText()).resolves.toBe(widgetText(locale, 'outbox_heading'));
  await outbox.locator('#live[data-state="live"]').waitFor();
  return outbox;
}

/** Waits on the (already open) outbox page for a new code to a destination, and reads it. */
async function newCodeOnOutbox(outbox: Page, to: string, seenBefore: number): Promise<string> {
  const entries = outbox.locator(`article[data-to="${to}"]`);
  await outbox.waitForFunction(
    ([selector, count]) => document.querySelectorAll(selector as string).length > (count as number),
    [`article[data-to="${to}"]`, seenBefore] as const,
    { timeout: 10_000 },
  );
  // Newest first: the new message is on top.
  const body = await entries.first().locator('pre').innerText();
  const code = /\b(\d{6})\b/.exec(body)?.[1];
  expect(code, `no code in ${body}`).toBeDefined();
  return code!;
}

/** Follows the link in the chat to the reset page, sets a new password there and checks the page says so. */
async function resetPassword(context: BrowserContext, chat: Page, locale: Locale, password: string): Promise<void> {
  const link = chat.locator('.webchat__bubble__content a[href*="/reset/"]').last();
  expect(await link.getAttribute('href')).toMatch(new RegExp(`^${web.baseUrl}/reset/[\\w-]+$`));
  const [resetPage] = await Promise.all([context.waitForEvent('page'), link.click()]);
  await resetPage.waitForLoadState('domcontentloaded');
  await resetPage.locator('#password').fill(password);
  await Promise.all([resetPage.waitForLoadState('domcontentloaded'), resetPage.locator('button[type="submit"]').click()]);
  await expect(resetPage.locator('h1').innerText()).resolves.toBe(pageText(locale, 'success_heading', { brand: BRAND }));
  await resetPage.screenshot({ path: join(repoRoot, 'test-artifacts', `reset-done-${locale}.png`) });
  await resetPage.close();
}

async function signIn(identifier: string, password: string): Promise<number> {
  const response = await fetch(`${web.baseUrl}/dev/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ identifier, password }),
  });
  return response.status;
}

const newPassword = () => `Lantern-Orchard-${randomBytes(4).toString('hex')}-Quietly-Drifts`;

describe('a whole recovery in the web widget', { timeout: 90_000 }, () => {
  it('in Spanish, for an account without a second factor (Ana)', async () => {
    const context = await newContext(browser, { locale: 'es-ES' });
    const page = await context.newPage();
    const problems = watchForProblems(page);
    const chat = new WebChatPage(page);
    await page.goto(`${web.baseUrl}/`);

    // Branded, in Spanish, greeting and saying what it can do.
    await chat.waitForBot(say('es', 'welcome'));
    expect(await page.locator('html').getAttribute('lang')).toBe('es');
    expect(await page.title()).toBe(widgetText('es', 'page_title', { brand: BRAND }));
    expect(await page.locator('h1').innerText()).toBe(widgetText('es', 'heading', { brand: BRAND }));
    expect(await chat.suggestedActions()).toEqual([say('es', 'choice_recover'), say('es', 'choice_agent')]);

    await chat.press(say('es', 'choice_recover'));
    await chat.waitForBot(say('es', 'ask_identifier'));
    await chat.say('ana@example.com');
    await chat.waitForBot(say('es', 'ask_channel'));
    expect(await chat.suggestedActions()).toEqual([
      say('es', 'choice_channel_email'),
      say('es', 'choice_channel_alt_email'),
      say('es', 'choice_channel_sms'),
    ]);
    const shot = await page.screenshot();
    saveArtifact('widget-es.png', shot);
    // The README's picture; refreshed only on request so a test run leaves the tree clean.
    if (!existsSync(join(repoRoot, 'docs', 'widget.png')) || process.env.UPDATE_SCREENSHOTS === '1') {
      await page.screenshot({ path: join(repoRoot, 'docs', 'widget.png') });
    }

    const outbox = await openOutbox(context, page, 'es');
    const before = await outbox.locator('article[data-to="ana@example.com"]').count();
    await page.bringToFront();
    await chat.press(say('es', 'choice_channel_email'));
    await chat.waitForBot(say('es', 'code_sent_email'));
    const code = await newCodeOnOutbox(outbox, 'ana@example.com', before);

    await chat.say(code);
    await chat.waitForBot(say('es', 'code_verified'));
    await chat.waitForBot(opening('es', 'reset_link'));

    const password = newPassword();
    await resetPassword(context, page, 'es', password);
    await chat.waitForBot(say('es', 'reset_done'));
    await page.waitForTimeout(500); // let Web Chat finish scrolling before the picture
    saveArtifact('widget-es-done.png', await page.screenshot());

    expect(await signIn('ana@example.com', password)).toBe(200);
    expect(await signIn('ana@example.com', 'Lighthouse-Paper-41')).toBe(401);
    expect(problems).toEqual([]);
    latencies.push(...chat.latencies);
    await context.close();
  });

  it('in English, on a phone, for an account with an authenticator (Ben)', async () => {
    const context = await newContext(browser, { locale: 'en-US', phone: true });
    const page = await context.newPage();
    const problems = watchForProblems(page);
    const chat = new WebChatPage(page);
    await page.goto(`${web.baseUrl}/`);

    await chat.waitForBot(say('en', 'welcome'));
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    // Fits the phone's width: nothing to scroll sideways, and the send box is on screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await expect(page.locator('[data-id="webchat-sendbox-input"]').isVisible()).resolves.toBe(true);
    await page.waitForTimeout(500);
    saveArtifact('widget-en-phone.png', await page.screenshot());

    await chat.say('I forgot my password');
    await chat.waitForBot(say('en', 'ask_identifier'));
    await chat.say('ben@example.com');
    await chat.waitForBot(say('en', 'ask_channel'));

    const outbox = await openOutbox(context, page, 'en');
    const before = await outbox.locator('article[data-to="ben@example.com"]').count();
    await page.bringToFront();
    await chat.press(say('en', 'choice_channel_email'));
    await chat.waitForBot(say('en', 'code_sent_email'));
    const code = await newCodeOnOutbox(outbox, 'ben@example.com', before);

    await chat.say(code);
    await chat.waitForBot(say('en', 'ask_second_factor'));
    const totp = await generate({ secret: 'CNJW5PUQ3ARXF37NFCAO23RDL3LZ7TIO', epoch: Math.floor(Date.now() / 1000) });
    await chat.say(totp);
    await chat.waitForBot(opening('en', 'reset_link'));

    const password = newPassword();
    await resetPassword(context, page, 'en', password);
    await chat.waitForBot(say('en', 'reset_done'));
    await page.waitForTimeout(500);
    saveArtifact('widget-en-done.png', await page.screenshot());

    expect(await signIn('ben@example.com', password)).toBe(200);
    expect(problems).toEqual([]);
    latencies.push(...chat.latencies);
    await context.close();
  });
});
