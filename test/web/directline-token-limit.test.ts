// The per-client limit on minting Direct Line tokens (DIRECT_LINE_TOKENS_PER_MINUTE): each token is a new
// conversation in the activity log, so a script must not be able to churn it. Real HTTP requests against the
// real app, sent from different loopback addresses (127.0.0.x) so the server sees different clients; the
// harness's manual clock stands in for the minute passing.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { clientAddress, normaliseAddress } from '../../src/web/directline/client-address.js';
import { MintLimiter } from '../../src/web/directline/mint-limiter.js';
import { startHarness, type Harness } from '../helpers/bot-harness.js';
import { capturedLogger } from '../security/helpers.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request from a chosen local address, so the server sees that address as the socket's peer. */
function send(h: Harness, path: string, from: string, headers: Record<string, string> = {}): Promise<Answer> {
  const url = new URL(path, h.baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', localAddress: from, headers: { 'content-length': '0', ...headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}
const mint = (h: Harness, from: string, headers: Record<string, string> = {}) => send(h, '/v3/directline/tokens/generate', from, headers);
const statuses = async (h: Harness, from: string, times: number, headers: Record<string, string> = {}) => {
  const out: number[] = [];
  for (let i = 0; i < times; i++) out.push((await mint(h, from, headers)).status);
  return out;
};

describe('minting Direct Line tokens is limited per client address', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ DIRECT_LINE_TOKENS_PER_MINUTE: '3' });
  });
  afterAll(() => h.close());

  it('refuses past the limit with 429, Retry-After and a plain JSON error, and lets the client in again once a token has refilled', async () => {
    expect(await statuses(h, '127.0.0.2', 3)).toEqual([200, 200, 200]);
    const refused = await mint(h, '127.0.0.2');
    console.log(`token limit: 4th token in a minute → ${refused.status}, Retry-After ${refused.headers['retry-after']}, ${refused.body}`);
    expect(refused.status).toBe(429);
    // 3 a minute: one token every 20 seconds.
    expect(refused.headers['retry-after']).toBe('20');
    expect(refused.headers['cache-control']).toBe('no-store');
    expect(refused.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(refused.body)).toEqual({ error: { code: 'TooManyRequests', message: 'Too many new conversations from this address; please try again in 20 seconds.' } });
    expect(refused.body).not.toMatch(/\bat \S+:\d+|stack|Error:/);

    h.clock.advance(19_000);
    expect((await mint(h, '127.0.0.2')).status, 'still empty a second early').toBe(429);
    h.clock.advance(1_000);
    expect(await statuses(h, '127.0.0.2', 2)).toEqual([200, 429]);
  });

  it('leaves other clients alone', async () => {
    expect(await statuses(h, '127.0.0.3', 4)).toEqual([200, 200, 200, 429]);
    expect(await statuses(h, '127.0.0.4', 3), 'a neighbour on another address').toEqual([200, 200, 200]);
  });

  it('does not limit refreshing or starting the conversation of a token already held', async () => {
    const first = JSON.parse((await mint(h, '127.0.0.5')).body) as { token: string; conversationId: string };
    expect(await statuses(h, '127.0.0.5', 3)).toEqual([200, 200, 429]);
    const auth = { authorization: `Bearer ${first.token}` };
    const started = await send(h, '/v3/directline/conversations', '127.0.0.5', auth);
    expect(started.status).toBe(201);
    const refreshes: number[] = [];
    for (let i = 0; i < 10; i++) refreshes.push((await send(h, '/v3/directline/tokens/refresh', '127.0.0.5', auth)).status);
    expect(refreshes).toEqual(Array(10).fill(200));
  });

  it('ignores X-Forwarded-For unless TRUST_PROXY_HOPS is set, and says once that it may be needed', async () => {
    const spoofs = ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4'];
    const answers: number[] = [];
    for (const address of spoofs) answers.push((await mint(h, '127.0.0.6', { 'x-forwarded-for': address })).status);
    expect(answers, 'a forged header buys no new limit').toEqual([200, 200, 200, 429]);

    const { logger, lines } = capturedLogger();
    const quiet = await startHarness({ DIRECT_LINE_TOKENS_PER_MINUTE: '3' }, { logger });
    try {
      await statuses(quiet, '127.0.0.6', 2, { 'x-forwarded-for': '203.0.113.9' });
      const warnings = lines.filter((l) => l.includes('TRUST_PROXY_HOPS'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).not.toContain('203.0.113.9');
    } finally {
      await quiet.close();
    }
  });
});

describe('behind a proxy (TRUST_PROXY_HOPS=1)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ DIRECT_LINE_TOKENS_PER_MINUTE: '3', TRUST_PROXY_HOPS: '1' });
  });
  afterAll(() => h.close());

  // Every request comes from the proxy's one address (127.0.0.7 here); the proxy appends the client's.
  const viaProxy = (forwarded: string) => mint(h, '127.0.0.7', { 'x-forwarded-for': forwarded });

  it('limits each forwarded client on its own, by the address the proxy appended', async () => {
    const first: number[] = [];
    for (let i = 0; i < 4; i++) first.push((await viaProxy('203.0.113.10:5123')).status);
    expect(first, 'App Service writes address:port').toEqual([200, 200, 200, 429]);
    expect((await viaProxy('203.0.113.10:6001')).status, 'another port is the same client').toBe(429);
    expect((await viaProxy('198.51.100.1, 203.0.113.10')).status, 'a client-written entry on the left changes nothing').toBe(429);
    expect((await viaProxy('203.0.113.11')).status, 'another client behind the same proxy').toBe(200);
    expect((await mint(h, '127.0.0.7')).status, 'no header: the socket').toBe(200);
  });

  it('treats an IPv6 /64 as one client', async () => {
    const answers: number[] = [];
    for (const address of ['[2001:db8:1:2::1]:443', '2001:db8:1:2::2', '2001:db8:1:2:ffff::9', '2001:0db8:0001:0002::abcd']) {
      answers.push((await viaProxy(address)).status);
    }
    expect(answers).toEqual([200, 200, 200, 429]);
    expect((await viaProxy('2001:db8:1:3::1')).status, 'the next /64').toBe(200);
  });
});

describe('the limiter itself', () => {
  it('stays within its bound however many addresses ask, and forgets clients whose bucket has refilled', () => {
    const clock = new ManualClock();
    const limiter = new MintLimiter({ perMinute: 2, clock, maxClients: 100 });
    for (let i = 0; i < 10_000; i++) limiter.take(`10.0.${i >> 8}.${i & 255}`);
    expect(limiter.size).toBe(100);
    // The most recent clients are the ones remembered.
    expect(limiter.take('10.0.39.15')).toEqual({ allowed: true });
    expect(limiter.take('10.0.39.15')).toEqual({ allowed: false, retryAfterSeconds: 30 });
    clock.advance(60_000);
    limiter.take('10.9.9.9');
    expect(limiter.size).toBe(1);
  });

  it('reads the client address the way the routes do', () => {
    const req = (remoteAddress: string, forwarded?: string) => ({ socket: { remoteAddress }, headers: forwarded ? { 'x-forwarded-for': forwarded } : {} });
    expect(clientAddress(req('::ffff:127.0.0.1', '203.0.113.1'), 0)).toBe('127.0.0.1');
    expect(clientAddress(req('10.0.0.4', '198.51.100.7, 203.0.113.1'), 1)).toBe('203.0.113.1');
    // Two proxies of ours (e.g. Front Door, then App Service): the second from the right.
    expect(clientAddress(req('10.0.0.4', '198.51.100.7, 203.0.113.1, 10.0.0.9'), 2)).toBe('203.0.113.1');
    expect(clientAddress(req('10.0.0.4', '203.0.113.1'), 2), 'fewer entries than hops: the leftmost').toBe('203.0.113.1');
    expect(clientAddress(req('10.0.0.4', 'not-an-address'), 1), 'garbage: the socket').toBe('10.0.0.4');
    expect(normaliseAddress('[::1]:80')).toBe('0:0:0:0::/64');
    expect(normaliseAddress('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
    expect(normaliseAddress('example.com')).toBeNull();
  });

  it('DIRECT_LINE_TOKENS_PER_MINUTE defaults to 20 and TRUST_PROXY_HOPS to 0; bad values name the variable', () => {
    const config = loadConfig({});
    expect([config.directLineTokensPerMinute, config.trustProxyHops]).toEqual([20, 0]);
    for (const [name, value] of [
      ['DIRECT_LINE_TOKENS_PER_MINUTE', '0'],
      ['DIRECT_LINE_TOKENS_PER_MINUTE', 'lots'],
      ['TRUST_PROXY_HOPS', '-1'],
      ['TRUST_PROXY_HOPS', '1.5'],
    ] as const) {
      expect(() => loadConfig({ [name]: value }), `${name}=${value}`).toThrow(new RegExp(`${name}: `));
    }
  });

  it('the default holds at 20 a minute', async () => {
    const h = await startHarness();
    try {
      const answers = await statuses(h, '127.0.0.8', 21);
      expect(answers.filter((s) => s === 200)).toHaveLength(20);
      expect(answers.at(-1)).toBe(429);
    } finally {
      await h.close();
    }
  });
});
