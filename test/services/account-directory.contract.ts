// The behaviour every AccountDirectory shares, run against each implementation (the demo JSON directory,
// the HTTP adapter against the reference server), all loaded with data/demo-accounts.json.
import { generate } from 'otplib';
import { afterEach, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/clock.js';
import type { AccountDirectory } from '../../src/services/account-directory.js';
import type { SecurityEvent } from '../../src/services/http-directory.js';
import { demoCredentials } from '../helpers/directory-server.js';

export interface DirectoryUnderTest {
  directory: AccountDirectory;
  /** The time Clave and the directory both see (the HTTP directory reads its own, so they share one). */
  clock: ManualClock;
  /** What the directory's own security log holds for an account, oldest first, as the directory keeps it. */
  eventsOf(accountId: string): unknown[];
  close?(): Promise<void>;
}

/** Halfway through a 30-second TOTP step, so "one step back" and "one step ahead" are unambiguous. */
export const CONTRACT_START = Date.UTC(2026, 0, 1, 12, 0, 15);

const { passwords, ben } = demoCredentials;
const totpAt = (ms: number) => generate({ secret: ben.totpSecret, epoch: Math.floor(ms / 1000) });

export function describeDirectoryContract(name: string, make: () => Promise<DirectoryUnderTest>): void {
  describe(`${name} directory contract`, () => {
    let current: DirectoryUnderTest | null = null;
    const setup = async () => (current = await make());
    afterEach(async () => {
      await current?.close?.();
      current = null;
    });

    describe('finding accounts', () => {
      it('finds by primary or alternate email, whatever the case, and says null for strangers', async () => {
        const { directory } = await setup();
        expect((await directory.findByEmail('ana@example.com'))?.id).toBe('acct-ana');
        expect((await directory.findByEmail('  ANA@Example.COM '))?.id).toBe('acct-ana');
        expect((await directory.findByEmail('Dani.Backup@example.org'))?.id).toBe('acct-dani');
        expect(await directory.findByEmail('nobody@example.com')).toBeNull();
      });

      it('finds by E.164 phone and says null for unknown numbers', async () => {
        const { directory } = await setup();
        expect((await directory.findByPhone('+34600111222'))?.id).toBe('acct-carla');
        expect((await directory.findByPhone('+14155550101'))?.id).toBe('acct-ben');
        expect(await directory.findByPhone('+14155550199')).toBeNull();
      });

      it('reads by id, with exactly the fields recovery needs', async () => {
        const { directory } = await setup();
        expect(await directory.getById('acct-ben')).toEqual({
          id: 'acct-ben',
          name: 'Ben',
          email: 'ben@example.com',
          phone: '+14155550101',
          phoneVerified: true,
          locale: 'en',
          hasTotp: true,
          hasRecoveryCodes: true,
        });
        expect(await directory.getById('acct-dani')).toEqual({
          id: 'acct-dani',
          name: 'Dani',
          email: 'dani@example.com',
          altEmail: 'dani.backup@example.org',
          phoneVerified: false,
          locale: 'en',
          hasTotp: false,
          hasRecoveryCodes: false,
        });
        expect(await directory.getById('acct-nobody')).toBeNull();
      });
    });

    describe('authenticator codes', () => {
      it('accepts the current code once and refuses it again (replay)', async () => {
        const { directory, clock } = await setup();
        const code = await totpAt(clock.now());
        expect(await directory.verifyTotp('acct-ben', code, clock.now())).toBe(true);
        expect(await directory.verifyTotp('acct-ben', code, clock.now())).toBe(false);
      });

      it('lets exactly one of two conversations racing with the same code through', async () => {
        const { directory, clock } = await setup();
        const code = await totpAt(clock.now());
        const results = await Promise.all([
          directory.verifyTotp('acct-ben', code, clock.now()),
          directory.verifyTotp('acct-ben', code, clock.now()),
        ]);
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it('accepts one step back, but not two back or one ahead', async () => {
        const { directory, clock } = await setup();
        const now = clock.now();
        expect(await directory.verifyTotp('acct-ben', await totpAt(now - 60_000), now)).toBe(false);
        expect(await directory.verifyTotp('acct-ben', await totpAt(now + 30_000), now)).toBe(false);
        expect(await directory.verifyTotp('acct-ben', await totpAt(now - 30_000), now)).toBe(true);
      });

      it('refuses an older step once a newer one was used, and takes the next step later', async () => {
        const { directory, clock } = await setup();
        const now = clock.now();
        expect(await directory.verifyTotp('acct-ben', await totpAt(now), now)).toBe(true);
        expect(await directory.verifyTotp('acct-ben', await totpAt(now - 30_000), now)).toBe(false);
        clock.advance(30_000);
        expect(await directory.verifyTotp('acct-ben', await totpAt(clock.now()), clock.now())).toBe(true);
      });

      it('refuses wrong codes, accounts without an authenticator and unknown accounts', async () => {
        const { directory, clock } = await setup();
        const code = await totpAt(clock.now());
        const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
        expect(await directory.verifyTotp('acct-ben', wrong, clock.now())).toBe(false);
        expect(await directory.verifyTotp('acct-ben', 'abcdef', clock.now())).toBe(false);
        expect(await directory.verifyTotp('acct-ana', code, clock.now())).toBe(false);
        expect(await directory.verifyTotp('acct-nobody', code, clock.now())).toBe(false);
        // None of that used the step up.
        expect(await directory.verifyTotp('acct-ben', code, clock.now())).toBe(true);
      });
    });

    describe('recovery codes', () => {
      it('are single use, and compared without dashes, spaces or case', async () => {
        const { directory } = await setup();
        const [first, second] = ben.recoveryCodes;
        expect(await directory.consumeRecoveryCode('acct-ben', first!)).toBe(true);
        expect(await directory.consumeRecoveryCode('acct-ben', first!)).toBe(false);
        expect(await directory.consumeRecoveryCode('acct-ben', second!.toLowerCase().replace(/-/g, ' '))).toBe(true);
        expect(await directory.consumeRecoveryCode('acct-ben', second!)).toBe(false);
      });

      it('let exactly one of two racing uses of a code through', async () => {
        const { directory } = await setup();
        const code = ben.recoveryCodes[2]!;
        const results = await Promise.all([
          directory.consumeRecoveryCode('acct-ben', code),
          directory.consumeRecoveryCode('acct-ben', code),
        ]);
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it('refuses wrong codes, other accounts and unknown accounts', async () => {
        const { directory } = await setup();
        expect(await directory.consumeRecoveryCode('acct-ben', 'AAAA-BBBB-CCCC-DDDD')).toBe(false);
        expect(await directory.consumeRecoveryCode('acct-ana', ben.recoveryCodes[0]!)).toBe(false);
        expect(await directory.consumeRecoveryCode('acct-nobody', ben.recoveryCodes[0]!)).toBe(false);
        expect(await directory.consumeRecoveryCode('acct-ben', ben.recoveryCodes[0]!)).toBe(true);
      });

      it('are issued fresh after a use: 16 base32 symbols, each working once, only for their account', async () => {
        const { directory } = await setup();
        const used = ben.recoveryCodes[0]!;
        expect(await directory.consumeRecoveryCode('acct-ben', used)).toBe(true);
        const fresh = await Promise.all(Array.from({ length: 8 }, () => directory.issueRecoveryCode('acct-ben')));
        // 16 symbols of 32 = 80 bits; eight draws never repeat.
        for (const code of fresh) expect(code).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/);
        expect(new Set(fresh).size).toBe(fresh.length);
        expect(await directory.consumeRecoveryCode('acct-ben', used), 'the used one stays used').toBe(false);
        expect(await directory.consumeRecoveryCode('acct-ana', fresh[0]!)).toBe(false);
        expect(await directory.consumeRecoveryCode('acct-ben', fresh[0]!.toLowerCase())).toBe(true);
        expect(await directory.consumeRecoveryCode('acct-ben', fresh[0]!)).toBe(false);
        expect(await directory.consumeRecoveryCode('acct-ben', fresh[7]!)).toBe(true);
        await expect(directory.issueRecoveryCode('acct-nobody')).rejects.toThrow();
      });
    });

    describe('sign-in, password and sessions', () => {
      it('signs in by email (any case) or phone with the right password only', async () => {
        const { directory } = await setup();
        const byEmail = await directory.signIn('Ana@Example.com', passwords['acct-ana']!);
        expect(byEmail?.accountId).toBe('acct-ana');
        expect(await directory.isSessionValid(byEmail!.session)).toBe(true);
        expect((await directory.signIn('+34 600 111 222', passwords['acct-carla']!))?.accountId).toBe('acct-carla');
        expect(await directory.signIn('ana@example.com', passwords['acct-ben']!)).toBeNull();
        expect(await directory.signIn('nobody@example.com', passwords['acct-ana']!)).toBeNull();
      });

      it('every demo password signs its own account in', async () => {
        const { directory } = await setup();
        for (const [id, password] of Object.entries(passwords)) {
          const account = await directory.getById(id);
          const identifier = account?.email ?? account?.phone;
          expect((await directory.signIn(identifier!, password))?.accountId, id).toBe(id);
        }
      });

      it('a new password replaces the old one; revoking ends every earlier session', async () => {
        const { directory } = await setup();
        const one = await directory.signIn('ben@example.com', passwords['acct-ben']!);
        const two = await directory.signIn('+14155550101', passwords['acct-ben']!);
        const other = await directory.signIn('ana@example.com', passwords['acct-ana']!);

        await directory.setPassword('acct-ben', 'a brand new passphrase for Ben');
        expect(await directory.signIn('ben@example.com', passwords['acct-ben']!)).toBeNull();
        expect(await directory.revokeSessions('acct-ben')).toBe(2);
        expect(await directory.isSessionValid(one!.session)).toBe(false);
        expect(await directory.isSessionValid(two!.session)).toBe(false);
        expect(await directory.isSessionValid(other!.session)).toBe(true);

        const fresh = await directory.signIn('BEN@example.com', 'a brand new passphrase for Ben');
        expect(fresh?.accountId).toBe('acct-ben');
        expect(await directory.isSessionValid(fresh!.session)).toBe(true);
        expect(await directory.revokeSessions('acct-ben')).toBe(1);
        expect(await directory.revokeSessions('acct-ben')).toBe(0);
      });

      it('knows nothing of made-up sessions and refuses to set a password on an unknown account', async () => {
        const { directory } = await setup();
        expect(await directory.isSessionValid('not-a-session')).toBe(false);
        await expect(directory.setPassword('acct-nobody', 'whatever passphrase')).rejects.toThrow();
      });
    });

    describe('security events (README "The company\'s security log")', () => {
      it('takes an event for an account and keeps exactly its contract fields, in order; keeps nothing for a stranger', async () => {
        const { directory, eventsOf } = await setup();
        const first: SecurityEvent = {
          type: 'code_sent',
          at: '2026-01-01T12:00:15.000Z',
          outcome: 'sent',
          channel: 'email',
          reference: 'contract-conversation',
        };
        // The optional fields may be left out.
        const second: SecurityEvent = { type: 'reset_completed', at: '2026-01-01T12:03:00.000Z', outcome: 'ok' };
        expect(await directory.recordEvent!('acct-ana', first)).toBe(true);
        expect(await directory.recordEvent!('acct-ana', second)).toBe(true);
        // toEqual with the whole objects: nothing beside the contract fields is added or kept.
        expect(eventsOf('acct-ana')).toEqual([first, second]);
        expect(eventsOf('acct-ben')).toEqual([]);
        // A field outside the contract (here a code) never reaches the directory's log.
        const extra = { ...first, type: 'code_failed', code: '123456' } as SecurityEvent;
        expect(await directory.recordEvent!('acct-ben', extra)).toBe(true);
        expect(eventsOf('acct-ben')).toEqual([{ ...first, type: 'code_failed' }]);
        // The demo directory says taken and the HTTP one "not taken" (404): either way nothing is kept.
        await directory.recordEvent!('acct-nobody', first);
        expect(eventsOf('acct-nobody')).toEqual([]);
      });
    });

    describe('owner identification for agents (README "Demo accounts")', () => {
      it('offers both checks and compares card digits with postal code together, only for the account that has them', async () => {
        const { directory } = await setup();
        expect(await directory.ownerChecksOffered!()).toEqual({ paymentDetails: true, securityQuestion: true });
        const check = (id: string, cardLast4: string, postalCode: string) => directory.checkPaymentDetails!(id, { cardLast4, postalCode });
        expect(await check('acct-ana', '4242', '28013')).toBe(true);
        expect(await check('acct-ana', '4242', '28014')).toBe(false);
        expect(await check('acct-ana', '4243', '28013')).toBe(false);
        expect(await check('acct-ben', '4242', '28013')).toBe(false);
        expect(await check('acct-ben', '5454', '94107')).toBe(true);
        // No card on file, or no such account: never a match.
        expect(await check('acct-carla', '4242', '28013')).toBe(false);
        expect(await check('acct-nobody', '4242', '28013')).toBe(false);
      });

      it('names the catalog question of the account and compares normalised answers', async () => {
        const { directory } = await setup();
        expect(await directory.securityQuestionOf!('acct-ana')).toBe('first_pet');
        expect(await directory.securityQuestionOf!('acct-ben')).toBe('birth_city');
        expect(await directory.securityQuestionOf!('acct-carla')).toBeNull();
        expect(await directory.securityQuestionOf!('acct-nobody')).toBeNull();
        // Clave sends answers normalised (normaliseSecurityAnswer): "  LÚNA " arrives as "luna".
        expect(await directory.checkSecurityAnswer!('acct-ana', 'luna')).toBe(true);
        expect(await directory.checkSecurityAnswer!('acct-ana', 'lunar')).toBe(false);
        expect(await directory.checkSecurityAnswer!('acct-ben', 'luna')).toBe(false);
        expect(await directory.checkSecurityAnswer!('acct-carla', 'luna')).toBe(false);
        expect(await directory.checkSecurityAnswer!('acct-nobody', 'luna')).toBe(false);
      });
    });
  });
}
