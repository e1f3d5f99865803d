// SECURITY.md 20: after a reset every other session ends (the directory's revokeSessions), every contact address
// on the account is told — email and SMS — with a "this wasn't me" path and no secret, and the chat is told; there
// is no automatic sign-in. Ben (email, verified phone, authenticator) and Dani (email and alternate email) reset
// their passwords through the bot and the page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BEN, DANI, existingSession, line, proactiveLines, sessionStatus, signIn } from '../transcripts/story.js';
import { PUBLIC_BASE_URL, alignToStep, linkIn, startApp, totpAt, type Harness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startApp();
});
afterAll(() => h.close());

interface Reset {
  conv: string;
  secrets: string[];
  /** The page's answer to the accepted password, as the browser got it. */
  done: Response;
  doneHtml: string;
}

/** The whole journey for `email` (with the authenticator when there is one); returns what it handled. */
let n = 0;
async function reset(email: string, password: string, totpSecret?: string): Promise<Reset> {
  const conv = `after-reset-${++n}`;
  await h.say(conv, 'I forgot my password');
  await h.say(conv, email);
  await h.press(conv, 'channel_email');
  const [code] = await h.codesFor(email);
  const secrets = [code!, password];
  let texts = await h.say(conv, code!);
  if (totpSecret) {
    alignToStep(h);
    const totp = await totpAt(totpSecret, h.clock.now());
    secrets.push(totp);
    texts = await h.say(conv, totp);
  }
  const url = linkIn(texts)!;
  secrets.push(url.split('/').at(-1)!);
  // The form as a browser fills it: its CSRF field and cookie, then the new password.
  const form = await fetch(h.local(url));
  const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())![1]!;
  const done = await fetch(h.local(url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: form.headers.getSetCookie()[0]!.split(';')[0]! },
    body: new URLSearchParams({ password, csrf }).toString(),
  });
  expect(done.status).toBe(200);
  await h.app.delivery.drain();
  return { conv, secrets, done, doneHtml: await done.text() };
}

const noticesTo = (to: string) => h.app.outbox!.list().filter((m) => m.to === to && m.purpose === 'reset_notice');

describe('after a reset (SECURITY.md 20)', () => {
  it('ends the other sessions, tells the email and the phone with a way to say "not me", and tells the chat', async () => {
    const tv = await existingSession(h, BEN.email, BEN.password);
    const phone = await existingSession(h, BEN.phone, BEN.password);
    const newPassword = 'seven quiet lanterns over the northern bay';
    const { conv, secrets } = await reset(BEN.email, newPassword, BEN.totpSecret);

    expect(await sessionStatus(h, tv), 'the session from before is over').toBe(401);
    expect(await sessionStatus(h, phone), 'every session from before is over').toBe(401);
    expect((await signIn(h, BEN.email, BEN.password)).status, 'the old password is dead').toBe(401);

    const email = noticesTo(BEN.email);
    const sms = noticesTo(BEN.phone);
    console.log(`SECURITY 20 Ben's reset notices: ${email.length} email, ${sms.length} SMS; chat told: ${proactiveLines(h, conv).map((l) => l.text.slice(0, 40)).join()}`);
    expect(email.map((m) => m.channel)).toEqual(['email']);
    expect(sms.map((m) => m.channel)).toEqual(['sms']);
    for (const message of [...email, ...sms]) {
      expect(message.text, 'a "this wasn\'t me" path').toContain(`${PUBLIC_BASE_URL}/not-me`);
      const whole = `${message.subject ?? ''}\n${message.text}`;
      for (const secret of [...secrets, BEN.password]) expect(whole).not.toContain(secret);
      expect(whole).not.toMatch(/\/reset\//);
    }
    expect((await fetch(`${h.baseUrl}/not-me`)).status, 'the "not me" page exists').toBe(200);

    // The chat is told, with the sentence that says to sign in again.
    expect(proactiveLines(h, conv)).toEqual([line('en', 'reset_done')]);
  });

  it('tells both email addresses of an account that has two', async () => {
    const newPassword = 'copper gulls nesting on the lighthouse roof';
    const { secrets } = await reset(DANI.email, newPassword);
    for (const to of [DANI.email, DANI.altEmail]) {
      const notices = noticesTo(to);
      expect(notices, to).toHaveLength(1);
      for (const secret of secrets) expect(notices[0]!.text).not.toContain(secret);
    }
  });

  it('signs nobody in: the page sets no cookie, the chat carries no link, and no session exists until a sign-in', async () => {
    const newPassword = 'patient otters mending nets at dawn';
    const { conv, done, doneHtml } = await reset(DANI.email, newPassword);
    expect(done.headers.getSetCookie(), 'no cookie on the success page').toEqual([]);
    expect(doneHtml).not.toMatch(/href="[^"]*(sign-?in|session|login)/i);
    const told = JSON.stringify(h.proactive.get(conv));
    expect(told).not.toMatch(/https?:\/\/[^"\s]*\/(reset|session|sign)/);
    // The demo directory keeps the account's sessions in the store: none after the reset, one after signing in.
    expect(await h.app.store.get('dir:sessions:{acct-dani}')).toBeNull();
    expect((await signIn(h, DANI.email, newPassword)).status).toBe(200);
    expect(JSON.parse((await h.app.store.get('dir:sessions:{acct-dani}'))!)).toHaveLength(1);
  });
});
