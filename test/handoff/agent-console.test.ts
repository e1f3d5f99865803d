// Stories of the built-in agent console against the real app (one instance, in memory): a person who lost
// their authenticator reaches an agent, chats, is verified by the agent and resets with the link the agent
// sends; a person whose code never came gets a fresh one and finishes with the bot; a person leaves; two
// agents race for one conversation. The console's sign-in, CSRF and headers are checked on the way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleText } from '../../dialogs/pages/agent-console.js';
import type { LogEntry } from '../../src/handoff/desk.js';
import { cookiesFrom, eventually, loginForm, postLogin, signInAgent, type AgentClient } from '../helpers/agent-console.js';
import { demoCredentials } from '../helpers/directory-server.js';
import {
  BEN,
  CHANNEL_CHOICES,
  CODE_CHOICES,
  DANI,
  SECOND_FACTOR_CHOICES,
  conversation,
  copy,
  latestCode,
  line,
  linesOf,
  newPassphrase,
  play,
  press,
  proactiveLines,
  signIn,
  startStory,
  submitNewPassword,
  type Harness,
  type Line,
} from '../transcripts/story.js';

const AGENTS = { maria: 'correct-horse-maria', li: 'battery-staple-li' };
let h: Harness;
let maria: AgentClient;
let li: AgentClient;

beforeAll(async () => {
  // Two agents with development passwords (allowed outside production only).
  h = await startStory({ AGENT_USERS: `maria:${AGENTS.maria},li:${AGENTS.li}` });
  maria = await signInAgent(h.baseUrl, 'maria', AGENTS.maria);
  li = await signInAgent(h.baseUrl, 'li', AGENTS.li);
});
afterAll(() => h.close());

/** Waits for the proactive messages the conversation gets outside its turns (queue, agent, link). */
const proactiveUntil = (conv: string, ok: (lines: Line[]) => boolean) =>
  eventually(() => proactiveLines(h, conv), ok, `proactive messages of ${conv}`);

const hasKind = (kind: LogEntry['kind']) => (e: LogEntry) => e.kind === kind;

/**
 * The reply to asking for a person: the chart's words, then the place in line (first: each story's person is
 * alone in line). The wait estimate depends on the stories before, so only the place is checked here.
 */
function handedOver(locale: 'es' | 'en'): Line[] {
  const { bot, t } = copy(locale);
  const place = t('handoff_queue_no_estimate', { position: 1 }).split('.')[0]!;
  return [bot('handoff_started', ['cancel']), expect.objectContaining({ text: expect.stringContaining(place) }) as Line];
}

describe('the agent console’s door', () => {
  it('serves the sign-in page with strict headers and a CSRF cookie', async () => {
    const { response, field } = await loginForm(h.baseUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(field).toMatch(/^\d+\.[0-9a-f]{64}$/);
    expect(response.headers.getSetCookie()[0]).toMatch(/^clave_agent_login=[\w-]+; Path=\/agent; HttpOnly; SameSite=Strict/);
  });

  it('gives one answer for a wrong password and an unknown name, and no session', async () => {
    for (const [name, password] of [['maria', 'not-her-password'], ['nobody', 'whatever-password']] as const) {
      const response = await postLogin(h.baseUrl, await loginForm(h.baseUrl), name, password);
      expect(response.status).toBe(401);
      expect(await response.text()).toContain(consoleText('en', 'login_failed'));
      expect(cookiesFrom(response).clave_agent).toBeUndefined();
    }
    const failures = h.audit.entries().filter((e) => e.event === 'agent_sign_in_failed');
    expect(failures.map((e) => e.agent)).toEqual(['maria', 'nobody']);
    expect(JSON.stringify(failures)).not.toContain('not-her-password');
  });

  it('refuses a sign-in without the form’s CSRF cookie', async () => {
    const form = await loginForm(h.baseUrl);
    const response = await postLogin(h.baseUrl, { ...form, cookie: '' }, 'maria', AGENTS.maria);
    expect(response.status).toBe(403);
    expect(cookiesFrom(response).clave_agent).toBeUndefined();
  });

  it('sets a signed, HttpOnly, SameSite=Strict session cookie, and the API needs it and the CSRF token', async () => {
    const response = await postLogin(h.baseUrl, await loginForm(h.baseUrl), 'li', AGENTS.li);
    expect(response.headers.getSetCookie().find((c) => c.startsWith('clave_agent='))).toMatch(
      /^clave_agent=[\w-]+\.[0-9a-f]{64}; Path=\/agent; HttpOnly; SameSite=Strict; Max-Age=\d+/,
    );
    expect((await fetch(`${h.baseUrl}/agent/api/desk`)).status).toBe(401);
    // A tampered signature is no session.
    const forged = li.cookie.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    expect((await fetch(`${h.baseUrl}/agent/api/desk`, { headers: { cookie: forged } })).status).toBe(401);
    const noToken = await fetch(`${h.baseUrl}/agent/api/conversations/x/take`, {
      method: 'POST',
      headers: { cookie: li.cookie, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(noToken.status).toBe(403);
    const crossSite = await fetch(`${h.baseUrl}/agent/api/conversations/x/take`, {
      method: 'POST',
      headers: { cookie: li.cookie, 'content-type': 'application/json', 'x-csrf-token': li.csrf, 'sec-fetch-site': 'cross-site' },
      body: '{}',
    });
    expect(crossSite.status).toBe(403);
  });
});

describe('a person who lost their authenticator gets back in through an agent (en)', () => {
  it('waits in line, chats with the agent, is verified by the agent, resets with the agent’s link', async () => {
    const { bot } = copy('en');
    const conv = conversation('lost-2fa-agent', 'en');
    const oldSession = (await signIn(h, BEN.email, BEN.password)).session!;
    await play(h, conv, 'en', [
      ['I forgot my password', [bot('ask_identifier', ['agent'])]],
      [BEN.email, [bot('ask_channel', CHANNEL_CHOICES)]],
      [press('channel_email'), [bot('code_sent_email'), bot('ask_code', CODE_CHOICES)]],
      [() => latestCode(h, BEN.email), [bot('code_verified'), bot('ask_second_factor', SECOND_FACTOR_CHOICES)]],
      [press('lost_2fa'), [bot('lost_2fa', ['use_recovery_code', 'agent'])]],
      [press('agent'), [bot('ask_card_last4', ['skip', 'agent'])]],
      // Told their place in line, honestly: nobody has waited yet, so there is no estimate.
      [press('skip'), [bot('handoff_started', ['cancel']), line('en', 'handoff_queue_no_estimate', ['cancel'], { position: 1 })]],
    ]);

    // The agent sees the person in line, with language, reason and waiting time, and the case.
    const desk = await maria.desk();
    const waiting = desk.queue.find((q) => q.conversationId === conv)!;
    expect(waiting).toMatchObject({ locale: 'en', reason: 'lost_2fa', position: 1 });
    const { body: view } = await maria.caseOf(conv);
    expect(view.packet).toMatchObject({
      language: 'en',
      reason: 'lost_2fa',
      accountId: 'acct-ben',
      ownerIdentification: { paymentDetails: 'skipped', securityQuestion: 'off' },
      factors: { verified: ['one_time_code'], failed: [], codeChannel: 'email', secondFactorRequired: true },
      recentActivity: { status: 'ok' },
    });
    expect(view.packet.recentActivity.status === 'ok' && view.packet.recentActivity.signIns.some((s) => !s.success)).toBe(true);
    expect(JSON.stringify(view)).not.toContain(BEN.email);
    expect(view.botTexts.ask_second_factor).toBe(copy('en').t('ask_second_factor'));

    // Maria takes it; the person hears who joined.
    expect((await maria.act(conv, 'take')).status).toBe(200);
    expect((await maria.desk()).mine.map((m) => m.conversationId)).toContain(conv);
    await proactiveUntil(conv, (lines) => lines.some((l) => l.text === copy('en').t('handoff_agent_joined', { agent: 'maria' })));

    // The person writes: it reaches the agent redacted, and the bot stays quiet.
    expect(linesOf(await h.send(conv, { text: 'Hi! My other address is ben.other@example.net', locale: 'en-US' }))).toEqual([]);
    // A password never reaches the agent; the bot says why.
    expect(linesOf(await h.send(conv, { text: 'Blue-Harbor-Kettle-7', locale: 'en-US' }))).toEqual([bot('password_in_chat')]);
    const log = await maria.waitForLog(conv, view.handoffId, hasKind('person_withheld'));
    expect(log.filter((e) => e.kind === 'person_message')).toEqual([expect.objectContaining({ text: 'Hi! My other address is <email>' })]);
    expect(JSON.stringify(log)).not.toContain('Blue-Harbor');

    // The agent writes back.
    expect((await maria.act(conv, 'messages', { text: 'Hello Ben, I can help with that.' })).status).toBe(200);
    await proactiveUntil(conv, (lines) => lines.some((l) => l.text === copy('en').t('handoff_agent_message', { agent: 'maria', text: 'Hello Ben, I can help with that.' })));

    // No link before the agent vouches for the person; then one, audited under the agent's name.
    expect(await maria.act(conv, 'reset-link')).toEqual({ status: 409, body: { error: 'not_verified' } });
    expect((await li.act(conv, 'verify')).status).toBe(403);
    expect((await maria.act(conv, 'verify')).status).toBe(200);
    expect((await maria.caseOf(conv)).body.agentVerified).toMatchObject({ agent: 'maria' });
    expect((await maria.act(conv, 'reset-link')).status).toBe(200);
    const withLink = await proactiveUntil(conv, (lines) => lines.some((l) => l.text.includes('/reset/')));
    const url = /https:\/\/clave\.test\/reset\/[\w-]+/.exec(withLink.find((l) => l.text.includes('/reset/'))!.text)![0];
    await maria.waitForLog(conv, view.handoffId, hasKind('reset_link_sent'));

    // The person sets a new password: the chat is told, the handoff is over, sessions are ended.
    const password = newPassphrase('en');
    expect((await submitNewPassword(h, url, password)).status).toBe(200);
    await proactiveUntil(conv, (lines) => lines.some((l) => l.text === copy('en').t('reset_done')));
    const closed = await maria.waitForLog(conv, view.handoffId, hasKind('closed'));
    expect(closed.at(-1)).toMatchObject({ kind: 'closed', outcome: 'reset_completed' });
    expect((await maria.desk()).mine.map((m) => m.conversationId)).not.toContain(conv);
    expect((await signIn(h, BEN.email, password)).status).toBe(200);
    expect((await fetch(`${h.baseUrl}/dev/session/${oldSession}`)).status).toBe(401);

    const trail = h.audit.entries().filter((e) => e.conversationId === conv).map((e) => [e.event, e.outcome, e.agent ?? null]);
    expect(trail).toEqual(
      expect.arrayContaining([
        ['handoff', 'lost_2fa', null],
        ['handoff_accepted', 'accepted', 'maria'],
        ['agent_verified', 'ok', 'maria'],
        ['reset_link_issued', 'ok', null],
        ['reset_completed', 'ok', null],
        ['handoff_ended', 'reset_completed', 'maria'],
      ]),
    );
    const everything = JSON.stringify([h.audit.lines, [...h.proactive.values()].flat().filter((a) => a.type === 'event')]);
    expect(everything).not.toContain(BEN.email);
  });
});

describe('un código nuevo desde la consola (es)', () => {
  it('the agent sends a fresh code and the bot waits for it again, on the channel the agent chose', async () => {
    const { bot } = copy('es');
    const conv = conversation('fresh-code', 'es');
    await play(h, conv, 'es', [
      ['olvidé mi clave', [bot('ask_identifier', ['agent'])]],
      [DANI.email, [bot('ask_channel', CHANNEL_CHOICES)]],
      [press('channel_email'), [bot('code_sent_email'), bot('ask_code', CODE_CHOICES)]],
      [press('agent'), [bot('ask_card_last4', ['skip', 'agent'])]],
      [press('skip'), handedOver('es')],
    ]);
    expect((await li.act(conv, 'take')).status).toBe(200);
    const handoffId = (await li.caseOf(conv)).body.handoffId;
    expect(await li.act(conv, 'fresh-code', { channel: 'alt_email' })).toEqual({ status: 409, body: { error: 'not_verified' } });
    expect((await li.act(conv, 'verify')).status).toBe(200);
    expect((await li.act(conv, 'fresh-code', { channel: 'alt_email' })).status).toBe(200);
    await proactiveUntil(conv, (lines) => lines.some((l) => l.text === copy('es').t('code_sent_alt_email')));
    await li.waitForLog(conv, handoffId, (e) => e.kind === 'closed' && e.outcome === 'code_sent');

    // Back with the bot, which checks the code as always and gives the link.
    const code = await latestCode(h, DANI.altEmail);
    const replies = linesOf(await h.send(conv, { text: code, locale: 'es-ES' }));
    expect(replies[0]).toEqual(bot('code_verified'));
    expect(replies[1]?.text).toContain('/reset/');
    expect((await li.log(conv, handoffId)).some((e) => JSON.stringify(e).includes(code))).toBe(false);
  });
});

describe('a person who used a recovery code, then asked for an agent (en)', () => {
  it('still gets a fresh recovery code on the reset page after the agent vouches and sends the link', async () => {
    const conv = conversation('recovery-code-agent', 'en');
    await h.say(conv, 'I forgot my password', 'en-US');
    await h.say(conv, BEN.email, 'en-US');
    await h.press(conv, 'channel_email');
    expect(await h.say(conv, await latestCode(h, BEN.email), 'en-US')).toContain(copy('en').t('ask_second_factor'));
    // The recovery code is spent here: the reset that follows owes the person a fresh one (SECURITY.md 14).
    const afterCode = await h.say(conv, demoCredentials.ben.recoveryCodes[1]!, 'en-US');
    expect(afterCode.some((text) => text.includes('/reset/')), 'the recovery code was taken').toBe(true);
    await h.say(conv, 'talk to a person', 'en-US');
    await h.press(conv, 'skip');
    const waiting = await eventually(() => maria.desk(), (desk) => desk.queue.some((q) => q.conversationId === conv), 'the person in line');
    expect(waiting.queue.find((q) => q.conversationId === conv)).toBeDefined();

    expect((await maria.act(conv, 'take')).status).toBe(200);
    // A long chat: the conversation's own verification record (30 minutes) is gone by the time the agent vouches.
    h.clock.advance(31 * 60_000);
    expect((await maria.act(conv, 'verify')).status).toBe(200);
    expect((await maria.act(conv, 'reset-link')).status).toBe(200);
    const withLink = await proactiveUntil(conv, (lines) => lines.some((l) => l.text.includes('/reset/')));
    const url = /https:\/\/clave\.test\/reset\/[\w-]+/.exec([...withLink].reverse().find((l) => l.text.includes('/reset/'))!.text)![0];

    const page = await submitNewPassword(h, url, newPassphrase('en'));
    expect(page.status).toBe(200);
    const fresh = /<code id="recovery-code"[^>]*>([A-Z2-7-]+)<\/code>/.exec(page.html)?.[1];
    expect(fresh, 'the reset page shows a fresh recovery code').toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/);
    expect(h.audit.entries().filter((e) => e.conversationId === conv).map((e) => e.event)).toEqual(
      expect.arrayContaining(['second_factor_verified', 'agent_verified', 'reset_completed', 'recovery_code_reissued']),
    );
  });
});

describe('leaving and racing', () => {
  it('when the person goes back to the assistant, the agent sees them leave', async () => {
    const { bot } = copy('en');
    const conv = conversation('person-leaves', 'en');
    await play(h, conv, 'en', [['talk to a person', handedOver('en')]]);
    expect((await maria.act(conv, 'take')).status).toBe(200);
    const handoffId = (await maria.caseOf(conv)).body.handoffId;
    // Typed words go to the agent; the Cancel button still reaches the assistant.
    expect(linesOf(await h.send(conv, { text: 'cancel', locale: 'en-US' }))).toEqual([]);
    await play(h, conv, 'en', [[press('cancel'), [bot('handoff_cancelled'), bot('welcome_prompt', ['recover', 'agent'])]]]);
    const log = await maria.waitForLog(conv, handoffId, hasKind('closed'));
    expect(log.map((e) => e.kind)).toEqual(['agent_joined', 'person_message', 'person_left', 'closed']);
    // The assistant answers again.
    expect(linesOf(await h.send(conv, { text: 'I forgot my password', locale: 'en-US' }))).toEqual([bot('ask_identifier', ['agent'])]);
  });

  it('when the agent returns the person to the assistant, the assistant says so and answers again', async () => {
    const { bot } = copy('en');
    const conv = conversation('returned', 'en');
    await play(h, conv, 'en', [['talk to a person', handedOver('en')]]);
    expect((await li.act(conv, 'take')).status).toBe(200);
    expect((await li.act(conv, 'end', { outcome: 'returned' })).status).toBe(200);
    await proactiveUntil(conv, (lines) => lines.some((l) => l.text === copy('en').t('handoff_ended')));
    expect(linesOf(await h.send(conv, { text: 'I forgot my password', locale: 'en-US' }))).toEqual([bot('ask_identifier', ['agent'])]);
  });

  it('two agents taking the same conversation at once: exactly one gets it, the other hears it was taken', async () => {
    const conv = conversation('race', 'en');
    await play(h, conv, 'en', [['talk to a person', handedOver('en')]]);
    const [a, b] = await Promise.all([maria.act(conv, 'take'), li.act(conv, 'take')]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expect([a.body, b.body]).toContainEqual({ error: 'already_taken' });
    const winner = a.status === 200 ? maria : li;
    const loser = a.status === 200 ? li : maria;
    expect((await winner.desk()).mine.map((m) => m.conversationId)).toContain(conv);
    expect((await loser.act(conv, 'messages', { text: 'hi' })).status).toBe(403);
    expect((await winner.act(conv, 'end', { outcome: 'resolved' })).status).toBe(200);
  });

  it('people are told their place in line, and the wait others had once there is one', async () => {
    // A desk of its own, so the waits of the other stories do not count.
    const desk = await startStory({ AGENT_USERS: `maria:${AGENTS.maria}` });
    try {
      const agent = await signInAgent(desk.baseUrl, 'maria', AGENTS.maria);
      const { bot } = copy('en');
      const [first, second] = [conversation('line-1', 'en'), conversation('line-2', 'en')];
      await play(desk, first, 'en', [['talk to a person', [bot('handoff_started', ['cancel']), line('en', 'handoff_queue_no_estimate', ['cancel'], { position: 1 })]]]);
      await play(desk, second, 'en', [['talk to a person', [bot('handoff_started', ['cancel']), line('en', 'handoff_queue_no_estimate', ['cancel'], { position: 2 })]]]);
      desk.clock.advance(4 * 60_000);
      expect((await agent.act(first, 'take')).status).toBe(200);
      // Asking again while waiting: still in line, now first, and the recent wait is known.
      await play(desk, second, 'en', [['?', [line('en', 'handoff_waiting', ['cancel']), line('en', 'handoff_queue_estimate', ['cancel'], { position: 1, wait: 4 })]]]);
    } finally {
      await desk.close();
    }
  });
});
