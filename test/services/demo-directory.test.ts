// The demo directory (data/demo-accounts.json) against the shared directory contract, and the checks
// loadDemoAccounts makes on the file.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { DemoDirectory, loadDemoAccounts, normaliseRecoveryCode } from '../../src/services/demo-directory.js';
import { verifyPassword } from '../../src/services/passwords.js';
import { MemoryStore } from '../../src/stores/kv-store.js';
import { demoAccountsFile, demoAccountsJson, demoCredentials } from '../helpers/directory-server.js';
import { CONTRACT_START, describeDirectoryContract } from './account-directory.contract.js';

describeDirectoryContract('demo (JSON file)', async () => {
  const clock = new ManualClock(CONTRACT_START);
  const directory = new DemoDirectory(loadDemoAccounts(demoAccountsFile), new MemoryStore(clock));
  return { directory, clock, eventsOf: (accountId) => directory.eventsOf(accountId) };
});

describe('the demo accounts file', () => {
  it('holds the hashes of the passwords and recovery codes the README lists', async () => {
    const accounts = loadDemoAccounts(demoAccountsFile);
    for (const account of accounts) {
      const password = demoCredentials.passwords[account.id];
      expect(password, account.id).toBeDefined();
      expect(await verifyPassword(password!, account.passwordHash), account.id).toBe(true);
    }
    const ben = accounts.find((a) => a.id === 'acct-ben')!;
    expect(ben.totpSecret).toBe(demoCredentials.ben.totpSecret);
    const hashes = demoCredentials.ben.recoveryCodes.map((c) =>
      createHash('sha256').update(normaliseRecoveryCode(c)).digest('hex'),
    );
    expect(ben.recoveryCodeHashes).toEqual(hashes);
  });
});

describe('loadDemoAccounts refuses a malformed file, naming the field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clave-demo-accounts-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const write = (content: string) => {
    const path = join(dir, `accounts-${n++}.json`);
    writeFileSync(path, content);
    return path;
  };
  /** The real file with one account changed. */
  const withAccount = (index: number, change: (account: Record<string, unknown>) => void) => {
    const file = demoAccountsJson();
    change(file.accounts[index]!);
    return write(JSON.stringify(file));
  };

  it.each([
    ['a missing password hash', 0, (a: Record<string, unknown>) => delete a.passwordHash, /accounts\.0\.passwordHash/],
    ['a phone that is not E.164', 1, (a: Record<string, unknown>) => (a.phone = '415-555-0101'), /accounts\.1\.phone: must be an E\.164/],
    ['a TOTP secret that is not base32', 1, (a: Record<string, unknown>) => (a.totpSecret = 'not base32!'), /accounts\.1\.totpSecret: must be base32/],
    ['a recovery code hash that is not SHA-256', 1, (a: Record<string, unknown>) => (a.recoveryCodeHashes = ['7HQK-2M9D']), /accounts\.1\.recoveryCodeHashes\.0: must be SHA-256 hex/],
    ['phoneVerified of the wrong type', 2, (a: Record<string, unknown>) => (a.phoneVerified = 'yes'), /accounts\.2\.phoneVerified/],
    ['an unknown locale', 3, (a: Record<string, unknown>) => (a.locale = 'fr'), /accounts\.3\.locale/],
    ['an account with neither email nor phone', 0, (a: Record<string, unknown>) => delete a.email, /accounts\.0: an account needs an email or a phone/],
  ])('%s', (_label, index, change, message) => {
    const path = withAccount(index, change);
    expect(() => loadDemoAccounts(path)).toThrow(message);
    expect(() => loadDemoAccounts(path)).toThrow(new RegExp(`^ACCOUNTS_FILE ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
  });

  it('an empty account list', () => {
    expect(() => loadDemoAccounts(write('{"accounts": []}'))).toThrow(/: accounts: /);
  });

  it('a file that is not JSON, or not there', () => {
    expect(() => loadDemoAccounts(write('{"accounts": ['))).toThrow(/ACCOUNTS_FILE .*cannot read JSON/);
    expect(() => loadDemoAccounts(join(dir, 'missing.json'))).toThrow(/ACCOUNTS_FILE .*cannot read JSON/);
  });
});
