// Whether a request came over https, over real HTTP: the reset page's CSRF cookie is Secure, and Direct Line's
// streamUrl is wss://, when PUBLIC_BASE_URL is https (the stream: for requests to its host) or a proxy we were told
// about (TRUST_PROXY_HOPS) says so in X-Forwarded-Proto; a client's own X-Forwarded-Proto changes neither.
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/bot-harness.js';
import { ANA, latestCode } from '../transcripts/story.js';

const harnesses: Harness[] = [];
let conversations = 0;
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});

async function start(env: Record<string, string>): Promise<Harness> {
  const h = await startHarness(env);
  harnesses.push(h);
  return h;
}

/** The Set-Cookie of the reset form, fetched as a browser would, with the given forwarded headers. */
async function resetCookie(h: Harness, headers: Record<string, string>): Promise<string> {
  const conversationId = `scheme-${++conversations}`;
  await h.say(conversationId, 'I forgot my password', 'en-US');
  await h.say(conversationId, ANA.email, 'en-US');
  await h.press(conversationId, 'channel_email');
  const replies = await h.say(conversationId, await latestCode(h, ANA.email), 'en-US');
  // On PUBLIC_BASE_URL, which is http in some of these apps.
  const url = replies.map((text) => /https?:\/\/\S+\/reset\/[\w-]+/.exec(text)?.[0]).find(Boolean);
  expect(url, 'a reset link').toBeDefined();
  const page = await fetch(`${h.baseUrl}${new URL(url!).pathname}`, { headers: { 'sec-fetch-site': 'none', ...headers } });
  expect(page.status).toBe(200);
  const cookie = page.headers.getSetCookie()[0];
  expect(cookie).toMatch(/^clave_reset_csrf=/);
  return cookie!;
}

/** The streamUrl of a new Direct Line conversation started with the given headers (node:http, to set Host). */
async function streamUrl(h: Harness, headers: Record<string, string>): Promise<string> {
  const generated = await fetch(`${h.baseUrl}/v3/directline/tokens/generate`, { method: 'POST' });
  expect(generated.status).toBe(200);
  const { token } = (await generated.json()) as { token: string };
  const body = JSON.stringify({ user: {}, locale: 'en-US' });
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(
      `${h.baseUrl}/v3/directline/conversations`,
      {
        method: 'POST',
        headers: { ...headers, authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
  expect(status).toBe(201);
  return (JSON.parse(text) as { streamUrl: string }).streamUrl;
}

const FORWARDED_HTTPS = { 'x-forwarded-proto': 'https' };

describe('the request scheme', () => {
  it('ignores a client\'s X-Forwarded-Proto without trusted proxies and an http PUBLIC_BASE_URL', async () => {
    const h = await start({ PUBLIC_BASE_URL: 'http://localhost:3978', TRUST_PROXY_HOPS: '0' });
    expect(await resetCookie(h, FORWARDED_HTTPS)).not.toMatch(/;\s*Secure/i);
    expect(await streamUrl(h, FORWARDED_HTTPS)).toMatch(/^ws:\/\//);
  });

  it('believes X-Forwarded-Proto from a trusted proxy, the rightmost entry for one hop', async () => {
    const h = await start({ PUBLIC_BASE_URL: 'http://localhost:3978', TRUST_PROXY_HOPS: '1' });
    expect(await resetCookie(h, FORWARDED_HTTPS)).toMatch(/;\s*Secure/i);
    expect(await streamUrl(h, FORWARDED_HTTPS)).toMatch(/^wss:\/\//);
    // The client wrote "https"; our one proxy appended what it really saw.
    const forged = { 'x-forwarded-proto': 'https, http' };
    expect(await resetCookie(h, forged)).not.toMatch(/;\s*Secure/i);
    expect(await streamUrl(h, forged)).toMatch(/^ws:\/\//);
    expect(await resetCookie(h, {})).not.toMatch(/;\s*Secure/i);
  });

  it('is https whenever PUBLIC_BASE_URL is (for the stream: on its host), whatever the proxy says or leaves out', async () => {
    const h = await start({ PUBLIC_BASE_URL: 'https://clave.example.com', TRUST_PROXY_HOPS: '0' });
    expect(await resetCookie(h, {})).toMatch(/;\s*Secure/i);
    expect(await resetCookie(h, { 'x-forwarded-proto': 'http' })).toMatch(/;\s*Secure/i);
    const onPublicHost = { host: 'clave.example.com' };
    expect(await streamUrl(h, onPublicHost)).toMatch(/^wss:\/\/clave\.example\.com\/v3\/directline\//);
    expect(await streamUrl(h, { ...onPublicHost, 'x-forwarded-proto': 'http' })).toMatch(/^wss:\/\//);
    // A caller on another address over plain http (a probe, this test) gets a URL it can open.
    expect(await streamUrl(h, {})).toMatch(/^ws:\/\/127\.0\.0\.1:/);
  });
});
