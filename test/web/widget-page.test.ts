// The widget page and the development outbox page over HTTP: headers (CSP, caching), what is served from
// where, configuration (brand, colour, switches), and the outbox's live stream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { widgetPageCopy } from '../../dialogs/pages/widget-page.js';
import { loadConfig } from '../../src/config.js';
import { contrastRatio, readableOnWhite, textColorOn } from '../../src/web/html.js';
import { startHarness, type Harness } from '../helpers/bot-harness.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ BRAND_COLOR: '#FFD500', BRAND_NAME: 'Flix </script><b>' });
});
afterAll(async () => harness.close());

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${harness.baseUrl}${path}`, { headers });
const pageConfig = (html: string) =>
  JSON.parse(/<script type="application\/json" id="clave-widget-config">(.*?)<\/script>/s.exec(html)![1]!) as {
    nonce: string;
    brand: string;
    colors: { brand: string; onBrand: string; accent: string };
    copy: { es: Record<string, string>; en: Record<string, string> };
  };

describe('the widget page', () => {
  it('speaks the browser language, with a strict CSP whose nonce is the one Web Chat gets', async () => {
    const response = await get('/', { 'accept-language': 'es-MX,es;q=0.9,en;q=0.5' });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    // Development: the embed snippet may frame it from any localhost port (CSP only), and from nowhere else.
    expect(response.headers.get('x-frame-options')).toBeNull();
    const html = await response.text();
    expect(html).toContain('<html lang="es">');
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain("frame-ancestors 'self' http://localhost:* http://127.0.0.1:*");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    expect(csp).toContain("default-src 'none'");
    const { nonce } = pageConfig(html);
    expect(nonce).toMatch(/^[\w-]{16,}$/);
    expect(csp).toContain(`style-src-elem 'self' 'nonce-${nonce}'`);
    expect(csp).toMatch(/connect-src 'self' ws:\/\/127\.0\.0\.1:\d+ wss:\/\/127\.0\.0\.1:\d+/);
    // No inline script at all: only external files and a JSON data block.
    expect(html.match(/<script(?![^>]*(src=|type="application\/json"))/g)).toBeNull();
    // A new nonce for every page.
    const again = pageConfig(await (await get('/')).text());
    expect(again.nonce).not.toBe(nonce);
  });

  it('falls back to English and offers both languages', async () => {
    const html = await (await get('/', { 'accept-language': 'de-DE' })).text();
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('data-locale="es"');
    expect(html).toContain('data-locale="en"');
  });

  it('escapes the configured brand everywhere and makes its colour readable', async () => {
    const html = await (await get('/')).text();
    expect(html).not.toContain('</script><b>');
    expect(html).toContain('Flix &lt;/script&gt;&lt;b&gt;');
    const config = pageConfig(html);
    expect(config.brand).toBe('Flix </script><b>');
    expect(config.colors.brand).toBe('#FFD500');
    expect(config.colors.onBrand).toBe('#111111'); // dark text on yellow
    expect(contrastRatio(config.colors.accent, '#ffffff')).toBeGreaterThanOrEqual(4.5);
  });

  it('links the development outbox, and serves Web Chat and its own files from this server with long caching', async () => {
    const html = await (await get('/')).text();
    expect(html).toContain('href="/dev/outbox/view?lang=en"');
    const scripts = [...html.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(2);
    expect(scripts[0]).toMatch(/^\/widget\/webchat\.[0-9a-f]{12}\.js$/);
    expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)[^"]*\.(js|css)/); // no CDN

    const bundle = await get(scripts[0]!, { 'accept-encoding': 'gzip' });
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(bundle.headers.get('content-type')).toMatch(/javascript/);
    const body = await bundle.text();
    expect(body).toContain('renderWebChat');
    const etag = bundle.headers.get('etag')!;
    expect((await get(scripts[0]!, { 'if-none-match': etag })).status).toBe(304);

    const css = [...html.matchAll(/<link rel="stylesheet" href="([^"]+)"/g)].map((m) => m[1]!)[0]!;
    expect(await (await get(css)).text()).toContain('--brand:#FFD500');
    expect((await get('/widget/webchat.000000000000.js')).status).toBe(404);
  });
});

describe('switches', () => {
  it('without the local Direct Line there is no widget and no /v3/directline', async () => {
    const off = await startHarness({ DIRECT_LINE_ENABLED: 'false' });
    try {
      expect((await fetch(`${off.baseUrl}/`)).status).toBe(404);
      expect((await fetch(`${off.baseUrl}/v3/directline/tokens/generate`, { method: 'POST' })).status).toBe(404);
    } finally {
      await off.close();
    }
  });

  it('without development routes the page has no outbox link and the outbox page does not exist', async () => {
    const prod = await startHarness({ DEV_ROUTES: 'false' });
    try {
      expect(await (await fetch(`${prod.baseUrl}/`)).text()).not.toContain('/dev/outbox');
      expect((await fetch(`${prod.baseUrl}/dev/outbox/view`)).status).toBe(404);
      expect((await fetch(`${prod.baseUrl}/dev/outbox/events`)).status).toBe(404);
    } finally {
      await prod.close();
    }
  });

  it('configuration: the local Direct Line is off by default when app credentials are set; colours are checked', () => {
    expect(loadConfig({}).directLineEnabled).toBe(true);
    expect(loadConfig({ MICROSOFT_APP_ID: 'app', MICROSOFT_APP_PASSWORD: 'pw' }).directLineEnabled).toBe(false);
    expect(loadConfig({ DIRECT_LINE_ENABLED: 'false' }).directLineEnabled).toBe(false);
    expect(loadConfig({ BRAND_COLOR: '1a2b3c' }).brandColor).toBe('#1A2B3C');
    expect(loadConfig({}).brandColor).toBe('#6B21A8');
    expect(() => loadConfig({ BRAND_COLOR: 'purple' })).toThrow(/BRAND_COLOR/);
  });
});

describe('colours', () => {
  it('puts readable text on the brand colour and darkens an accent until it reads on white', () => {
    expect(textColorOn('#6B21A8')).toBe('#ffffff');
    expect(textColorOn('#FFD500')).toBe('#111111');
    expect(readableOnWhite('#6B21A8')).toBe('#6b21a8');
    for (const color of ['#FFD500', '#00FF00', '#FFFFFF', '#7FDBFF']) {
      expect(contrastRatio(readableOnWhite(color), '#ffffff')).toBeGreaterThanOrEqual(4.5);
    }
  });
});

describe('page copy', () => {
  it('has the same keys in Spanish and English, none empty', () => {
    expect(Object.keys(widgetPageCopy.es).sort()).toEqual(Object.keys(widgetPageCopy.en).sort());
    for (const copy of Object.values(widgetPageCopy)) for (const value of Object.values(copy)) expect(value.trim()).not.toBe('');
  });
});

describe('the development outbox page', () => {
  it('is a page with a strict CSP', async () => {
    const response = await get('/dev/outbox/view?lang=es');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await response.text()).toContain('<html lang="es">');
  });

  it('streams what was sent, oldest first, then new messages as they are sent, and resumes after Last-Event-ID', async () => {
    await harness.say('outbox-1', 'I forgot my password');
    await harness.say('outbox-1', 'ana@example.com');
    await harness.press('outbox-1', 'channel_email');
    await harness.app.delivery.drain();
    const existing = harness.app.outbox!.list().length;
    expect(existing).toBeGreaterThan(0);

    const controller = new AbortController();
    const response = await fetch(`${harness.baseUrl}/dev/outbox/events`, { signal: controller.signal });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = response.body!.getReader();
    let received = '';
    const readUntil = async (count: number) => {
      while ((received.match(/^data: /gm) ?? []).length < count) {
        const { value, done } = await reader.read();
        if (done) break;
        received += new TextDecoder().decode(value);
      }
    };
    await readUntil(existing);
    await harness.press('outbox-1', 'resend');
    await harness.app.delivery.drain();
    await readUntil(existing + 1);
    controller.abort();
    const events = [...received.matchAll(/^id: (\d+)\ndata: (.*)$/gm)].map((m) => ({ id: Number(m[1]), entry: JSON.parse(m[2]!) as { to: string; text: string } }));
    expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort((a, b) => a - b));
    expect(events.at(-1)!.entry.to).toBe('ana@example.com');
    expect(events.at(-1)!.entry.text).toMatch(/\d{6}/);

    const resumed = new AbortController();
    const after = await fetch(`${harness.baseUrl}/dev/outbox/events`, { headers: { 'last-event-id': String(events.at(-1)!.id) }, signal: resumed.signal });
    const first = new TextDecoder().decode((await after.body!.getReader().read()).value);
    resumed.abort();
    expect(first).not.toContain('data: ');
  });
});
