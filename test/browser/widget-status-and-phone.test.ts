// Two things a support team notices in the widget. The connection status is honest: nothing says
// "connecting" once the greeting is on screen, and a dropped stream (the server side of the WebSocket
// closed) shows Web Chat's reconnecting notice until the stream is back, with no message lost. And on a
// phone the header is one slim row, so the transcript gets the screen, while the toggle still works.
import type { Socket } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { text } from '../../dialogs/catalog.js';
import { widgetText } from '../../dialogs/pages/widget-page.js';
import type { Locale } from '../../machines/recovery.types.js';
import { launchChromium, newContext, requireChromium, saveArtifact, watchForProblems } from '../helpers/browser.js';
import { WebChatPage } from '../helpers/web-chat.js';
import { startWebApp, type WebApp } from '../helpers/web-app.js';

const BRAND = 'StreamFlix Demo';
const say = (locale: Locale, key: string) => text(locale, key, { brand: BRAND, minutes: 10, digits: 6 });
/** Every "connecting" wording on the page: ours ("Connecting to the assistant…") and Web Chat's, both languages. */
const CONNECTING = /connecting|conectando/i;

requireChromium();

let web: WebApp;
let browser: Browser;
/** The server side of every WebSocket the browser opened, so a test can cut the stream. */
const streams: Socket[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  web = await startWebApp();
  // A second listener only looks: the Direct Line route still takes the upgrade.
  (web.app.server as unknown as { server: HttpServer }).server.on('upgrade', (_req, socket: Socket) => streams.push(socket));
});
afterAll(async () => {
  await browser?.close();
  await web?.close();
});

/** From the first paint on, notes every change in what the chat area says and how many bubbles it has. */
const SAMPLER = `
  window.__samples = [];
  let last = '';
  const sample = () => {
    const chat = document.getElementById('chat');
    if (chat) {
      const said = chat.textContent.replace(/\\s+/g, ' ');
      const bubbles = chat.querySelectorAll('.webchat__bubble').length;
      const key = bubbles + '|' + said;
      if (key !== last) {
        last = key;
        window.__samples.push({ at: Math.round(performance.now()), bubbles, said });
      }
    }
    requestAnimationFrame(sample);
  };
  requestAnimationFrame(sample);
`;
type Sample = { at: number; bubbles: number; said: string };
const samples = (page: Page) => page.evaluate('window.__samples') as Promise<Sample[]>;

describe('the connection status', { timeout: 90_000 }, () => {
  it('says nothing about connecting once the greeting is on screen', async () => {
    const context = await newContext(browser, { locale: 'es-ES' });
    const page = await context.newPage();
    const problems = watchForProblems(page);
    await page.addInitScript({ content: SAMPLER });
    const chat = new WebChatPage(page);
    await page.goto(`${web.baseUrl}/`);
    await chat.waitForBot(say('es', 'welcome'));
    await page.waitForTimeout(5_000);

    const seen = await samples(page);
    // The page did say it was connecting before the greeting (the test would notice if sampling saw nothing)...
    expect(seen.some((s) => s.bubbles === 0 && CONNECTING.test(s.said))).toBe(true);
    // ...and never once a bubble was on screen, sampled at every frame for five seconds.
    const late = seen.filter((s) => s.bubbles > 0 && CONNECTING.test(s.said));
    expect(late.map((s) => `${s.at} ms: ${/[^.]*(connecting|conectando)[^.]*/i.exec(s.said)?.[0]}`)).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows a notice when the stream drops, and recovers without losing a reply', async () => {
    const context = await newContext(browser, { locale: 'en-US' });
    const page = await context.newPage();
    const problems = watchForProblems(page);
    const chat = new WebChatPage(page);
    await page.goto(`${web.baseUrl}/`);
    await chat.waitForBot(say('en', 'welcome'));
    const opened = streams.length;
    expect(opened).toBeGreaterThan(0);
    const notice = page.locator('.webchat__connectivityStatus');

    // Cut the stream from the server side, as a restart or a proxy timeout would.
    for (const socket of streams) socket.destroy();
    await expect
      .poll(() => notice.allInnerTexts().then((t) => t.join(' ')), { timeout: 5_000, interval: 50 })
      .toMatch(/Reconnecting/);
    saveArtifact('widget-reconnecting.png', await page.screenshot());

    // Said while the stream is down: the message goes out over HTTP, the reply waits in the server's log.
    const box = page.locator('[data-id="webchat-sendbox-input"]');
    await box.fill('I forgot my password');
    await box.press('Enter');

    // directlinejs opens a new stream after 3 to 15 s; the notice goes and the reply is there.
    await chat.waitForBot(say('en', 'ask_identifier'), 30_000);
    expect(streams.length).toBeGreaterThan(opened);
    await expect.poll(() => notice.count(), { timeout: 5_000, interval: 50 }).toBe(0);

    // The new stream carries the conversation on.
    await chat.say('ana@example.com');
    await chat.waitForBot(say('en', 'ask_channel'));
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe('on a phone', { timeout: 90_000 }, () => {
  it('keeps the header slim and the toggle usable; the transcript gets the screen', async () => {
    const context = await newContext(browser, { locale: 'en-US', phone: true });
    const page = await context.newPage();
    const problems = watchForProblems(page);
    const chat = new WebChatPage(page);
    await page.goto(`${web.baseUrl}/`);
    await chat.waitForBot(say('en', 'welcome'));

    const viewport = page.viewportSize()!;
    expect(viewport).toEqual({ width: 390, height: 844 });
    const bar = (await page.locator('.bar').boundingBox())!;
    const transcript = (await page.locator('#chat').boundingBox())!;
    // Everything above the transcript (brand, toggle, the intro's line and the development outbox link).
    expect(transcript.y).toBeLessThanOrEqual(viewport.height * 0.12);
    expect(bar.height).toBeLessThanOrEqual(viewport.height * 0.08);
    expect(transcript.height).toBeGreaterThanOrEqual(viewport.height * 0.85);
    // Nothing wider than the screen (no sideways scrolling).
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);

    const brand = page.locator('.brand');
    expect(await brand.isVisible()).toBe(true);
    expect(await brand.innerText()).toContain(BRAND);
    expect(await page.locator('.intro-short').innerText()).toBe(widgetText('en', 'intro_short'));
    for (const locale of ['es', 'en']) {
      const box = (await page.locator(`.lang button[data-locale="${locale}"]`).boundingBox())!;
      expect(box.width).toBeGreaterThanOrEqual(44);
      expect(box.height).toBeGreaterThanOrEqual(44);
      expect(box.x + box.width).toBeLessThanOrEqual(viewport.width);
    }
    saveArtifact('widget-phone.png', await page.screenshot());

    // The toggle works by touch.
    await page.locator('.lang button[data-locale="es"]').tap();
    await chat.waitForBot(say('es', 'language_switched'));
    expect(await page.locator('.lang button[data-locale="es"]').getAttribute('aria-pressed')).toBe('true');
    expect(await page.locator('.intro-short').innerText()).toBe(widgetText('es', 'intro_short'));
    expect((await page.locator('#chat').boundingBox())!.y).toBeLessThanOrEqual(viewport.height * 0.12);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('leaves the desktop layout as it was: the whole intro, no short line', async () => {
    const context = await newContext(browser, { locale: 'en-US' });
    const page = await context.newPage();
    const chat = new WebChatPage(page);
    await page.goto(`${web.baseUrl}/`);
    await chat.waitForBot(say('en', 'welcome'));
    expect(await page.locator('.intro').innerText()).toBe(widgetText('en', 'intro', { brand: BRAND }));
    expect(await page.locator('.intro-short').isVisible()).toBe(false);
    // The brand on one line, at its full size.
    expect((await page.locator('.brand').boundingBox())!.height).toBeLessThan(40);
    expect(await page.locator('.brand').evaluate((el) => getComputedStyle(el).fontSize)).toBe('18.4px');
    await context.close();
  });
});
