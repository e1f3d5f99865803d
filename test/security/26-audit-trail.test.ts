// SECURITY.md 26: every security event — code sent, verified, failed, locked, reset, handoff — goes to an
// append-only audit log with time, conversation, account id (never an email), channel and outcome, and without
// secrets. Every line of a journey names its channel (identify: email or phone; codes: email, sms or alt_email;
// second factor: totp or recovery; the link: chat; the new password: reset_page; a handoff: the chat channel). A full journey with an authenticator leaves identify, code_sent, code_verified,
// second_factor_verified, reset_link_issued and reset_completed in that order; a story of wrong codes leaves
// code_failed then locked; asking for a person leaves handoff. The same lines go, appended, to an AUDIT_LOG file.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { fileSink, MemorySink, type AuditEntry } from '../../src/services/audit-log.js';
import { BEN, DANI, submitNewPassword } from '../transcripts/story.js';
import { alignToStep, linkIn, startApp, totpAt, type Harness } from './helpers.js';

const LIMIT = loadConfig({}).policy.accountFailuresPerWindow;
const NEW_PASSWORD = 'gentle thunder over the orchard at night';

type Line = AuditEntry & { time: string; audit: boolean };

let h: Harness;
let dir: string;
let file: string;
const memory = new MemorySink();
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clave-audit-'));
  file = join(dir, 'audit.jsonl');
  // The growing delays (item 9) are off so the lockout story is ten tries in a row; the limit is the default.
  h = await startApp({ ATTEMPT_DELAYS_SECONDS: '0', SENDS_PER_15_MINUTES: '10' }, { auditSinks: [memory, fileSink(file)] });
});
afterAll(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

const linesOf = (conv: string): Line[] => memory.entries().filter((e) => e.conversationId === conv) as Line[];
const secretsSeen: string[] = [BEN.email, BEN.phone, DANI.email, DANI.altEmail, BEN.password, NEW_PASSWORD];

function expectWellFormed(lines: Line[], conv: string, accountId: string): void {
  for (const line of lines) {
    expect(line.audit).toBe(true);
    expect(new Date(line.time).toISOString(), `${line.event}: an ISO time`).toBe(line.time);
    expect(line.conversationId).toBe(conv);
    expect(line.accountId, `${line.event}: the account id`).toBe(accountId);
    expect(typeof line.outcome === 'string' && line.outcome.length > 0, `${line.event}: an outcome`).toBe(true);
    const text = JSON.stringify(line);
    for (const secret of secretsSeen) expect(text, `${line.event} holds no address, code, token or password`).not.toContain(secret);
    expect(text).not.toMatch(/@|\b\d{6}\b|\/reset\//);
  }
}

describe('the audit trail (SECURITY.md 26)', () => {
  it('tells a full journey with an authenticator, in order, with time, conversation, account, channel and outcome', async () => {
    const conv = 'audit-journey';
    await h.say(conv, 'I forgot my password');
    await h.say(conv, BEN.email);
    await h.press(conv, 'channel_sms');
    const [code] = await h.codesFor(BEN.phone);
    secretsSeen.push(code!);
    await h.say(conv, code!);
    alignToStep(h);
    const totp = await totpAt(BEN.totpSecret, h.clock.now());
    secretsSeen.push(totp);
    const url = linkIn(await h.say(conv, totp))!;
    secretsSeen.push(url.split('/').at(-1)!);
    expect((await submitNewPassword(h, url, NEW_PASSWORD)).status).toBe(200);

    const lines = linesOf(conv);
    console.log(`SECURITY 26 journey: ${lines.map((l) => `${l.event}${l.channel ? `(${l.channel})` : ''}:${l.outcome}`).join(' → ')}`);
    expect(lines.map((l) => l.event)).toEqual(['identify', 'code_sent', 'code_verified', 'second_factor_verified', 'reset_link_issued', 'reset_completed']);
    expectWellFormed(lines, conv, 'acct-ben');
    // Every line says by which channel: the identifier's kind, where the code went and came back from, the
    // second factor, the chat that got the link, the page that set the password.
    expect(lines.map((l) => [l.event, l.channel])).toEqual([
      ['identify', 'email'],
      ['code_sent', 'sms'],
      ['code_verified', 'sms'],
      ['second_factor_verified', 'totp'],
      ['reset_link_issued', 'chat'],
      ['reset_completed', 'reset_page'],
    ]);
    // Times follow the journey: never backwards.
    const times = lines.map((l) => Date.parse(l.time));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('tells failures and the lockout, and the handoff that follows', async () => {
    const convs = ['audit-fail-1', 'audit-fail-2'];
    for (const conv of convs) {
      await h.say(conv, 'I forgot my password');
      await h.say(conv, DANI.email);
      await h.press(conv, conv.endsWith('1') ? 'channel_email' : 'channel_alt_email');
    }
    for (let i = 0; i < LIMIT; i++) await h.say(convs[i % 2]!, '000000');
    await h.press(convs[1]!, 'agent');

    const first = linesOf(convs[0]!);
    const second = linesOf(convs[1]!);
    console.log(`SECURITY 26 lockout story (second conversation): ${second.map((l) => `${l.event}${l.channel ? `(${l.channel})` : ''}:${l.outcome}`).join(' → ')}`);
    expect(first.map((l) => l.event)).toEqual(['identify', 'code_sent', ...Array(LIMIT / 2).fill('code_failed')]);
    expect(second.map((l) => l.event)).toEqual(['identify', 'code_sent', ...Array(LIMIT / 2).fill('code_failed'), 'locked', 'handoff']);
    expect(second.find((l) => l.event === 'code_sent')?.channel).toBe('alt_email');
    expect(second.find((l) => l.event === 'handoff')?.outcome).toBe('locked_out');
    // Each wrong code names the channel its code went by, and the lockout the one of the try that caused it.
    expect(first.filter((l) => l.event === 'code_failed').map((l) => l.channel)).toEqual(Array(LIMIT / 2).fill('email'));
    expect(second.filter((l) => l.event === 'code_failed').map((l) => l.channel)).toEqual(Array(LIMIT / 2).fill('alt_email'));
    expect(second.find((l) => l.event === 'locked')?.channel).toBe('alt_email');
    // The handoff names the chat channel the person is on.
    expect(second.find((l) => l.event === 'handoff')?.channel).toBeTruthy();
    for (const line of [...first, ...second]) expect(line.channel, `${line.event} names its channel`).toBeTruthy();
    expectWellFormed(first, convs[0]!, 'acct-dani');
    expectWellFormed(second, convs[1]!, 'acct-dani');
  });

  it('appends the same lines to the AUDIT_LOG file, one JSON object per line', () => {
    const written = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(written).toEqual(memory.lines);
    for (const line of written) expect(() => JSON.parse(line)).not.toThrow();
    console.log(`SECURITY 26 audit file: ${written.length} lines`);
  });
});
