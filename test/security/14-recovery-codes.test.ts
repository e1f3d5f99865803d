// SECURITY.md 14: recovery codes carry at least 64 random bits, are stored hashed, work once, and count toward
// the failure limit. Through the bot: Ben's recovery code gets him a reset link once; the same code in another
// conversation is refused and counted as a failure, and once the account has nine other failures, that reused
// code is the tenth and locks recovery. The directory and the store hold only hashes of the codes, and the shape
// the bot accepts as a recovery code (16 symbols) cannot carry less than 64 bits from any alphabet of 16+ symbols.
// A recovery that used a code ends with a fresh one (80 random bits), shown once on the reset page after the new
// password is set and nowhere else (chat, logs, audit, outbox, store); it works once, the used one never again.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultAccountsFile } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { InputParser } from '../../src/conversation/input-parser.js';
import { loadDefaultOfflineClassifier } from '../../src/nlu/offline-classifier.js';
import { normaliseRecoveryCode } from '../../src/services/demo-directory.js';
import { ManualClock } from '../../src/clock.js';
import { startDirectoryServer } from '../helpers/directory-server.js';
import { BEN, submitNewPassword } from '../transcripts/story.js';
import { capturedLogger, keysOf, linkIn, startApp, type Harness } from './helpers.js';

const LIMIT = loadConfig({}).policy.accountFailuresPerWindow;

let h: Harness;
beforeAll(async () => {
  // Four of Ben's conversations get an email code; the growing delays (item 9) are off so ten failures come
  // back to back. The failure limit is the default.
  h = await startApp({ SENDS_PER_15_MINUTES: '10', ATTEMPT_DELAYS_SECONDS: '0' });
});
afterAll(() => h.close());

async function open(conv: string): Promise<string> {
  await h.say(conv, 'I forgot my password');
  await h.say(conv, BEN.email);
  await h.press(conv, 'channel_email');
  return (await h.codesFor(BEN.email))[0]!;
}
async function atSecondFactor(conv: string): Promise<void> {
  const code = await open(conv);
  expect(keysOf('en', await h.send(conv, { text: code, locale: 'en-US' }))).toEqual(['code_verified', 'ask_second_factor']);
}
const say = async (conv: string, text: string) => keysOf('en', await h.send(conv, { text, locale: 'en-US' }));
const failures = () => h.audit.entries().filter((e) => e.accountId === 'acct-ben' && (e.event === 'code_failed' || e.event === 'second_factor_failed'));

describe('recovery codes (SECURITY.md 14)', () => {
  it('work once: the same code fails the second time, and that failure counts toward the lockout', async () => {
    const [code] = BEN.recoveryCodes;
    await atSecondFactor('recovery-first');
    const first = await h.send('recovery-first', { text: code, locale: 'en-US' });
    expect(linkIn(first.map((r) => r.text ?? '')), 'the first use gets a reset link').not.toBeNull();

    await atSecondFactor('recovery-again');
    // Typed differently (lower case, spaces): still the same code, still used up.
    const second = await say('recovery-again', code.toLowerCase().replaceAll('-', ' '));
    expect(second).toEqual(['second_factor_wrong', 'ask_second_factor']);
    const refused = failures().at(-1)!;
    expect(refused).toMatchObject({ event: 'second_factor_failed', channel: 'recovery', conversationId: 'recovery-again' });

    // Eight more failures with wrong email codes, from two other conversations: nine in all.
    for (const conv of ['recovery-noise-1', 'recovery-noise-2']) {
      await open(conv);
      for (let i = 0; i < 4; i++) await say(conv, '000000');
    }
    expect(failures()).toHaveLength(LIMIT - 1);
    // The used code again is the tenth failure: recovery is locked.
    const tenth = await say('recovery-again', code);
    console.log(`SECURITY 14 recovery code: first use → link; second use → ${second[0]}; as the ${LIMIT}th failure → ${tenth.join()}`);
    expect(tenth).toEqual(['locked_out']);
    expect(failures()).toHaveLength(LIMIT);
    expect(h.audit.entries().filter((e) => e.accountId === 'acct-ben' && e.event === 'locked')).toHaveLength(1);
    expect(h.audit.entries().filter((e) => e.event === 'second_factor_verified')).toHaveLength(1);
  });

  it('are stored only as hashes: in the directory and in the record of used codes', async () => {
    const file = readFileSync(defaultAccountsFile, 'utf8');
    for (const code of BEN.recoveryCodes) {
      expect(file).not.toContain(code);
      expect(file).not.toContain(normaliseRecoveryCode(code));
      expect(file).toContain(createHash('sha256').update(normaliseRecoveryCode(code)).digest('hex'));
    }
    const used = (h.app.store as unknown as { keys(): string[] }).keys().filter((k) => k.startsWith('dir:recovery-used:'));
    expect(used).toHaveLength(1);
    expect(used[0]).toMatch(/:[0-9a-f]{64}$/);
    expect(used[0]).not.toContain(normaliseRecoveryCode(BEN.recoveryCodes[0]));
  });

  it('are recognised only in a shape that holds at least 64 bits', async () => {
    const parser = new InputParser(await loadDefaultOfflineClassifier(), { defaultPhoneRegion: 'US', threshold: 0.5 });
    const kind = async (text: string) => (await parser.parse({ text }, 'second_factor')).event.type;
    expect(await kind('7HQK-2M9D-XW4P-LC3R')).toBe('RECOVERY_CODE');
    expect(await kind('7hqk 2m9d xw4p lc3r')).toBe('RECOVERY_CODE');
    // Shorter shapes are not taken as recovery codes at all.
    expect(await kind('7HQK-2M9D-XW4P')).not.toBe('RECOVERY_CODE');
    expect(await kind('7HQK2M9DXW4PLC3')).not.toBe('RECOVERY_CODE');
    // 16 symbols carry 64 bits from a 16-symbol alphabet, 80 from base32. The demo codes (issued by the
    // directory, not by Clave) use more than 16 distinct symbols, so a uniform draw gives them over 64 bits.
    const symbols = new Set(BEN.recoveryCodes.join('').replaceAll('-', ''));
    console.log(`SECURITY 14 recovery code shape: 16 symbols = ${16 * Math.log2(16)} bits (hex) to ${16 * Math.log2(32)} bits (base32); demo codes use ${symbols.size} distinct symbols`);
    expect(16 * Math.log2(16)).toBeGreaterThanOrEqual(64);
    expect(symbols.size).toBeGreaterThan(16);
  });

  it('a recovery that used one gets a fresh code, shown once on the reset page and nowhere else; it works once', async () => {
    const { logger, lines } = capturedLogger();
    const fresh = await startApp({ SENDS_PER_15_MINUTES: '10', ATTEMPT_DELAYS_SECONDS: '0' }, { logger });
    try {
      const [, used] = BEN.recoveryCodes;
      const atSecond = async (conv: string) => {
        await fresh.say(conv, 'I forgot my password');
        await fresh.say(conv, BEN.email);
        await fresh.press(conv, 'channel_email');
        const [code] = await fresh.codesFor(BEN.email);
        expect(keysOf('en', await fresh.send(conv, { text: code!, locale: 'en-US' }))).toEqual(['code_verified', 'ask_second_factor']);
      };
      const freshCodeIn = (html: string) => /<code id="recovery-code"[^>]*>([A-Z2-7-]+)<\/code>/.exec(html)?.[1] ?? null;

      await atSecond('reissue-1');
      const link = linkIn((await fresh.send('reissue-1', { text: used, locale: 'en-US' })).map((r) => r.text ?? ''))!;
      const page = await submitNewPassword(fresh, link, 'quiet harbour lamps at dawn');
      expect(page.status).toBe(200);
      const code = freshCodeIn(page.html);
      console.log(`SECURITY 14 fresh recovery code after a recovery with one: ${code?.replace(/[A-Z2-7]/g, 'X')} on the reset page`);
      expect(code, 'the page shows a fresh code').toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/);
      expect(page.html).toContain('Save your new recovery code');
      expect(page.headers.get('cache-control')).toBe('no-store');
      expect(page.headers.get('referrer-policy')).toBe('no-referrer');
      expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
      // Once: the link is used up, so opening it again shows the expired page and no code.
      const reopened = await fetch(fresh.local(link));
      expect(reopened.status).toBe(410);
      expect(freshCodeIn(await reopened.text())).toBeNull();
      expect(fresh.audit.entries().filter((e) => e.event === 'recovery_code_reissued')).toMatchObject([
        { conversationId: 'reissue-1', accountId: 'acct-ben', channel: 'reset_page', outcome: 'ok' },
      ]);

      // The fresh code works once in a later recovery (which, having used it, gets another); the used one never.
      await atSecond('reissue-2');
      expect(await saySecond(fresh, 'reissue-2', used)).toEqual(['second_factor_wrong', 'ask_second_factor']);
      const second = await fresh.send('reissue-2', { text: code!.toLowerCase(), locale: 'en-US' });
      const again = linkIn(second.map((r) => r.text ?? ''));
      expect(again, 'the fresh code gets a reset link').not.toBeNull();
      const next = freshCodeIn((await submitNewPassword(fresh, again!, 'silver kettle on the hill')).html);
      expect(next).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/);
      expect(next).not.toBe(code);
      await atSecond('reissue-3');
      expect(await saySecond(fresh, 'reissue-3', code!), 'the fresh code works once').toEqual(['second_factor_wrong', 'ask_second_factor']);

      // Nowhere else: not in the chat (replies or proactive messages), logs, audit, outbox or the store.
      await fresh.app.delivery.drain();
      const store = fresh.app.store as unknown as { keys(): string[]; get(key: string): Promise<string | null> };
      const stored = await Promise.all(store.keys().map(async (k) => `${k}=${await store.get(k)}`));
      const everywhere = [
        ...lines,
        ...fresh.audit.lines,
        ...[...fresh.proactive.values()].flat().map((r) => JSON.stringify(r)),
        ...(fresh.app.outbox?.list() ?? []).map((m) => JSON.stringify(m)),
        ...stored,
      ].join('\n');
      for (const secret of [code!, next!]) {
        expect(everywhere).not.toContain(secret);
        expect(everywhere).not.toContain(normaliseRecoveryCode(secret));
      }
    } finally {
      await fresh.close();
    }
  });
});


describe('fresh recovery codes from a company directory over HTTP (SECURITY.md 14)', () => {
  it('come from POST /accounts/{id}/recovery-codes; a directory that cannot issue one leaves the reset done and says so', async () => {
    const clock = new ManualClock();
    const directory = await startDirectoryServer({ clock });
    const app = await startApp({ SENDS_PER_15_MINUTES: '10', DIRECTORY_URL: directory.url, DIRECTORY_TOKEN: directory.token }, { clock });
    try {
      const recover = async (conv: string, recoveryCode: string, password: string) => {
        await app.say(conv, 'I forgot my password');
        await app.say(conv, BEN.email);
        await app.press(conv, 'channel_email');
        await app.say(conv, (await app.codesFor(BEN.email))[0]!);
        const link = linkIn(await app.say(conv, recoveryCode));
        expect(link, `${conv}: a reset link`).not.toBeNull();
        return submitNewPassword(app, link!, password);
      };
      const ok = await recover('http-reissue-ok', BEN.recoveryCodes[0], 'copper lantern by the tide');
      const issued = /<code id="recovery-code"[^>]*>([A-Z2-7-]+)<\/code>/.exec(ok.html)?.[1];
      expect(issued).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/);
      expect(directory.requests.filter((r) => r.target === '/accounts/acct-ben/recovery-codes')).toHaveLength(1);
      expect(directory.recoveryCodesLeft('acct-ben')).toBe(3);

      // The directory fails to issue the next one: the password is changed all the same, and the page says the
      // used code is gone and where to make new ones.
      directory.intercept((_req, res, route) => {
        if (!route.endsWith('/recovery-codes')) return false;
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'unavailable' }));
        return true;
      });
      clock.advance(60_000);
      const failed = await recover('http-reissue-down', issued!, 'granite swallow over the bay');
      console.log(`SECURITY 14 over HTTP: fresh code issued (${directory.recoveryCodesLeft('acct-ben')} left); directory down → page ${failed.status}, no code`);
      expect(failed.status).toBe(200);
      expect(failed.html).not.toContain('id="recovery-code"');
      expect(failed.html).toContain('we could not make a new one just now');
      expect(app.audit.entries().filter((e) => e.event === 'recovery_code_reissued').map((e) => e.outcome)).toEqual(['ok', 'failed']);
      expect((await app.app.directory.signIn(BEN.email, 'granite swallow over the bay'))?.accountId).toBe('acct-ben');
    } finally {
      await app.close();
      await directory.close();
    }
  });
});

const saySecond = async (app: Harness, conv: string, text: string) => keysOf('en', await app.send(conv, { text, locale: 'en-US' }));
