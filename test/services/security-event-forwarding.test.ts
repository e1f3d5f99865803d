// The account-security events of the audit trail reach the company's directory (POST /accounts/{id}/events):
// the whole bot against the reference directory server, and the forwarder alone against the same server for the
// queue's edges (bound, 4xx, order). Off the reply path: a directory that stalls and fails delays no reply.
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { AuditLog, type AuditEntry } from '../../src/services/audit-log.js';
import type { DemoDirectory } from '../../src/services/demo-directory.js';
import { HttpDirectory, securityEventTypes } from '../../src/services/http-directory.js';
import { SecurityEventForwarder } from '../../src/services/security-events.js';
import { startHarness, type Harness } from '../helpers/bot-harness.js';
import { startDirectoryServer, type DirectoryServer } from '../helpers/directory-server.js';
import { capturedLogger, linkIn } from '../security/helpers.js';
import { ANA, submitNewPassword } from '../transcripts/story.js';

const NEW_PASSWORD = 'quiet harbour lamps at dawn';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function directoryServer(options: Parameters<typeof startDirectoryServer>[0] = {}): Promise<DirectoryServer> {
  const server = await startDirectoryServer(options);
  cleanups.push(() => server.close());
  return server;
}

/** The bot against the reference directory; closed by the test when it checks shutdown, else afterwards. */
async function botAgainst(server: DirectoryServer, logger = capturedLogger().logger): Promise<Harness> {
  const h = await startHarness(
    { DIRECTORY_URL: server.url, DIRECTORY_TOKEN: server.token, SENDS_PER_15_MINUTES: '10' },
    { logger },
  );
  let closed = false;
  const close = h.close.bind(h);
  h.close = async () => {
    if (!closed) await close();
    closed = true;
  };
  cleanups.push(() => h.close());
  return h;
}

interface Recovery {
  code: string;
  link: string;
  /** How long each chat turn took to answer, in ms. */
  replyMs: number[];
}

/** Ana (email, no second factor) from "forgot my password" to a new password set on the reset page. */
async function recoverAna(h: Harness, conversationId: string): Promise<Recovery> {
  const replyMs: number[] = [];
  const timed = async (turn: () => Promise<string[]>) => {
    const started = performance.now();
    const texts = await turn();
    replyMs.push(performance.now() - started);
    return texts;
  };
  await timed(() => h.say(conversationId, 'I forgot my password', 'en-US'));
  await timed(() => h.say(conversationId, ANA.email, 'en-US'));
  await timed(() => h.press(conversationId, 'channel_email'));
  const [code] = await h.codesFor(ANA.email);
  const link = linkIn(await timed(() => h.say(conversationId, code!, 'en-US')));
  expect(link, 'the code gets a reset link').not.toBeNull();
  const page = await submitNewPassword(h, link!, NEW_PASSWORD);
  expect(page.status).toBe(200);
  return { code: code!, link: link!, replyMs };
}

const eventRequests = (server: DirectoryServer) => server.requests.filter((r) => r.target.endsWith('/events'));
const types = (server: DirectoryServer) => server.events.map((e) => (e.event as { type: string }).type);

/** Nothing that unlocks the account in what the directory received. */
function expectNoSecret(server: DirectoryServer, recovery: Recovery): void {
  const bodies = JSON.stringify(server.events);
  const token = new URL(recovery.link).pathname.split('/').pop()!;
  for (const secret of [recovery.code, token, NEW_PASSWORD, ANA.email, ANA.password]) expect(bodies).not.toContain(secret);
}

describe('security events forwarded to the directory', () => {
  it('a full recovery: code_sent, code_verified, reset_link_issued, reset_completed, in order, referenced, no secret', async () => {
    const server = await directoryServer();
    const h = await botAgainst(server);
    const recovery = await recoverAna(h, 'events-full');
    await h.app.securityEvents!.drain();

    const sent = types(server);
    console.log(`security events received by the directory: ${sent.join(', ')}`);
    // The audit trail's account-security events for Ana, in the trail's order, are exactly what arrived.
    const listed: readonly string[] = securityEventTypes;
    const expected = h.audit.entries().filter((e) => e.accountId === 'acct-ana' && listed.includes(e.event));
    expect(sent).toEqual(expected.map((e) => e.event));
    for (const name of ['code_sent', 'code_verified', 'reset_link_issued', 'reset_completed']) expect(sent).toContain(name);
    const at = (name: string) => sent.indexOf(name);
    expect(at('code_sent')).toBeLessThan(at('code_verified'));
    expect(at('code_verified')).toBeLessThan(at('reset_link_issued'));
    expect(at('reset_link_issued')).toBeLessThan(at('reset_completed'));

    for (const { accountId, event } of server.events) {
      expect(accountId).toBe('acct-ana');
      expect(event).toMatchObject({ reference: 'events-full', at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
      const audited = h.audit.entries().find((e) => e.event === (event as { type: string }).type && e.accountId === 'acct-ana')!;
      expect(event).toMatchObject({ outcome: audited.outcome, ...(audited.channel ? { channel: audited.channel } : {}) });
      // The contract's fields and nothing else: no room for anything the audit line does not carry.
      for (const field of Object.keys(event as object)) expect(['type', 'at', 'outcome', 'channel', 'reference']).toContain(field);
    }
    expectNoSecret(server, recovery);
  });

  it('an unknown identifier sends nothing: there is no account to record on', async () => {
    const server = await directoryServer();
    const h = await botAgainst(server);
    await h.say('events-nobody', 'I forgot my password', 'en-US');
    await h.say('events-nobody', 'nobody-at-all@example.com', 'en-US');
    await h.press('events-nobody', 'channel_email');
    await h.say('events-nobody', '123456', 'en-US');
    await h.app.securityEvents!.drain();
    const audited = h.audit.entries().map((e) => e.event);
    console.log(`unknown identifier: audit ${audited.join(', ')}; events sent ${eventRequests(server).length}`);
    expect(audited.some((e) => e === 'code_sent' || e === 'code_failed'), 'the trail has events, with no account').toBe(true);
    expect(eventRequests(server)).toHaveLength(0);
    expect(server.events).toHaveLength(0);
  });

  it('a directory that stalls and answers 503 gets the events once it recovers; no reply waits for it', async () => {
    const server = await directoryServer();
    const { logger, lines } = capturedLogger();
    const h = await botAgainst(server, logger);
    let refused = 0;
    server.intercept((_req, res, route) => {
      if (!route.endsWith('/events')) return false;
      refused++;
      setTimeout(() => {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'unavailable' }));
      }, 800);
      return true;
    });
    const recovery = await recoverAna(h, 'events-outage');
    console.log(`directory down (800 ms then 503): reply times ${recovery.replyMs.map((ms) => Math.round(ms)).join(', ')} ms; refused ${refused}`);
    for (const ms of recovery.replyMs) expect(ms).toBeLessThan(700);
    expect(refused).toBeGreaterThan(0);
    expect(server.events).toHaveLength(0);

    server.intercept(null);
    expect(await h.app.securityEvents!.drain(30_000)).toBe(true);
    expect(types(server).slice(0, 2)).toEqual(['code_sent', 'code_verified']);
    expect(types(server)).toEqual(expect.arrayContaining(['reset_link_issued', 'reset_completed']));
    expect(server.events.every((e) => (e.event as { reference?: string }).reference === 'events-outage')).toBe(true);
    expectNoSecret(server, recovery);
    const warnings = lines.filter((l) => l.includes('security event not delivered'));
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.join('\n')).toContain('HTTP 503');
    for (const secret of [recovery.code, ANA.email, NEW_PASSWORD]) expect(lines.join('\n')).not.toContain(secret);
  });

  it('a directory without the endpoint (404) is asked once and then not again', async () => {
    const server = await directoryServer({ events: false });
    const { logger, lines } = capturedLogger();
    const h = await botAgainst(server, logger);
    await recoverAna(h, 'events-missing-1');
    await recoverAna(h, 'events-missing-2');
    await h.app.securityEvents!.drain();
    console.log(`directory without /events: asked ${eventRequests(server).length} time(s) over two recoveries`);
    expect(eventRequests(server)).toHaveLength(1);
    expect(lines.filter((l) => l.includes('does not take security events'))).toHaveLength(1);
  });

  it('shutdown drains: events still queued when the app closes reach the directory', async () => {
    const server = await directoryServer();
    const h = await botAgainst(server);
    // A slow security log: 300 ms an event, so some are still waiting when close() starts.
    server.delayEvents(300);
    await recoverAna(h, 'events-shutdown');
    const waiting = h.app.securityEvents!.queued;
    const before = server.events.length;
    await h.close();
    console.log(`shutdown: ${before} event(s) received before close(), ${waiting} waiting; ${server.events.length} received by its end`);
    expect(waiting, 'something was left to drain').toBeGreaterThan(0);
    expect(types(server)).toEqual(expect.arrayContaining(['code_sent', 'code_verified', 'reset_link_issued', 'reset_completed']));
    expect(h.app.securityEvents!.queued).toBe(0);
  });

  it('the embedded demo directory keeps the last events per account, through the same path', async () => {
    const h = await startHarness();
    cleanups.push(() => h.close());
    await recoverAna(h, 'events-demo');
    await h.app.securityEvents!.drain();
    const kept = (h.app.directory as DemoDirectory).eventsOf('acct-ana');
    console.log(`demo directory kept for acct-ana: ${kept.map((e) => e.type).join(', ')}`);
    expect(kept.map((e) => e.type)).toEqual(expect.arrayContaining(['code_sent', 'code_verified', 'reset_link_issued', 'reset_completed']));
    expect(kept.every((e) => e.reference === 'events-demo')).toBe(true);
  });
});

describe('the forwarder alone, against the reference directory', () => {
  async function forwarderAgainst(server: DirectoryServer, options: ConstructorParameters<typeof SecurityEventForwarder>[3] = {}) {
    const { logger, lines } = capturedLogger();
    const directory = new HttpDirectory({ url: server.url, token: server.token, timeoutMs: 2000 });
    const forwarder = new SecurityEventForwarder(directory, logger, Date.now, { baseDelayMs: 20, maxDelayMs: 100, settleMs: 0, ...options });
    const audit = new AuditLog([forwarder], new ManualClock(Date.parse('2026-11-26T12:00:00Z')));
    cleanups.push(() => forwarder.close());
    return { forwarder, audit, lines };
  }
  const entry = (accountId: string | null, conversationId: string, event: AuditEntry['event'] = 'code_failed'): AuditEntry => ({
    event,
    accountId,
    conversationId,
    channel: 'email',
    outcome: 'wrong',
  });

  it('keeps each account its order while several accounts go at once over a jittery directory', async () => {
    const server = await directoryServer();
    // A random few ms an event, so answers come back out of order across accounts.
    server.delayEvents(() => Math.random() * 15);
    const { forwarder, audit } = await forwarderAgainst(server);
    const accounts = ['acct-ana', 'acct-ben', 'acct-carla', 'acct-dani'];
    for (let i = 0; i < 10; i++) for (const account of accounts) audit.record(entry(account, `${account}-${i}`));
    expect(await forwarder.drain(10_000)).toBe(true);
    expect(server.events).toHaveLength(40);
    for (const account of accounts) {
      const references = server.events.filter((e) => e.accountId === account).map((e) => (e.event as { reference: string }).reference);
      expect(references).toEqual(Array.from({ length: 10 }, (_, i) => `${account}-${i}`));
    }
    expect(forwarder.counts).toMatchObject({ sent: 40, dropped: 0, refused: 0 });
  });

  it('a long outage keeps only the newest maxQueued events, with the count logged', async () => {
    const server = await directoryServer();
    server.intercept((_req, res, route) => {
      if (!route.endsWith('/events')) return false;
      res.writeHead(503);
      res.end();
      return true;
    });
    const { forwarder, audit, lines } = await forwarderAgainst(server, { maxQueued: 3, baseDelayMs: 100 });
    // The first one is tried, refused and back at the front of the queue when the others come.
    audit.record(entry('acct-ana', 'outage-0'));
    await new Promise((r) => setTimeout(r, 50));
    expect(eventRequests(server).length).toBeGreaterThan(0);
    for (let i = 1; i < 8; i++) audit.record(entry('acct-ana', `outage-${i}`));
    await new Promise((r) => setTimeout(r, 150));
    server.intercept(null);
    expect(await forwarder.drain(5_000)).toBe(true);
    const references = server.events.map((e) => (e.event as { reference: string }).reference);
    console.log(`outage with room for 3: received ${references.join(', ')}; dropped ${forwarder.counts.dropped}`);
    expect(references).toEqual(['outage-5', 'outage-6', 'outage-7']);
    expect(forwarder.counts).toMatchObject({ sent: 3, dropped: 5 });
    expect(lines.some((l) => l.includes('queue full'))).toBe(true);
    expect(lines.some((l) => l.includes(`"dropped":${forwarder.counts.dropped}`))).toBe(true);
  });

  it('after events were taken, a 404 for one account drops that event only; three in a row stop them all', async () => {
    const server = await directoryServer();
    const { forwarder, audit, lines } = await forwarderAgainst(server);
    audit.record(entry('acct-ana', 'taken'));
    expect(await forwarder.drain(2_000)).toBe(true);
    // An account the directory no longer knows (the reference server answers 404 not_found).
    audit.record(entry('acct-deleted', 'deleted'));
    audit.record(entry('acct-ben', 'still-taken'));
    expect(await forwarder.drain(2_000)).toBe(true);
    expect(server.events.map((e) => e.accountId)).toEqual(['acct-ana', 'acct-ben']);
    expect(lines.some((l) => l.includes('does not take security events'))).toBe(false);

    for (let i = 0; i < 3; i++) audit.record(entry(`acct-gone-${i}`, `gone-${i}`));
    expect(await forwarder.drain(2_000)).toBe(true);
    audit.record(entry('acct-ana', 'after'));
    expect(await forwarder.drain(2_000)).toBe(true);
    console.log(`404s after events were taken: received ${server.events.length}, refused ${forwarder.counts.refused}`);
    expect(server.events).toHaveLength(2);
    expect(lines.filter((l) => l.includes('does not take security events'))).toHaveLength(1);
    expect(eventRequests(server)).toHaveLength(6);
  });

  it('a 4xx is not retried; an unknown identifier and events outside the list are not sent', async () => {
    const server = await directoryServer();
    server.intercept((_req, res, route) => {
      if (!route.endsWith('/events')) return false;
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'invalid_request' }));
      return true;
    });
    const { forwarder, audit, lines } = await forwarderAgainst(server);
    audit.record(entry(null, 'nobody'));
    audit.record(entry('acct-ana', 'not-listed', 'identify'));
    audit.record(entry('acct-ana', 'refused'));
    expect(await forwarder.drain(2_000)).toBe(true);
    expect(eventRequests(server)).toHaveLength(1);
    expect(forwarder.counts).toMatchObject({ sent: 0, refused: 1 });
    expect(lines.some((l) => l.includes('not retried') && l.includes('HTTP 400'))).toBe(true);
  });
});
