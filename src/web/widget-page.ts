// The page at "/": Bot Framework Web Chat from the installed botframework-webchat package (no CDN), in the
// brand's name and colours, talking to the local Direct Line. The boot script (assets/widget.js) picks the
// browser's language, tells the bot to greet in it, offers a language toggle and keeps the conversation
// for the tab's session. Everything the browser runs comes from this server; see CSP below.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Request, Response, Server } from 'restify';
import { text } from '../../dialogs/catalog.js';
import { widgetCopyFor, widgetText, type WidgetPageKey } from '../../dialogs/pages/widget-page.js';
import type { Locale } from '../../machines/recovery.types.js';
import { randomToken } from '../services/secrets.js';
import { DIRECT_LINE_PREFIX, safeHost } from './directline/directline-routes.js';
import { escapeHtml, jsonForScript, readableOnWhite, textColorOn } from './html.js';
import { localeOfRequest } from './page-locale.js';
import { AssetBundle, StaticAsset } from './static-assets.js';

export interface WidgetPageDeps {
  brand: string;
  /** #rrggbb */
  brandColor: string;
  /** Where the development outbox page is, when development routes are on; the page links it. */
  outboxUrl?: string;
  /** Stream activities over a WebSocket (falls back to nothing: directlinejs then retries); false = polling. */
  webSocket?: boolean;
  /** Origins that may show the page in a frame (the embed snippet); empty = none may. */
  embedOrigins?: string[];
}

const assetsDir = join(dirname(fileURLToPath(import.meta.url)), 'assets');

/**
 * Web Chat's prebuilt bundle. The "minimal" build has everything this bot uses (messages, suggested
 * actions, the send box, localisation) at half the size of the full one, which adds Adaptive Cards and
 * speech; links in messages are made clickable by the boot script's small renderMarkdown.
 */
export function webChatBundlePath(): string {
  const main = createRequire(import.meta.url).resolve('botframework-webchat');
  return join(dirname(main), '..', 'dist', 'webchat-minimal.js');
}

/**
 * Content Security Policy for the widget page. Scripts only from this server. Web Chat's styles (emotion)
 * are <style> elements carrying the page's nonce through Web Chat's `nonce` prop; its scroll container
 * (react-scroll-to-bottom) adds an empty <style> without the nonce and fills it through the CSSOM, so the
 * hash of the empty string is allowed too (an injected empty element can carry no rules). React sets
 * `style` attributes, which CSP can only allow wholesale (style-src-attr 'unsafe-inline'): no injected
 * <style> element runs, but inline style attributes do. Direct Line traffic goes to this same origin, over
 * HTTP and WebSocket.
 */
const EMPTY_STYLE_HASH = 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=';

export function widgetCsp(nonce: string, host: string | null, embedOrigins: readonly string[] = []): string {
  const sockets = host ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    `style-src-elem 'self' 'nonce-${nonce}' '${EMPTY_STYLE_HASH}'`,
    "style-src-attr 'unsafe-inline'",
    // Only for browsers without the two directives above (CSP level 2), which would otherwise show no styles.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${sockets}`,
    "base-uri 'none'",
    "form-action 'none'",
    // Framed only by the sites allowed to embed it (EMBED_ALLOWED_ORIGINS), or by none.
    embedOrigins.length ? `frame-ancestors 'self' ${embedOrigins.join(' ')}` : "frame-ancestors 'none'",
  ].join('; ');
}

export function registerWidgetPage(server: Server, deps: WidgetPageDeps): void {
  const bundle = new AssetBundle('/widget');
  const accent = readableOnWhite(deps.brandColor);
  const webChat = bundle.add('webchat', () => new StaticAsset('webchat.js', 'application/javascript; charset=utf-8', readFileSync(webChatBundlePath())));
  const script = bundle.add('widget', () => new StaticAsset('widget.js', 'application/javascript; charset=utf-8', readFileSync(join(assetsDir, 'widget.js'))));
  const styles = bundle.add('css', () => {
    const vars = `:root{--brand:${deps.brandColor};--on-brand:${textColorOn(deps.brandColor)};--accent:${accent}}\n`;
    return new StaticAsset('widget.css', 'text/css; charset=utf-8', Buffer.from(vars + readFileSync(join(assetsDir, 'widget.css'), 'utf8')));
  });

  // The embed snippet: at a fixed address other sites load, so cached for a day (revalidated by ETag), not a year.
  const embedSettings = {
    colors: { brand: deps.brandColor, onBrand: textColorOn(deps.brandColor) },
    brand: deps.brand,
    copy: {
      es: pick(widgetCopyFor('es', { brand: deps.brand })),
      en: pick(widgetCopyFor('en', { brand: deps.brand })),
    },
  };
  let embed: StaticAsset | null = null;
  server.get('/embed.js', async (req: Request, res: Response) => {
    embed ??= new StaticAsset(
      'embed.js',
      'application/javascript; charset=utf-8',
      Buffer.from(readFileSync(join(assetsDir, 'embed.js'), 'utf8').replace('__CLAVE_EMBED_SETTINGS__', JSON.stringify(embedSettings))),
      { cacheControl: 'public, max-age=86400, stale-while-revalidate=604800', crossOrigin: true },
    );
    return embed.send(req, res);
  });

  server.get('/widget/:file', async (req: Request, res: Response) => bundle.serve(req, res, String(req.params.file ?? '')));

  server.get('/', async (req: Request, res: Response) => {
    const locale = localeOfRequest(req);
    // ?embed=1: inside the embed snippet's iframe, only the chat (the host site has its own header).
    const embedded = (req.query as Record<string, unknown> | undefined)?.embed === '1';
    const nonce = randomToken(16);
    const copy = (l: Locale) => widgetCopyFor(l, { brand: deps.brand });
    const config = {
      brand: deps.brand,
      locale,
      directLine: DIRECT_LINE_PREFIX,
      webSocket: deps.webSocket ?? true,
      nonce,
      outboxUrl: deps.outboxUrl ?? null,
      colors: { brand: deps.brandColor, onBrand: textColorOn(deps.brandColor), accent },
      copy: { es: copy('es'), en: copy('en') },
      // What the toggle sends the bot: the same words and payload as the bot's own language buttons.
      switchTo: {
        es: { text: text('es', 'choice_language_es'), value: { choice: 'language_es' } },
        en: { text: text('en', 'choice_language_en'), value: { choice: 'language_en' } },
      },
    };
    const t = (key: Parameters<typeof widgetText>[1]) => escapeHtml(widgetText(locale, key, { brand: deps.brand }));
    const outbox = deps.outboxUrl
      ? `<p class="outbox"><a id="outbox-link" href="${escapeHtml(`${deps.outboxUrl}?lang=${locale}`)}" target="_blank" rel="noopener"><span data-copy="outbox_link">${t('outbox_link')}</span> <span class="visually-hidden" data-copy="new_tab">${t('new_tab')}</span></a></p>`
      : '';
    const html = `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="theme-color" content="${escapeHtml(deps.brandColor)}">
<title data-copy="page_title">${t('page_title')}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${bundle.url(styles)}">
</head>
<body${embedded ? ' class="embed"' : ''}>
${embedded ? '' : `<header class="bar">
  <h1 class="brand" data-copy="heading">${t('heading')}</h1>
  <div class="lang" role="group" aria-labelledby="lang-label">
    <span id="lang-label" class="visually-hidden" data-copy="language_label">${t('language_label')}</span>
    <button type="button" data-locale="es" lang="es" aria-pressed="${locale === 'es'}">Español</button>
    <button type="button" data-locale="en" lang="en" aria-pressed="${locale === 'en'}">English</button>
  </div>
</header>
<div class="about">
  <p class="intro" data-copy="intro">${t('intro')}</p>
  <p class="intro-short" data-copy="intro_short" aria-hidden="true">${t('intro_short')}</p>
  ${outbox}
</div>`}
<main id="chat" class="chat" aria-label="${t('chat_label')}" data-copy-label="chat_label">
  <div id="webchat" class="webchat"></div>
  <p id="status" class="status" role="status" data-copy="connecting">${t('connecting')}</p>
  <noscript><p class="status">${t('noscript')}</p></noscript>
</main>
<script type="application/json" id="clave-widget-config">${jsonForScript(config)}</script>
<script src="${bundle.url(webChat)}" defer></script>
<script src="${bundle.url(script)}" defer></script>
</body>
</html>
`;
    res.header('Content-Type', 'text/html; charset=utf-8');
    res.header('Cache-Control', 'no-store');
    const embedOrigins = deps.embedOrigins ?? [];
    res.header('Content-Security-Policy', widgetCsp(nonce, safeHost(req.headers.host), embedOrigins));
    res.header('X-Content-Type-Options', 'nosniff');
    res.header('Referrer-Policy', 'no-referrer');
    // X-Frame-Options cannot name other sites: when some may embed the page, CSP frame-ancestors alone decides.
    if (!embedOrigins.length) res.header('X-Frame-Options', 'DENY');
    res.header('Permissions-Policy', 'camera=(), microphone=(), geolocation=()');
    res.sendRaw(200, html);
  });
}

/** The words the embed snippet needs (the frame's title, the launcher button), nothing else. */
function pick(copy: Record<WidgetPageKey, string>): Pick<Record<WidgetPageKey, string>, 'chat_label' | 'embed_open' | 'embed_close'> {
  return { chat_label: copy.chat_label, embed_open: copy.embed_open, embed_close: copy.embed_close };
}
