// Reloading the page keeps the conversation: same conversation id, the transcript back on screen, no second
// greeting, and the journey goes on from where it was. Another tab gets a conversation of its own.
// Also: the language toggle switches the page, Web Chat and the bot, and survives a reload.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { text } from '../../dialogs/catalog.js';
import { widgetText } from '../../dialogs/pages/widget-page.js';
import type { Locale } from '../../machines/recovery.types.js';
import { launchChromium, newContext, requireChromium, saveArtifact, watchForProblems } from '../helpers/browser.js';
import { WebChatPage } from '../helpers/web-chat.js';
import { startWebApp, type WebApp } from '../helpers/web-app.js';

const BRAND = 'StreamFlix Demo';
const say = (locale: Locale, key: string) => text(locale, key, { brand: BRAND, minutes: 10, digits: 6 });

requireChromium();

let web: WebApp;
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
  web = await startWebApp();
});
afterAll(async () => {
  await browser?.close();
  await web?.close();
});

describe('the widget across a page refresh', { timeout: 90_000 }, () => {
  it('keeps the same conversation and goes on from where it was', async () => {
    const context = await newContext(browser, { locale: 'es-ES' });
    const page = await context.newPage();
    const problems = watchForProblems(page);
    const chat = new WebChatPage(page);
    await page.goto(`${web.baseUrl}/`);
    await chat.waitForBot(say('es', 'welcome'));
    await chat.press(say('es', 'choice_recover'));
    await chat.say('ana@example.com');
    await chat.waitForBot(say('es', 'ask_channel'));
    const before = await chat.session();
    expect(before?.conversationId).toBeTruthy();
    const transcript = await chat.botMessages();

    await page.reload();
    // The transcript comes back, in order, with the user's own messages, and the bot does not greet again.
    await chat.waitForBot(say('es', 'ask_channel'));
    expect((await chat.session())?.conversationId).toBe(before!.conversationId);
    expect(await chat.botMessages()).toEqual(transcript);
    expect(await chat.userMessages()).toEqual([say('es', 'choice_recover'), 'ana@example.com']);
    expect((await chat.botMessages()).filter((m) => m === say('es', 'welcome'))).toHaveLength(1);

    // The channel buttons are offered again and the journey continues.
    expect(await chat.suggestedActions()).toContain(say('es', 'choice_channel_email'));
    await chat.press(say('es', 'choice_channel_email'));
    await chat.waitForBot(say('es', 'code_sent_email').split('{')[0]!.slice(0, 30));
    saveArtifact('widget-after-refresh.png', await page.screenshot());

    // A second tab is a second conversation (sessionStorage belongs to one tab).
    const other = await context.newPage();
    const otherChat = new WebChatPage(other);
    await other.goto(`${web.baseUrl}/`);
    await otherChat.waitForBot(say('es', 'welcome'));
    expect((await otherChat.session())?.conversationId).not.toBe(before!.conversationId);
    expect(await otherChat.userMessages()).toEqual([]);

    expect(problems).toEqual([]);
    await context.close();
  });

  it('starts a new conversation when the kept one can no longer be resumed', async () => {
    const context = await newContext(browser, { locale: 'en-US' });
    const page = await context.newPage();
    const chat = new WebChatPage(page);
    await page.goto(`${web.baseUrl}/`);
    await chat.waitForBot(say('en', 'welcome'));
    // A token from another server (or a restarted one with a new key) is refused; the page starts afresh.
    // Spoiled as the next page loads, since the page saves its good token as it unloads.
    const old = (await chat.session())?.conversationId;
    await page.addInitScript(() => {
      const saved = JSON.parse(sessionStorage.getItem('clave.webchat.v1') ?? '{}') as { token?: string };
      if (saved.token) sessionStorage.setItem('clave.webchat.v1', JSON.stringify({ ...saved, token: `${saved.token}x` }));
    });
    await page.reload();
    await chat.waitForBot(say('en', 'welcome'));
    expect((await chat.session())?.conversationId).not.toBe(old);
    await context.close();
  });
});

describe('the language toggle', { timeout: 90_000 }, () => {
  it('switches the page, Web Chat and the bot, and stays switched after a reload', async () => {
    const context = await newContext(browser, { locale: 'es-ES' });
    const page = await context.newPage();
    const problems = watchForProblems(page);
    const chat = new WebChatPage(page);
    await page.goto(`${web.baseUrl}/`);
    await chat.waitForBot(say('es', 'welcome'));
    const es = page.locator('.lang button[data-locale="es"]');
    const en = page.locator('.lang button[data-locale="en"]');
    expect(await es.getAttribute('aria-pressed')).toBe('true');
    expect(await page.locator('[data-id="webchat-sendbox-input"]').getAttribute('placeholder')).toMatch(/mensaje/i);

    await en.click();
    await chat.waitForBot(say('en', 'language_switched'));
    expect(await chat.userMessages()).toEqual([say('en', 'choice_language_en')]);
    expect(await en.getAttribute('aria-pressed')).toBe('true');
    expect(await es.getAttribute('aria-pressed')).toBe('false');
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.title()).toBe(widgetText('en', 'page_title', { brand: BRAND }));
    expect(await page.locator('#outbox-link').getAttribute('href')).toBe('/dev/outbox/view?lang=en');
    expect(await page.locator('[data-id="webchat-sendbox-input"]').getAttribute('placeholder')).toBe('Type your message');

    // The bot carries on in English.
    await chat.say('I forgot my password');
    await chat.waitForBot(say('en', 'ask_identifier'));

    await page.reload();
    await chat.waitForBot(say('en', 'ask_identifier'));
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.locator('[data-id="webchat-sendbox-input"]').getAttribute('placeholder')).toBe('Type your message');
    expect(problems).toEqual([]);
    await context.close();
  });
});
