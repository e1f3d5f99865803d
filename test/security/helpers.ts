// What the SECURITY.md tests share: the real app on the bot harness with a known key, temporary account
// directories, a log captured at debug level, every key of a Redis, the bot's replies read back as message
// keys, the real services rebuilt over the app's own store (to call them the way an attacker inside the
// process could), and the statistics the latency and randomness checks need. Nothing here replaces our code.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { generate } from 'otplib';
import { createClient } from 'redis';
import { catalogs } from '../../dialogs/catalog.js';
import type { Locale } from '../../machines/recovery.types.js';
import type { AppOverrides } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { ConversationStore } from '../../src/conversation/conversation-store.js';
import { stateName } from '../../src/conversation/engine.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { AuditLog } from '../../src/services/audit-log.js';
import { NotificationComposer } from '../../src/services/notification-composer.js';
import { hashPassword } from '../../src/services/passwords.js';
import { ResetService } from '../../src/services/reset-service.js';
import { Secrets } from '../../src/services/secrets.js';
import { VerificationService } from '../../src/services/verification-service.js';
import { startHarness, type Harness, type Reply } from '../helpers/bot-harness.js';

export type { Harness, Reply };

/** The server key every test app here runs with, so a test can rebuild the services over the same store. */
export const SECRET_KEY = 'security-tests-secret-key-0123456789-abcdefghij';
export const PUBLIC_BASE_URL = 'https://clave.test';

/** The real app (bot harness: manual clock, in-memory audit, expectReplies) with the known key. */
export function startApp(env: Record<string, string> = {}, overrides: AppOverrides = {}): Promise<Harness> {
  return startHarness({ SECRET_KEY, PUBLIC_BASE_URL, ...env }, overrides);
}

/** A pino logger at debug level writing into memory, as the app would write to stdout. */
export function capturedLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger('debug', sink), lines };
}

// --- Accounts ------------------------------------------------------------------------------------------

export interface TestAccount {
  id: string;
  name: string;
  email?: string;
  altEmail?: string;
  phone?: string;
  phoneVerified?: boolean;
  locale?: Locale;
  totpSecret?: string;
  recoveryCodeHashes?: string[];
}

export const TEST_PASSWORD = 'Granite-Window-Sparrow-58';
let passwordHash: Promise<string> | null = null;

/** Writes an ACCOUNTS_FILE for the demo directory; every account has TEST_PASSWORD (hashed once). */
export async function accountsFile(accounts: TestAccount[]): Promise<string> {
  passwordHash ??= hashPassword(TEST_PASSWORD);
  const hash = await passwordHash;
  const dir = mkdtempSync(join(tmpdir(), 'clave-security-accounts-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'accounts.json');
  writeFileSync(path, JSON.stringify({ accounts: accounts.map((a) => ({ ...a, passwordHash: hash })) }));
  return path;
}

// --- Reading the bot -----------------------------------------------------------------------------------

/** An activity as the person's client sees it, without what only names this conversation. */
export function visible(reply: Reply, conversationId: string): string {
  const { replyToId: _replyTo, ...rest } = reply;
  return JSON.stringify(rest).replaceAll(conversationId, '<conversation>');
}

const brand = loadConfig({ PORT: '0' }).brandName;

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Every catalog entry as a pattern: the brand filled in, any other placeholder (minutes, url, seconds…) matching anything. */
const patterns = Object.fromEntries(
  (['es', 'en'] as const).map((locale) => [
    locale,
    Object.entries(catalogs[locale])
      .map(([key, copy]) => {
        const filled = copy.replaceAll('{brand}', brand);
        const source = filled
          .split(/\{\w+\}/)
          .map(escape)
          .join('(.+?)');
        return { key, regex: new RegExp(`^${source}$`, 's'), literal: filled.replace(/\{\w+\}/g, '').length };
      })
      // The most specific copy first: "{agent}: {text}" must not claim every sentence with a colon.
      .sort((a, b) => b.literal - a.literal),
  ]),
) as Record<Locale, { key: string; regex: RegExp; literal: number }[]>;

/** The message key behind a text the bot sent (the most specific copy that fits), or `?<text>` when none does. */
export function keyOf(locale: Locale, text: string): string {
  return patterns[locale].find((p) => p.regex.test(text))?.key ?? `?${text}`;
}

/** The message keys of the bot's messages among the replies (typing left out). */
export function keysOf(locale: Locale, replies: Reply[]): string[] {
  return replies.filter((r) => r.type === 'message').map((r) => keyOf(locale, r.text ?? ''));
}

/** Where the conversation's chart stands now, read from the store as the engine would. */
export async function stateOf(h: Harness, conversationId: string): Promise<string> {
  const { record } = await new ConversationStore(h.app.store, 3600_000).load(conversationId);
  const snapshot = record?.snapshot as { value?: unknown; status?: string } | undefined;
  if (!snapshot) return 'none';
  return snapshot.status === 'done' ? `done:${stateName(snapshot.value)}` : stateName(snapshot.value);
}

/** The chart's context of a conversation as stored (the opaque subject, the flags). */
export async function contextOf(h: Harness, conversationId: string): Promise<{ subject: string; codeVerified: boolean; secondFactorVerified: boolean }> {
  const { record } = await new ConversationStore(h.app.store, 3600_000).load(conversationId);
  return (record?.snapshot as { context: { subject: string; codeVerified: boolean; secondFactorVerified: boolean } }).context;
}

/** The authenticator code for the 30-second step that holds `ms`. */
export const totpAt = (secret: string, ms: number): Promise<string> => generate({ secret, epoch: Math.floor(ms / 1000) });

/** Puts the manual clock just after the start of a 30-second step, so "this step" and "the one before" are exact. */
export function alignToStep(h: Harness, offsetMs = 2_000): void {
  h.clock.set(Math.ceil(h.clock.now() / 30_000) * 30_000 + 30_000 + offsetMs);
}

/** The reset link in a message the bot sent, on the public base URL. */
export const linkIn = (texts: string[]): string | null =>
  texts.map((t) => /https:\/\/\S+\/reset\/[\w-]+/.exec(t)?.[0]).find(Boolean) ?? null;

// --- The real services, rebuilt over the app's store ----------------------------------------------------

/**
 * A VerificationService and ResetService built exactly as the app builds them, over the app's own store,
 * directory, clock, audit trail and delivery queue: what the chart's actors call, callable directly.
 */
export function servicesOf(h: Harness, env: Record<string, string> = {}) {
  const config = loadConfig({ PORT: '0', SECRET_KEY, PUBLIC_BASE_URL, RESEND_COOLDOWN_SECONDS: '0', ...env });
  const secrets = new Secrets(SECRET_KEY);
  const audit = new AuditLog([h.audit], h.clock);
  const compose = new NotificationComposer(config.brandName, config.publicBaseUrl);
  const deps = { store: h.app.store, directory: h.app.directory, secrets, clock: h.clock, audit, delivery: h.app.delivery, compose };
  const verification = new VerificationService({ ...deps, policy: config.policy });
  const reset = new ResetService({
    ...deps,
    verification,
    publicBaseUrl: config.publicBaseUrl,
    linkTtlMs: config.policy.resetLinkTtlMs,
    onReset: async () => undefined,
  });
  return { verification, reset, secrets, policy: config.policy };
}

// --- Redis -----------------------------------------------------------------------------------------------

/** Every key of a Redis with its value (strings as stored, other types as JSON), as an operator's dump shows. */
export async function dumpRedis(url: string): Promise<Map<string, string>> {
  const client = createClient({ url });
  await client.connect();
  try {
    const out = new Map<string, string>();
    for (const key of await client.keys('*')) {
      const type = await client.type(key);
      if (type === 'string') out.set(key, (await client.get(key)) ?? '');
      else if (type === 'zset') out.set(key, JSON.stringify(await client.zRangeWithScores(key, 0, -1)));
      else if (type === 'hash') out.set(key, JSON.stringify(await client.hGetAll(key)));
      else if (type === 'list') out.set(key, JSON.stringify(await client.lRange(key, 0, -1)));
      else if (type === 'set') out.set(key, JSON.stringify(await client.sMembers(key)));
      else out.set(key, `<${type}>`);
    }
    return out;
  } finally {
    await client.quit();
  }
}

// --- Statistics ----------------------------------------------------------------------------------------

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Complementary error function (Numerical Recipes' Chebyshev fit, |error| < 1.2e-7). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + z / 2);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Two-sided Mann-Whitney U test (normal approximation with tie correction): U and the p-value. */
export function mannWhitney(a: number[], b: number[]): { u: number; z: number; p: number } {
  const all = [...a.map((v) => ({ v, g: 0 })), ...b.map((v) => ({ v, g: 1 }))].sort((x, y) => x.v - y.v);
  const ranks = new Array<number>(all.length);
  let tieTerm = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1]!.v === all[i]!.v) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[k] = rank;
    const ties = j - i + 1;
    tieTerm += ties ** 3 - ties;
    i = j + 1;
  }
  const n1 = a.length;
  const n2 = b.length;
  const rankSumA = all.reduce((sum, item, i) => (item.g === 0 ? sum + ranks[i]! : sum), 0);
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const n = n1 + n2;
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  const z = (u - (n1 * n2) / 2) / sigma;
  return { u, z, p: erfc(Math.abs(z) / Math.SQRT2) };
}

/** Upper tail of the chi-square distribution (Wilson-Hilferty), precise enough to test at p = 0.001. */
export function chiSquareP(statistic: number, degrees: number): number {
  const k = degrees;
  const z = (Math.cbrt(statistic / k) - (1 - 2 / (9 * k))) / Math.sqrt(2 / (9 * k));
  return erfc(z / Math.SQRT2) / 2;
}
