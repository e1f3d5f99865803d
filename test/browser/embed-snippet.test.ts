// The embed snippet on another site: a host page on a different origin (its own little HTTP server) pastes
// the script tag and the container; the chat opens inside an iframe in Spanish and the journey starts. The
// widget page may be framed only by the origins in EMBED_ALLOWED_ORIGINS; every other page stays DENY.
import { copyFileSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { text } from '../../dialogs/catalog.js';
import { widgetText } from '../../dialogs/pages/widget-page.js';
import type { Locale } from '../../machines/recovery.types.js';
import { launchChromium, newContext, repoRoot, requireChromium, saveArtifact, watchForProblems } from '../helpers/browser.js';
import { WebChatPage } from '../helpers/web-chat.js';
import { startWebApp, type WebApp } from '../helpers/web-app.js';

const BRAND = 'StreamFlix Demo';
const say = (locale: Locale, key: string) => text(locale, key, { brand: BRAND, minutes: 10, digits: 6 });

requireChromium();

/** A company's own site: one page with the snippet, on 127.0.0.1 at a port of its own (another origin). */
async function startHostSite(snippet: (path: string) => string): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Acme Streaming · Help centre</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f4f6}header{background:#222;color:#fff;padding:16px 24px}
main{max-width:960px;margin:0 auto;padding:24px;display:grid;grid-template-columns:1fr 420px;gap:24px}
#clave-chat{height:620px;border-radius:12px;overflow:hidden;box-shadow:0 4px 24px rgba(0,0,0,.15);background:#fff}</style></head>
<body><header><strong>Acme Streaming</strong> — Help centre</header>
<main><section><h1>Can't sign in?</h1><p>Our assistant helps you get back into your account.</p></section>
${snippet(req.url ?? '/')}
</main></body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

let web: WebApp;
let browser: Browser;
let host: { server: Server; origin: string };

beforeAll(async () => {
  browser = await launchChromium();
  // The app is started after the host site, so the host's origin can be the one allowed to embed it.
  // NODE_ENV=test: no development allowance for every localhost port, only the listed origin.
  host = await startHostSite((path) =>
    path === '/launcher'
      ? `<div data-clave-container data-mode="launcher" data-lang="en"></div>\n<script src="${web.baseUrl}/embed.js" async></script>`
      : `<div id="clave-chat" data-lang="es"></div>\n<script src="${web.baseUrl}/embed.js" async></script>`,
  );
  web = await startWebApp({ NODE_ENV: 'test', EMBED_ALLOWED_ORIGINS: host.origin });
});
afterAll(async () => {
  await browser?.close();
  await web?.close();
  await new Promise((resolve) => host?.server.close(resolve));
});

async function chatFrame(page: Page): Promise<Frame> {
  const element = await page.waitForSelector('#clave-chat iframe');
  const frame = await element.contentFrame();
  if (!frame) throw new Error('the snippet made no iframe');
  return frame;
}

describe('the embed snippet on another site', { timeout: 90_000 }, () => {
  it('opens the chat in Spanish inside an iframe, and the journey starts', async () => {
    const context = await newContext(browser, { locale: 'en-US' });
    const page = await context.newPage();
    const problems = watchForProblems(page);
    await page.goto(`${host.origin}/`);

    const iframe = page.locator('#clave-chat iframe');
    await iframe.waitFor();
    expect(await iframe.getAttribute('src')).toBe(`${web.baseUrl}/?embed=1&lang=es`);
    expect(await iframe.getAttribute('title')).toBe(widgetText('es', 'chat_label', { brand: BRAND }));
    const frame = await chatFrame(page);
    // Web Chat's own calls expect a Page; a Frame answers the same locators.
    const chat = new WebChatPage(frame as unknown as Page);
    await chat.waitForBot(say('es', 'welcome'));
    // Embedded: no page header or intro, just the chat, sized by the container.
    expect(await frame.locator('header.bar').count()).toBe(0);
    expect(await frame.locator('.intro').count()).toBe(0);
    const box = await iframe.boundingBox();
    expect(box?.height).toBeGreaterThan(600);

    await chat.say('olvidé mi clave');
    await chat.waitForBot(say('es', 'ask_identifier'));
    // The user's bubble is in the brand's colour.
    const bubble = frame.locator('.webchat__bubble--from-user .webchat__bubble__content').first();
    expect(await bubble.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(107, 33, 168)');

    const shot = await page.screenshot();
    saveArtifact('embed.png', shot);
    mkdirSync(join(repoRoot, 'docs'), { recursive: true });
    copyFileSync(join(repoRoot, 'test-artifacts', 'embed.png'), join(repoRoot, 'docs', 'embed.png'));
    expect(problems).toEqual([]);
    await context.close();
  });

  it('opens from a launcher button in the brand colour with data-mode="launcher"', async () => {
    const context = await newContext(browser, { locale: 'es-ES' });
    const page = await context.newPage();
    const problems = watchForProblems(page);
    await page.goto(`${host.origin}/launcher`);
    const button = page.locator('[data-clave-container] button');
    expect(await button.textContent()).toBe(widgetText('en', 'embed_open', { brand: BRAND }));
    expect(await button.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(107, 33, 168)');
    expect(await page.locator('[data-clave-container] iframe').count()).toBe(0);
    await button.click();
    expect(await button.getAttribute('aria-expanded')).toBe('true');
    expect(await button.textContent()).toBe(widgetText('en', 'embed_close', { brand: BRAND }));
    const frame = await (await page.waitForSelector('[data-clave-container] iframe')).contentFrame();
    await new WebChatPage(frame as unknown as Page).waitForBot(say('en', 'welcome'));
    saveArtifact('embed-launcher.png', await page.screenshot());
    await button.click();
    expect(await page.locator('[data-clave-container] iframe').isVisible()).toBe(false);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('serves the snippet to other sites with a day of cache and the right content type', async () => {
    const response = await fetch(`${web.baseUrl}/embed.js`, { headers: { Origin: host.origin } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/javascript; charset=utf-8');
    expect(response.headers.get('cache-control')).toMatch(/max-age=86400/);
    expect(response.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    const etag = response.headers.get('etag')!;
    const body = await response.text();
    expect(body).toContain(widgetText('es', 'embed_open', { brand: BRAND }));
    expect(body).not.toContain('__CLAVE_EMBED_SETTINGS__');
    expect((await fetch(`${web.baseUrl}/embed.js`, { headers: { 'If-None-Match': etag } })).status).toBe(304);
  });

  it('lets only the listed origins frame the widget page; other pages stay DENY', async () => {
    const widget = await fetch(`${web.baseUrl}/?embed=1&lang=es`);
    const csp = widget.headers.get('content-security-policy') ?? '';
    const ancestors = /frame-ancestors ([^;]+)/.exec(csp)?.[1]?.trim().split(/\s+/);
    expect(ancestors).toEqual(["'self'", host.origin]);
    expect(ancestors).not.toContain('https://evil.example');
    expect(widget.headers.get('x-frame-options')).toBeNull();
    expect((await fetch(`${web.baseUrl}/not-me`)).headers.get('x-frame-options')).toBe('DENY');
  });

  it('is refused by a browser on a site that is not listed', async () => {
    const other = await startHostSite(() => `<div id="clave-chat" data-lang="es"></div>\n<script src="${web.baseUrl}/embed.js" async></script>`);
    try {
      const context = await newContext(browser, { locale: 'es-ES' });
      const page = await context.newPage();
      await page.goto(`${other.origin}/`);
      const frame = await chatFrame(page);
      // Chromium puts its error page in place of a frame that frame-ancestors refuses.
      await expect.poll(() => frame.url(), { timeout: 10_000 }).toMatch(/^chrome-error:/);
      expect(await frame.locator('#webchat').count()).toBe(0);
      await context.close();
    } finally {
      await new Promise((resolve) => other.server.close(resolve));
    }
  });
});

describe('the embed snippet in development', { timeout: 60_000 }, () => {
  it('allows any localhost port to frame the widget page, and nothing else', async () => {
    const dev = await startWebApp({ NODE_ENV: 'development' });
    try {
      const csp = (await fetch(`${dev.baseUrl}/`)).headers.get('content-security-policy') ?? '';
      expect(/frame-ancestors ([^;]+)/.exec(csp)?.[1]?.trim()).toBe("'self' http://localhost:* http://127.0.0.1:*");
    } finally {
      await dev.close();
    }
  });
});
