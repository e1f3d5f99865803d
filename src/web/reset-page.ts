// The page behind a reset link (SECURITY.md 18 and 19): shows the new-password form, checks CSRF, and hands
// the password to the reset service. Nothing here logs, stores or echoes a password or a link token.
import type { Request, Response, Server } from 'restify';
import {
  isResetPageKey,
  pageText,
  type ResetPageKey,
} from '../../dialogs/pages/reset-page.js';
import type { Locale } from '../../machines/recovery.types.js';
import type { Clock } from '../clock.js';
import { securityHeaders } from '../server.js';
import type { PasswordPolicy, ResetService } from '../services/reset-service.js';
import { randomToken, type Secrets } from '../services/secrets.js';
import { escapeHtml } from './html.js';
import { reachedOverHttps } from './directline/client-address.js';
import { localeOfRequest } from './page-locale.js';

export interface ResetPageDeps {
  reset: ResetService;
  policy: PasswordPolicy;
  brand: string;
  secrets: Secrets;
  clock: Clock;
  /** Where unexpected failures are reported (name and message only, never the path: it holds the token). */
  logger?: { error(obj: object, msg: string): void };
  /** PUBLIC_BASE_URL (links point there) and TRUST_PROXY_HOPS: together they say whether the cookie is Secure. */
  publicBaseUrl?: string;
  trustProxyHops?: number;
}

// CSRF, a signed double submit. GET mints a random nonce and puts it in two places: an HttpOnly,
// SameSite=Strict cookie scoped to /reset, and the hidden field `csrf` = nonce.issuedAt.HMAC(nonce|issuedAt|token)
// under the server key. POST needs both, the nonces equal, the HMAC right for this very link and the form
// younger than CSRF_MAX_AGE_MS. Another site cannot read the field, cannot set the cookie, and cannot make
// the browser send the cookie on a cross-site POST; a field from one link is worthless on another.
const CSRF_COOKIE = 'clave_reset_csrf';
const CSRF_MAX_AGE_MS = 60 * 60_000;
/** Tolerated clock difference between instances, for a form minted on one and posted to another. */
const CSRF_CLOCK_SKEW_MS = 60_000;

const DEFAULT_LIMITS = { min: 8, max: 256 };


function cookieValue(req: Request, name: string): string | null {
  for (const part of String(req.header('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** The policy's length limits, when it tells them (createPasswordPolicy does), for the form and the copy. */
function limitsOf(policy: PasswordPolicy): { min: number; max: number } {
  const p = policy as Partial<{ minLength: unknown; maxLength: unknown }>;
  return {
    min: typeof p.minLength === 'number' ? p.minLength : DEFAULT_LIMITS.min,
    max: typeof p.maxLength === 'number' ? p.maxLength : DEFAULT_LIMITS.max,
  };
}

const styles = `
:root{color-scheme:light dark;--fg:#1b1b1f;--bg:#f6f6f8;--card:#fff;--muted:#55555f;--accent:#3a3ad0;--bad:#b3261e;--line:#c9c9d2}
@media (prefers-color-scheme:dark){:root{--fg:#ececf1;--bg:#121216;--card:#1d1d23;--muted:#b4b4bf;--accent:#9d9dff;--bad:#ffb4ab;--line:#44444f}}
*{box-sizing:border-box}
body{margin:0;font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:32rem;margin:0 auto;padding:1.5rem 1rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:.75rem;padding:1.25rem}
h1{font-size:1.4rem;line-height:1.25;margin:0 0 .75rem}
.brand{color:var(--muted);font-size:.9rem;margin:0 0 .5rem}
.hint{color:var(--muted);font-size:.925rem;margin:.25rem 0 .5rem}
label{display:block;font-weight:600;margin-top:1rem}
.field{display:flex;gap:.5rem;flex-wrap:wrap}
input[type=password],input[type=text]{flex:1 1 14rem;min-width:0;font:inherit;padding:.7rem .75rem;border:1px solid var(--line);border-radius:.5rem;background:transparent;color:inherit}
input:focus-visible,button:focus-visible,a:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
button{font:inherit;border-radius:.5rem;padding:.7rem 1rem;cursor:pointer}
.toggle{background:transparent;color:var(--accent);border:1px solid var(--line)}
.submit{display:block;width:100%;margin-top:1.25rem;border:0;background:var(--accent);color:#fff;font-weight:600}
@media (prefers-color-scheme:dark){.submit{color:#121216}}
.problems{border-left:4px solid var(--bad);padding:.5rem .75rem;margin:1rem 0}
.problems p{margin:0;font-weight:600;color:var(--bad)}
.problems ul{margin:.25rem 0 0;padding-left:1.25rem}
a{color:var(--accent)}
.fresh-code{border-left:4px solid var(--accent);padding:.5rem .75rem;margin:1rem 0 0}
.fresh-code h2{font-size:1.1rem;margin:0 0 .5rem}
.fresh-code code{display:inline-block;font:600 1.25rem/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;letter-spacing:.05em;padding:.25rem .5rem;border:1px solid var(--line);border-radius:.375rem;user-select:all}
`;

// Show/hide: the button stays hidden unless this runs, so without scripts the page still works.
const toggleScript =
  "(function(){var b=document.getElementById('toggle'),i=document.getElementById('password');if(!b||!i)return;" +
  "b.hidden=false;b.addEventListener('click',function(){var show=i.type==='password';i.type=show?'text':'password';" +
  "b.setAttribute('aria-pressed',String(show));b.textContent=show?b.getAttribute('data-hide'):b.getAttribute('data-show');i.focus();});})();";

interface Page {
  status: number;
  locale: Locale;
  html: string;
  nonce: string;
  cookie?: string;
}

export function registerResetPage(server: Server, deps: ResetPageDeps): void {
  const limits = limitsOf(deps.policy);
  const t = (locale: Locale, key: ResetPageKey) =>
    escapeHtml(pageText(locale, key, { brand: deps.brand, min: limits.min, max: limits.max }));

  function layout(locale: Locale, titleKey: ResetPageKey, nonce: string, content: string, script = false): string {
    return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${t(locale, titleKey)}</title>
<style nonce="${nonce}">${styles}</style>
</head>
<body>
<main>
<p class="brand">${escapeHtml(deps.brand)}</p>
<div class="card">
${content}
</div>
</main>
${script ? `<script nonce="${nonce}">${toggleScript}</script>\n` : ''}</body>
</html>
`;
  }

  function simplePage(status: number, locale: Locale, kind: 'expired' | 'success' | 'error', nonce = randomToken()): Page {
    const content = `<h1>${t(locale, `${kind}_heading`)}</h1>
<p>${t(locale, `${kind}_body`)}</p>`;
    return { status, locale, nonce, html: layout(locale, `${kind}_title`, nonce, content) };
  }

  /**
   * The success page with the fresh recovery code that replaced the one the recovery used (SECURITY.md 14).
   * This response is the only place the code ever appears: no-store like every page here, never logged.
   */
  function successWithRecoveryCode(locale: Locale, code: string | null): Page {
    const nonce = randomToken();
    const fresh =
      code === null
        ? `<p>${t(locale, 'recovery_code_unavailable')}</p>`
        : `<p>${t(locale, 'recovery_code_body')}</p>
<p>${t(locale, 'recovery_code_label')}: <code id="recovery-code" translate="no">${escapeHtml(code)}</code></p>`;
    const content = `<h1>${t(locale, 'success_heading')}</h1>
<p>${t(locale, 'success_body')}</p>
<section class="fresh-code" aria-labelledby="fresh-code-heading">
<h2 id="fresh-code-heading">${t(locale, code === null ? 'recovery_code_used_heading' : 'recovery_code_heading')}</h2>
${fresh}
</section>`;
    return { status: 200, locale, nonce, html: layout(locale, 'success_title', nonce, content) };
  }

  function csrfPage(locale: Locale, token: string): Page {
    const nonce = randomToken();
    const content = `<h1>${t(locale, 'csrf_heading')}</h1>
<p>${t(locale, 'csrf_body')}</p>
<p><a href="/reset/${escapeHtml(encodeURIComponent(token))}">${t(locale, 'csrf_reload')}</a></p>`;
    return { status: 403, locale, nonce, html: layout(locale, 'csrf_title', nonce, content) };
  }

  function formPage(status: number, locale: Locale, token: string, feedback: string[] = []): Page {
    const nonce = randomToken();
    const issuedAt = deps.clock.now();
    const csrfNonce = randomToken();
    const mac = deps.secrets.hash('csrf', `${csrfNonce}|${issuedAt}|${token}`);
    const keys = [...new Set(feedback.filter(isResetPageKey))];
    if (feedback.length && !keys.length) keys.push('feedback_guessable');
    const problems = keys.length
      ? `<div class="problems" id="problems" role="alert">
<p>${t(locale, 'feedback_heading')}</p>
<ul>${keys.map((k) => `<li>${t(locale, k)}</li>`).join('')}</ul>
</div>
`
      : '';
    const describedBy = keys.length ? 'password-hint problems' : 'password-hint';
    // The password field never gets a value attribute: a refused password is not sent back to the browser.
    const content = `<h1>${t(locale, 'heading')}</h1>
<p>${t(locale, 'intro')}</p>
${problems}<form method="post" action="/reset/${escapeHtml(encodeURIComponent(token))}">
<input type="hidden" name="csrf" value="${escapeHtml(`${csrfNonce}.${issuedAt}.${mac}`)}">
<label for="password">${t(locale, 'password_label')}</label>
<p class="hint" id="password-hint">${t(locale, 'password_hint')}</p>
<div class="field">
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="${limits.min}" maxlength="${limits.max}" autocapitalize="none" autocorrect="off" spellcheck="false" aria-describedby="${describedBy}"${keys.length ? ' aria-invalid="true" autofocus' : ''}>
<button type="button" class="toggle" id="toggle" aria-controls="password" aria-pressed="false" data-show="${t(locale, 'show_password')}" data-hide="${t(locale, 'hide_password')}" hidden>${t(locale, 'show_password')}</button>
</div>
<button type="submit" class="submit">${t(locale, 'submit')}</button>
</form>`;
    return { status, locale, nonce, html: layout(locale, 'page_title', nonce, content, true), cookie: csrfNonce };
  }

  function send(req: Request, res: Response, page: Page): void {
    // setHeader replaces what the pre-routing hook set (restify's res.header would add a second value).
    const headers: Record<string, string> = {
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY',
      'Cache-Control': 'no-store',
      'Content-Security-Policy': `default-src 'none'; style-src 'nonce-${page.nonce}'; script-src 'nonce-${page.nonce}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Content-Language': page.locale,
      'Content-Type': 'text/html; charset=utf-8',
    };
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    if (page.cookie) {
      // Links point at PUBLIC_BASE_URL, so its scheme is the page's (as for the agent console's cookie).
      const onPublicHttps = deps.publicBaseUrl?.startsWith('https://') ?? false;
      const https = reachedOverHttps(req, { onPublicHttps, trustedHops: deps.trustProxyHops ?? 0 });
      const secure = https ? '; Secure' : '';
      res.setHeader(
        'Set-Cookie',
        `${CSRF_COOKIE}=${page.cookie}; Path=/reset; HttpOnly; SameSite=Strict; Max-Age=${CSRF_MAX_AGE_MS / 1000}${secure}`,
      );
    }
    res.sendRaw(page.status, page.html);
  }

  function isCsrfValid(req: Request, field: string, token: string): boolean {
    // Browsers say where a request came from; a cross-site form post is refused before anything else.
    if (req.header('sec-fetch-site') === 'cross-site') return false;
    const match = /^([\w-]{16,64})\.(\d{1,15})\.([0-9a-f]{64})$/.exec(field);
    const cookie = cookieValue(req, CSRF_COOKIE);
    if (!match || !cookie) return false;
    const [, nonce = '', issued = '', mac = ''] = match;
    if (cookie !== nonce) return false;
    const age = deps.clock.now() - Number(issued);
    if (age > CSRF_MAX_AGE_MS || age < -CSRF_CLOCK_SKEW_MS) return false;
    return deps.secrets.matches('csrf', `${nonce}|${issued}|${token}`, mac);
  }

  const failed = (req: Request, res: Response, error: unknown) => {
    // Name and message only: the request path carries the token.
    const err = error instanceof Error ? { name: error.name, message: error.message } : { name: 'unknown' };
    deps.logger?.error({ err }, 'reset page failed');
    // Never rethrow: restify's error handler would log the path, and the path holds the token.
    if (!res.headersSent) send(req, res, simplePage(500, localeOfRequest(req), 'error'));
  };

  // Before routing and body parsing, so even restify's own refusals (a body too large, an unknown content
  // type) on a reset URL go out uncached, unframed and without a referrer.
  server.pre((req: Request, res: Response, next: (err?: unknown) => void) => {
    if (req.path().startsWith('/reset/')) {
      securityHeaders(res);
      res.header('Cache-Control', 'no-store');
      res.header('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
    }
    next();
  });

  server.get('/reset/:token', async (req: Request, res: Response) => {
    try {
      const token = String(req.params?.token ?? '');
      const grant = await deps.reset.peek(token);
      send(req, res, grant ? formPage(200, grant.locale, token) : simplePage(410, localeOfRequest(req), 'expired'));
    } catch (error) {
      failed(req, res, error);
    }
  });

  server.post('/reset/:token', async (req: Request, res: Response) => {
    try {
      const token = String(req.params?.token ?? '');
      const body = (req.body ?? {}) as Record<string, unknown>;
      const field = (name: string) => (typeof body[name] === 'string' ? (body[name] as string) : '');
      const grant = await deps.reset.peek(token);
      const locale = grant?.locale ?? localeOfRequest(req);
      if (!isCsrfValid(req, field('csrf'), token)) return send(req, res, csrfPage(locale, token));

      const outcome = await deps.reset.complete(token, field('password'), deps.policy);
      if (outcome.ok) {
        const page =
          outcome.recoveryCode !== undefined
            ? successWithRecoveryCode(outcome.grant.locale, outcome.recoveryCode)
            : simplePage(200, outcome.grant.locale, 'success');
        return send(req, res, page);
      }
      if (outcome.reason === 'invalid_link' || !grant) return send(req, res, simplePage(410, locale, 'expired'));
      return send(req, res, formPage(422, grant.locale, token, outcome.feedback ?? ['feedback_guessable']));
    } catch (error) {
      failed(req, res, error);
    }
  });
}
