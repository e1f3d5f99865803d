// SECURITY.md 9 (SHOULD): growing delays between tries instead of only a hard wall. After the n-th failure on
// an account, the next try is checked only once ATTEMPT_DELAYS_SECONDS[n-1] has passed (default 0,0,0,30,60,
// 120,240,480,900: a typo costs nothing, then 30 s doubling to 15 minutes; the last value repeats). A try
// during the wait is not checked, not counted, and is answered with the seconds left. With a fake clock: the
// sequence the service enforces is the configured one (the default and a custom one), the chart tells the
// person to wait for codes and for the second factor, and an attacker who waits out every delay is still
// locked at exactly the tenth counted failure.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { text } from '../../dialogs/catalog.js';
import { ConfigError, DEFAULT_ATTEMPT_DELAYS_SECONDS, loadConfig } from '../../src/config.js';
import { delayAfterFailures } from '../../src/services/verification-service.js';
import { ANA, BEN, CARLA, DANI } from '../transcripts/story.js';
import { alignToStep, contextOf, keysOf, servicesOf, startApp, totpAt, type Harness } from './helpers.js';

const ENV = { SENDS_PER_15_MINUTES: '10', SENDS_PER_DAY: '50' };
const LIMIT = loadConfig({}).policy.accountFailuresPerWindow;

let h: Harness;
beforeAll(async () => {
  // Resends keep a fresh code while the delays run for many minutes; the failure limit stays the default.
  h = await startApp(ENV);
});
afterAll(() => h.close());

async function waitingForCode(conv: string, identifier: string, channel: string, destination: string): Promise<string> {
  await h.say(conv, 'I forgot my password');
  await h.say(conv, identifier);
  await h.press(conv, channel);
  const [code] = await h.codesFor(destination);
  return code!;
}

describe('growing delays between tries (SECURITY.md 9)', () => {
  it('are configured as 0,0,0,30,60,120,240,480,900 seconds by default, and can be changed within bounds', () => {
    expect(DEFAULT_ATTEMPT_DELAYS_SECONDS).toEqual([0, 0, 0, 30, 60, 120, 240, 480, 900]);
    expect(loadConfig({}).policy.attemptDelaysMs).toEqual([0, 0, 0, 30, 60, 120, 240, 480, 900].map((s) => s * 1000));
    expect(loadConfig({ ATTEMPT_DELAYS_SECONDS: '5, 10' }).policy.attemptDelaysMs).toEqual([5_000, 10_000]);
    expect(loadConfig({ ATTEMPT_DELAYS_SECONDS: '0' }).policy.attemptDelaysMs).toEqual([0]);
    for (const bad of ['soon', '30,,60', '-5', '4000']) {
      expect(() => loadConfig({ ATTEMPT_DELAYS_SECONDS: bad }), bad).toThrow(ConfigError);
      expect(() => loadConfig({ ATTEMPT_DELAYS_SECONDS: bad }), bad).toThrow(/ATTEMPT_DELAYS_SECONDS/);
    }
    // The schedule itself: the n-th failure's delay, the last one repeating, nothing before a failure.
    const ms = loadConfig({}).policy.attemptDelaysMs;
    expect(Array.from({ length: 12 }, (_, i) => delayAfterFailures(ms, i) / 1000)).toEqual([0, 0, 0, 0, 30, 60, 120, 240, 480, 900, 900, 900]);
  });

  it('follow the configured sequence, measured on the service with a fake clock; a try during a wait is not checked', async () => {
    const { verification } = servicesOf(h, ENV);
    const conv = 'delays-sequence';
    let code = await waitingForCode(conv, DANI.email, 'channel_email', DANI.email);
    const { subject } = await contextOf(h, conv);
    const observed: number[] = [];
    for (let failure = 1; failure < LIMIT; failure++) {
      // A fresh code each round (a resend): the delays follow the account, not the code.
      await verification.sendCode({ conversationId: conv, subject, channel: 'email', locale: 'en' });
      [code] = (await h.codesFor(DANI.email)) as [string];
      expect((await verification.verifyCode({ conversationId: conv, subject, code: code === '000000' ? '111111' : '000000' })).outcome).toBe('wrong');
      const wait = await verification.secondsToWait(subject);
      observed.push(wait);
      if (wait === 0) continue;
      // During the wait even the right code is not checked; one second before the end it still waits.
      expect(await verification.verifyCode({ conversationId: conv, subject, code })).toEqual({ outcome: 'wait', secondFactors: [], waitSeconds: wait });
      h.clock.advance((wait - 1) * 1000);
      expect(await verification.verifyCode({ conversationId: conv, subject, code })).toMatchObject({ outcome: 'wait', waitSeconds: 1 });
      h.clock.advance(1000);
    }
    console.log(`SECURITY 9 delays after failures 1..${LIMIT - 1} (seconds): ${observed.join(', ')}`);
    expect(observed).toEqual([...DEFAULT_ATTEMPT_DELAYS_SECONDS]);
    // The waits did not use up the code's tries: once the last wait is over, the right code works.
    await verification.sendCode({ conversationId: conv, subject, channel: 'email', locale: 'en' });
    [code] = (await h.codesFor(DANI.email)) as [string];
    expect((await verification.verifyCode({ conversationId: conv, subject, code })).outcome).toBe('verified');
    expect(h.audit.entries().filter((e) => e.conversationId === conv && e.event === 'code_failed')).toHaveLength(LIMIT - 1);
  });

  it('follow a custom sequence too, the last value repeating (ATTEMPT_DELAYS_SECONDS=5,10)', async () => {
    const { verification } = servicesOf(h, { ...ENV, ATTEMPT_DELAYS_SECONDS: '5,10' });
    const conv = 'delays-custom';
    await waitingForCode(conv, CARLA.phone, 'channel_sms', CARLA.phone);
    const { subject } = await contextOf(h, conv);
    const observed: number[] = [];
    for (let failure = 1; failure <= 4; failure++) {
      await verification.verifyCode({ conversationId: conv, subject, code: '000000' });
      observed.push(await verification.secondsToWait(subject));
      h.clock.advance(observed.at(-1)! * 1000);
    }
    console.log(`SECURITY 9 custom delays after failures 1..4 (seconds): ${observed.join(', ')}`);
    expect(observed).toEqual([5, 10, 10, 10]);
  });

  it('are told to the person for codes: "wait N seconds", the right code unchecked until then', async () => {
    const conv = 'delays-chat-code';
    const code = await waitingForCode(conv, ANA.email, 'channel_email', ANA.email);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 4; i++) expect(keysOf('en', await h.send(conv, { text: wrong, locale: 'en-US' })), `try ${i + 1}`).toEqual(['code_wrong', 'ask_code']);
    const replies = await h.send(conv, { text: code, locale: 'en-US' });
    expect(keysOf('en', replies)).toEqual(['code_wait', 'ask_code']);
    expect(replies.find((r) => r.type === 'message')?.text).toBe(text('en', 'code_wait', { seconds: 30 }));
    h.clock.advance(12_000);
    const spanish = await h.send(conv, { text: code, locale: 'es-ES' });
    expect(spanish.find((r) => r.type === 'message')?.text, 'the seconds left, in the conversation language').toBe(text('en', 'code_wait', { seconds: 18 }));
    h.clock.advance(18_000);
    expect(keysOf('en', await h.send(conv, { text: code, locale: 'en-US' }))).toEqual(['code_verified', 'reset_link']);
  });

  it('are told to the person for the second factor too', async () => {
    alignToStep(h);
    const conv = 'delays-chat-2fa';
    const code = await waitingForCode(conv, BEN.email, 'channel_email', BEN.email);
    expect(keysOf('en', await h.send(conv, { text: code, locale: 'en-US' }))).toEqual(['code_verified', 'ask_second_factor']);
    for (let i = 0; i < 4; i++) {
      expect(keysOf('en', await h.send(conv, { text: '000000', locale: 'en-US' })), `try ${i + 1}`).toEqual(['second_factor_wrong', 'ask_second_factor']);
    }
    const replies = await h.send(conv, { text: await totpAt(BEN.totpSecret, h.clock.now()), locale: 'en-US' });
    expect(keysOf('en', replies)).toEqual(['code_wait', 'ask_second_factor']);
    expect(replies.find((r) => r.type === 'message')?.text).toBe(text('en', 'code_wait', { seconds: 30 }));
    h.clock.advance(30_000);
    expect(keysOf('en', await h.send(conv, { text: await totpAt(BEN.totpSecret, h.clock.now()), locale: 'en-US' }))).toEqual(['reset_link']);
  });
});

describe('growing delays and the hard limit', () => {
  let attacked: Harness;
  beforeAll(async () => {
    attacked = await startApp(ENV);
  });
  afterAll(() => attacked.close());

  it('still lock at exactly the tenth counted failure when an attacker waits out every delay', async () => {
    const conv = 'delays-attacker';
    const say = (activity: Parameters<Harness['send']>[1]) => attacked.send(conv, { ...activity, locale: 'en-US' });
    await say({ text: 'I forgot my password' });
    await say({ text: DANI.email });
    await say({ value: { choice: 'channel_email' } });
    const seen: string[] = [];
    let waited = 0;
    for (let i = 0; i < 60 && !seen.includes('locked_out'); i++) {
      const replies = await say({ text: String(200_000 + i) });
      const [key] = keysOf('en', replies);
      seen.push(key!);
      if (key === 'code_wait') {
        const seconds = Number(/(\d+)/.exec(replies.find((r) => r.type === 'message')!.text!)![1]);
        attacked.clock.advance(seconds * 1000);
        waited += seconds;
      } else if (key === 'code_expired' || key === 'code_exhausted') {
        await say({ value: { choice: 'resend' } });
      }
    }
    const events = attacked.audit.entries().filter((e) => e.accountId === 'acct-dani');
    const counted = events.filter((e) => e.event === 'code_failed');
    console.log(`SECURITY 9 attacker waiting out the delays: ${seen.length} tries, ${waited} s waited, ${counted.length} counted failures, then ${seen.at(-1)}`);
    expect(seen.at(-1)).toBe('locked_out');
    expect(counted).toHaveLength(LIMIT);
    expect(events.filter((e) => e.event === 'locked')).toHaveLength(1);
    expect(waited).toBe(DEFAULT_ATTEMPT_DELAYS_SECONDS.reduce((a: number, b) => a + b, 0));
  });
});
