// SECURITY.md 18: the password is never asked for or accepted in the chat (the bot says so, keeps nothing and
// sends nothing to the model); the new one is set on a page behind a single-use link — a 128-bit token stored
// only hashed, valid 15 minutes, bound to the account, built on the configured public base URL and never on the
// request's Host — served with no-referrer, no-store, CSRF protection and a strict CSP.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { Secrets } from '../../src/services/secrets.js';
import { reply, startOpenAIStandIn, type OpenAIStandIn } from '../helpers/openai-stand-in.js';
import { ANA, DANI, signIn, submitNewPassword } from '../transcripts/story.js';
import { PUBLIC_BASE_URL, SECRET_KEY, keysOf, linkIn, startApp, stateOf, type Harness, type Reply } from './helpers.js';

const PASSWORDS = ['Tr0ub4dor&3x', 'my password is Hunter2pass!', 'mi contraseña es Girasol#2024', ANA.password];
const NEW_PASSWORD = 'amber foxes sleep under the old stone bridge';

let model: OpenAIStandIn;
let h: Harness;
beforeAll(async () => {
  model = await startOpenAIStandIn(() => reply.answer({ intent: 'out_of_scope', language: 'en', confidence: 0.2 }));
  // Every free-text message would reach the model: anything kept from it would show in its requests.
  h = await startApp({ OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: model.baseUrl, LLM_THRESHOLD: '1', LLM_CACHE_SIZE: '0', SENDS_PER_15_MINUTES: '10' });
});
afterAll(async () => {
  await h.close();
  await model.close();
});

let n = 0;
/** A new conversation verified by its email code, up to the message with the link (not yet taken). */
async function verified(email: string): Promise<{ conv: string; code: string }> {
  const conv = `reset-${++n}`;
  await h.say(conv, 'I forgot my password');
  await h.say(conv, email);
  await h.press(conv, 'channel_email');
  return { conv, code: (await h.codesFor(email))[0]! };
}
async function linkFor(email: string): Promise<string> {
  const { conv, code } = await verified(email);
  const url = linkIn(await h.say(conv, code));
  expect(url).not.toBeNull();
  return url!;
}

/** The store as an operator would list it: every key and value. */
async function storeDump(): Promise<string> {
  const store = h.app.store as unknown as { keys(): string[]; get(key: string): Promise<string | null> };
  const lines = await Promise.all(store.keys().map(async (k) => `${k}\t${(await store.get(k).catch(() => '')) ?? ''}`));
  return lines.join('\n');
}

function expectStrictHeaders(headers: Headers, what: string): void {
  expect(headers.get('referrer-policy'), what).toBe('no-referrer');
  expect(headers.get('cache-control'), what).toBe('no-store');
  expect(headers.get('x-frame-options'), what).toBe('DENY');
  const csp = headers.get('content-security-policy') ?? '';
  for (const directive of ["default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"]) expect(csp, `${what}: ${directive}`).toContain(directive);
  expect(csp, what).toMatch(/script-src 'nonce-[\w-]+'/);
  expect(csp, what).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
}

describe('the password never in the chat (SECURITY.md 18)', () => {
  it('is refused at every step, kept nowhere and never sent to the model', async () => {
    const requestsBefore = model.requests.length;
    for (const step of ['welcome', 'identify', 'awaitingCode'] as const) {
      for (const password of PASSWORDS) {
        const conv = `password-${step}-${++n}`;
        if (step !== 'welcome') await h.say(conv, 'I forgot my password');
        if (step === 'awaitingCode') {
          await h.say(conv, DANI.email);
          await h.press(conv, 'channel_email');
        }
        const before = await stateOf(h, conv);
        const keys = keysOf('en', await h.send(conv, { text: password, locale: 'en-US' }));
        expect(keys[0], `${password} at ${step}`).toBe('password_in_chat');
        if (before !== 'none') expect(await stateOf(h, conv), 'the journey stays where it was').toBe(before);
      }
    }
    const dump = await storeDump();
    const bodies = model.requests.slice(requestsBefore).map((r) => r.body).join('\n');
    for (const password of PASSWORDS) {
      const secret = password.split(' ').at(-1)!;
      expect(dump).not.toContain(secret);
      expect(bodies).not.toContain(secret);
    }
    console.log(`SECURITY 18 passwords typed in the chat: ${PASSWORDS.length * 3}; model requests holding one: 0 of ${model.requests.length - requestsBefore}`);
  });
});

describe('the reset link (SECURITY.md 18)', () => {
  it('carries a 128-bit token, stored only as an HMAC', async () => {
    const url = await linkFor(DANI.email);
    const token = url.split('/').at(-1)!;
    expect(Buffer.from(token, 'base64url')).toHaveLength(16);
    expect(token).toHaveLength(22);
    const dump = await storeDump();
    expect(dump).not.toContain(token);
    expect(dump).toContain(`reset:{${new Secrets(SECRET_KEY).hash('reset', token)}}`);
  });

  it('is built on PUBLIC_BASE_URL even when the request forges Host and X-Forwarded-Host', async () => {
    const { conv: daniConv, code: daniCode } = await verified(DANI.email);
    const { port } = new URL(h.baseUrl);
    const body = JSON.stringify({
      type: 'message',
      id: 'forged-host',
      channelId: 'test',
      serviceUrl: 'http://127.0.0.1:9',
      deliveryMode: 'expectReplies',
      conversation: { id: daniConv },
      from: { id: `user-${daniConv}` },
      recipient: { id: 'clave-bot' },
      text: daniCode,
      locale: 'en-US',
    });
    const replies = await new Promise<Reply[]>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/api/messages',
          method: 'POST',
          headers: { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https', 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve(((JSON.parse(text) as { activities?: Reply[] }).activities ?? []) as Reply[]));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    const url = linkIn(replies.map((r) => r.text ?? ''));
    console.log(`SECURITY 18 link minted for a request with Host: evil.example → ${url?.replace(/[\w-]{22}$/, '<token>')}`);
    expect(url?.startsWith(`${PUBLIC_BASE_URL}/reset/`)).toBe(true);
    expect(JSON.stringify(replies)).not.toContain('evil.example');
  });

  it('is valid 15 minutes (and cannot be configured longer)', async () => {
    expect(loadConfig({}).policy.resetLinkTtlMs).toBe(15 * 60_000);
    expect(() => loadConfig({ RESET_LINK_TTL_MINUTES: '16' })).toThrow(ConfigError);
    const inTime = await linkFor(DANI.email);
    const late = await linkFor(ANA.email);
    h.clock.advance(14 * 60_000 + 59_000);
    expect((await fetch(h.local(inTime))).status, 'at +14:59').toBe(200);
    h.clock.advance(2_000);
    expect((await fetch(h.local(late))).status, 'at +15:01').toBe(410);
  });

  it('works once, for the account it was made for', async () => {
    const url = await linkFor(DANI.email);
    expect((await submitNewPassword(h, url, NEW_PASSWORD)).status).toBe(200);
    expect((await signIn(h, DANI.email, NEW_PASSWORD)).status, 'the account that asked has the new password').toBe(200);
    expect((await signIn(h, ANA.email, NEW_PASSWORD)).status, 'no other account does').toBe(401);
    const again = await fetch(h.local(url));
    expect(again.status, 'opened again: gone').toBe(410);
    expectStrictHeaders(again.headers, 'the page of a used link');
  });

  it('serves the page with no-referrer, no-store and a strict CSP, and refuses a post without its CSRF proof', async () => {
    const url = await linkFor(ANA.email);
    const page = await fetch(h.local(url), { headers: { 'sec-fetch-site': 'none' } });
    expect(page.status).toBe(200);
    expectStrictHeaders(page.headers, 'the form');
    const html = await page.text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
    const cookie = page.headers.getSetCookie()[0]!.split(';')[0]!;
    expect(page.headers.getSetCookie()[0]).toMatch(/HttpOnly; SameSite=Strict/);
    const other = await fetch(h.local(await linkFor(ANA.email)));
    const otherCsrf = /name="csrf" value="([^"]+)"/.exec(await other.text())![1]!;
    const otherCookie = other.headers.getSetCookie()[0]!.split(';')[0]!;

    const post = (fields: Record<string, string>, headers: Record<string, string>) =>
      fetch(h.local(url), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams({ password: NEW_PASSWORD, ...fields }).toString(),
      });
    const attempts = {
      'no CSRF field': await post({}, { cookie }),
      'no CSRF cookie': await post({ csrf }, {}),
      'a cross-site post': await post({ csrf }, { cookie, 'sec-fetch-site': 'cross-site' }),
      "another link's CSRF": await post({ csrf: otherCsrf }, { cookie: otherCookie }),
    };
    for (const [what, response] of Object.entries(attempts)) {
      expect(response.status, what).toBe(403);
      expectStrictHeaders(response.headers, what);
    }
    console.log(`SECURITY 18 posts without a valid CSRF proof: ${Object.entries(attempts).map(([w, r]) => `${w} → ${r.status}`).join('; ')}`);
    // The link survived all of that, and the real form still works.
    expect((await submitNewPassword(h, url, 'violet owls counting quiet harbour lights')).status).toBe(200);
  });
});
