// The two pages of the agent console, built as strings: the sign-in form (works without scripts) and the
// console's shell, which assets/console.js fills in from the desk's live updates. Every word comes from
// dialogs/pages/agent-console.ts; every value is escaped.
import { consoleCopyFor, consoleText, type AgentConsoleKey } from '../../dialogs/pages/agent-console.js';
import type { Locale } from '../../machines/recovery.types.js';
import { escapeHtml, jsonForScript } from '../web/html.js';

/** Scripts, styles and connections only from this server; no inline code; not framable; forms post here. */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function head(locale: Locale, title: string, cssUrl: string): string {
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${escapeHtml(cssUrl)}">
</head>`;
}

export function loginPage(options: { locale: Locale; brand: string; cssUrl: string; csrfField: string; error?: AgentConsoleKey | undefined; name?: string }): string {
  const { locale, brand } = options;
  const t = (key: AgentConsoleKey) => escapeHtml(consoleText(locale, key, { brand }));
  const error = options.error ? `<p class="problem" role="alert" id="login-error">${t(options.error)}</p>\n` : '';
  return `${head(locale, consoleText(locale, 'login_title', { brand }), options.cssUrl)}
<body class="login">
<main class="card">
<h1>${t('login_heading')}</h1>
<p>${t('login_intro')}</p>
${error}<form method="post" action="/agent/login?lang=${locale}">
<input type="hidden" name="csrf" value="${escapeHtml(options.csrfField)}">
<label for="name">${t('name_label')}</label>
<input id="name" name="name" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="48" value="${escapeHtml(options.name ?? '')}"${options.error ? ' aria-describedby="login-error"' : ''}>
<label for="password">${t('password_label')}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="256">
<button type="submit">${t('sign_in')}</button>
</form>
</main>
</body>
</html>
`;
}

export interface ConsolePageConfig {
  locale: Locale;
  agent: string;
  csrf: string;
  eventsUrl: string;
  apiUrl: string;
}

export function consolePage(options: { brand: string; cssUrl: string; jsUrl: string; config: ConsolePageConfig }): string {
  const { brand, config } = options;
  const { locale } = config;
  const t = (key: AgentConsoleKey, params: Record<string, string> = {}) => escapeHtml(consoleText(locale, key, { brand, ...params }));
  const boot = { ...config, copy: consoleCopyFor(locale, { brand }) };
  return `${head(locale, consoleText(locale, 'console_title', { brand }), options.cssUrl)}
<body class="console">
<header class="bar">
  <h1>${t('console_heading')}</h1>
  <p id="live" class="live" data-state="connecting" role="status">${t('live_connecting')}</p>
  <p class="who">${t('signed_in_as', { agent: config.agent })}</p>
  <form method="post" action="/agent/logout" class="sign-out">
    <input type="hidden" name="csrf" value="${escapeHtml(config.csrf)}">
    <button type="submit">${t('sign_out')}</button>
  </form>
</header>
<div class="layout">
  <nav class="lists">
    <section aria-labelledby="queue-heading">
      <h2 id="queue-heading">${t('queue_heading')}</h2>
      <p id="estimate" class="estimate"></p>
      <ol id="queue" class="items"></ol>
      <p id="queue-empty" class="empty">${t('queue_empty')}</p>
    </section>
    <section aria-labelledby="mine-heading">
      <h2 id="mine-heading">${t('mine_heading')}</h2>
      <ol id="mine" class="items"></ol>
      <p id="mine-empty" class="empty">${t('mine_empty')}</p>
    </section>
  </nav>
  <main id="detail" class="detail">
    <p id="select-prompt" class="empty">${t('select_prompt')}</p>
    <p id="problem" class="problem" role="alert" hidden></p>
    <div id="conversation" hidden></div>
  </main>
</div>
<script type="application/json" id="agent-console-config">${jsonForScript(boot)}</script>
<script src="${escapeHtml(options.jsUrl)}" defer></script>
</body>
</html>
`;
}
