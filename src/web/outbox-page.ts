// Development only: a page that shows what the bot "sent" by email and SMS (codes included: reading them
// is the point here), newest first, updating live through Server-Sent Events from the outbox. Registered
// only when development routes are on; production never has an outbox.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Request, Response, Server } from 'restify';
import { widgetCopyFor, widgetText, type WidgetPageKey } from '../../dialogs/pages/widget-page.js';
import type { DevOutbox, OutboxEntry } from '../services/notifier.js';
import { closeWithServer } from './close-with-server.js';
import { escapeHtml, jsonForScript } from './html.js';
import { localeOfRequest } from './page-locale.js';
import { AssetBundle, StaticAsset } from './static-assets.js';

export interface OutboxPageDeps {
  outbox: DevOutbox;
  brand: string;
  /** Open event streams at once; more get a 503 (each is a held-open connection). */
  maxStreams?: number;
  /** Comment lines that keep idle proxies from closing a stream. */
  heartbeatMs?: number;
}

export const OUTBOX_PAGE_PATH = '/dev/outbox/view';
const EVENTS_PATH = '/dev/outbox/events';
const assetsDir = join(dirname(fileURLToPath(import.meta.url)), 'assets');

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function registerOutboxPage(server: Server, deps: OutboxPageDeps): void {
  const { outbox } = deps;
  const bundle = new AssetBundle('/dev/outbox/assets');
  const script = bundle.add('js', () => new StaticAsset('outbox.js', 'application/javascript; charset=utf-8', readFileSync(join(assetsDir, 'outbox.js'))));
  const styles = bundle.add('css', () => new StaticAsset('outbox.css', 'text/css; charset=utf-8', readFileSync(join(assetsDir, 'outbox.css'))));
  const maxStreams = deps.maxStreams ?? 20;
  const heartbeatMs = deps.heartbeatMs ?? 15_000;
  const open = new Set<Response>();

  server.get('/dev/outbox/assets/:file', async (req: Request, res: Response) => bundle.serve(req, res, String(req.params.file ?? '')));

  server.get(OUTBOX_PAGE_PATH, async (req: Request, res: Response) => {
    const locale = localeOfRequest(req);
    const t = (key: WidgetPageKey) => escapeHtml(widgetText(locale, key, { brand: deps.brand }));
    const config = { locale, eventsUrl: EVENTS_PATH, copy: widgetCopyFor(locale, { brand: deps.brand }) };
    const html = `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${t('outbox_title')}</title>
<link rel="stylesheet" href="${bundle.url(styles)}">
</head>
<body>
<main>
  <h1>${t('outbox_heading')}</h1>
  <p class="intro">${t('outbox_intro')}</p>
  <p><a href="/?lang=${locale}">${t('outbox_open_chat')}</a></p>
  <p id="live" class="live" data-state="connecting"></p>
  <p id="empty" class="empty">${t('outbox_empty')}</p>
  <ol id="messages" aria-live="polite" aria-relevant="additions"></ol>
</main>
<script type="application/json" id="outbox-config">${jsonForScript(config)}</script>
<script src="${bundle.url(script)}" defer></script>
</body>
</html>
`;
    res.header('Content-Type', 'text/html; charset=utf-8');
    res.header('Cache-Control', 'no-store');
    res.header('Content-Security-Policy', CSP);
    res.header('X-Content-Type-Options', 'nosniff');
    res.header('Referrer-Policy', 'no-referrer');
    res.header('X-Frame-Options', 'DENY');
    res.sendRaw(200, html);
  });

  // Each entry is one event with its id, oldest first, so the page can put each newest on top; a
  // reconnecting EventSource sends Last-Event-ID and gets only what it missed.
  server.get(EVENTS_PATH, async (req: Request, res: Response) => {
    if (open.size >= maxStreams) {
      res.header('Retry-After', '10');
      return void res.send(503, { error: 'Too many open outbox streams' });
    }
    const after = Number(req.header('last-event-id') ?? 0) || 0;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    const write = (entry: OutboxEntry) => res.write(`id: ${entry.id}\ndata: ${JSON.stringify(entry)}\n\n`);
    res.write('retry: 2000\n\n');
    for (const entry of outbox.list().reverse()) if (entry.id > after) write(entry);
    open.add(res);
    const unsubscribe = outbox.subscribe(write);
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), heartbeatMs);
    heartbeat.unref();
    await new Promise<void>((resolve) => {
      res.on('close', () => {
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(res);
        resolve();
      });
    });
  });

  closeWithServer(server, () => {
    for (const res of open) res.destroy();
  });
}
