// What every transcript test shares: the bot on a harness, the copy by message key (never inline), the demo
// accounts, and `play`, which walks a list of [user says, bot replies] pairs the way the Bot Framework
// samples' transcript tests do. Each story file starts its own harness and uses its own conversation ids.
import { generate } from 'otplib';
import { expect } from 'vitest';
import { text } from '../../dialogs/catalog.js';
import type { Choice, Locale } from '../../machines/recovery.types.js';
import { loadConfig } from '../../src/config.js';
import { startHarness, type Harness, type Reply } from '../helpers/bot-harness.js';

export type { Harness, Reply };

/** Every story runs in both languages, with the same steps. */
export const LOCALES: readonly Locale[] = ['es', 'en'];

/** What the channel says about the person's language (Web Chat sends the browser's on every activity). */
export const CHANNEL_LOCALE: Record<Locale, string> = { es: 'es-ES', en: 'en-US' };

/** Ways people open the conversation; stories pick different ones so the classifier sees variety. */
export const OPENERS: Record<Locale, readonly [string, string, string, string]> = {
  es: ['olvidé mi clave', 'cómo recuperar clave netflix', 'no puedo entrar a mi cuenta', 'cómo recupero la clave de netflix'],
  en: ['I forgot my password', 'forgot pw', "can't log in to my account", 'how do i recover my netflix password'],
};

/** The interrupts, as a person would type them. */
export const SAYS = {
  greet: { es: 'hola', en: 'hi' },
  cancel: { es: 'cancelar', en: 'cancel' },
  agent: { es: 'hablar con una persona', en: 'talk to a person' },
} as const satisfies Record<string, Record<Locale, string>>;

// The demo directory (data/demo-accounts.json; passwords and codes from the README's table).
export const ANA = { email: 'ana@example.com', password: 'Lighthouse-Paper-41' } as const;
export const BEN = {
  email: 'ben@example.com',
  phone: '+14155550101',
  password: 'Blue-Harbor-Kettle-7',
  totpSecret: 'CNJW5PUQ3ARXF37NFCAO23RDL3LZ7TIO',
  recoveryCodes: ['7HQK-2M9D-XW4P-LC3R', 'B8NZ-6TJF-Q2VA-M5YE', 'R4GW-9KCP-3HXD-TN7B'],
} as const;
export const CARLA = { phone: '+34600111222', password: 'Quiet-Orchard-Lamp-3' } as const;
export const DANI = { email: 'dani@example.com', altEmail: 'dani.backup@example.org', password: 'Marble-Cactus-Violin-9' } as const;

export const CHANNEL_CHOICES: Choice[] = ['channel_email', 'channel_alt_email', 'channel_sms'];
export const CODE_CHOICES: Choice[] = ['resend', 'switch_channel', 'code_not_received'];
export const SECOND_FACTOR_CHOICES: Choice[] = ['use_recovery_code', 'lost_2fa'];
/** Under every owner-identification question before a handoff. */
export const OWNER_CHOICES: Choice[] = ['skip', 'agent'];
/** The owner answers of the demo accounts (README "Demo accounts"); only their hashes are in the file. */
export const OWNER_ANSWERS = {
  ana: { cardLast4: '4242', postalCode: '28013', question: 'first_pet', answer: 'Luna' },
  ben: { cardLast4: '5454', postalCode: '94107', question: 'birth_city', answer: 'Oakland' },
} as const;

// The numbers the bot fills into its copy, read from the same defaults the harness starts with.
const config = loadConfig({ PORT: '0' });
export const POLICY = {
  brand: config.brandName,
  codeMinutes: Math.round(config.policy.codeTtlMs / 60_000),
  linkMinutes: Math.round(config.policy.resetLinkTtlMs / 60_000),
  digits: config.policy.codeDigits,
  codeMaxTries: config.policy.codeMaxTries,
  accountFailuresPerHour: config.policy.accountFailuresPerWindow,
  idleMinutes: Math.round(config.policy.conversationIdleMs / 60_000),
} as const;

/** The copy for a key as the bot renders it: brand and policy numbers filled in, like dialogs/render.ts. */
export function t(locale: Locale, key: string, params: Record<string, string | number> = {}): string {
  return text(locale, key, { brand: POLICY.brand, minutes: POLICY.codeMinutes, digits: POLICY.digits, ...params });
}

/** One message from the bot: its text and the buttons under it (none unless listed). */
export interface Line {
  text: string;
  buttons: { choice: Choice; title: string }[];
}

/** A bot line by key, with the buttons the chart offers; button titles come from the catalog too. */
export function line(locale: Locale, key: string, choices: Choice[] = [], params: Record<string, string | number> = {}): Line {
  return { text: t(locale, key, params), buttons: choices.map((choice) => ({ choice, title: t(locale, `choice_${choice}`) })) };
}

/** The catalog bound to one language, so a transcript reads `bot('ask_code', CODE_CHOICES)`. */
export function copy(locale: Locale) {
  return {
    t: (key: string, params: Record<string, string | number> = {}) => t(locale, key, params),
    bot: (key: string, choices: Choice[] = [], params: Record<string, string | number> = {}) => line(locale, key, choices, params),
  };
}

/** What a person does in one step: type text, press a button, or type something only known by then. */
export type Said = string | { choice: Choice } | (() => Promise<string>);
export type Step = readonly [Said, readonly Line[]];

export const press = (choice: Choice): { choice: Choice } => ({ choice });

/** The messages among the replies (typing indicators left out), as text and buttons. */
export function linesOf(replies: Reply[]): Line[] {
  return replies
    .filter((r) => r.type === 'message')
    .map((r) => ({
      text: r.text ?? '',
      buttons: (r.suggestedActions?.actions ?? []).map((a) => ({
        choice: (a.value as { choice: Choice } | undefined)?.choice as Choice,
        title: a.title,
      })),
    }));
}

/** Sends one thing the person does, with the channel's locale, and returns every activity back. */
export async function act(h: Harness, conversationId: string, locale: Locale, said: Said): Promise<Reply[]> {
  const activity =
    typeof said === 'string'
      ? { text: said }
      : typeof said === 'function'
        ? { text: await said() }
        : { value: { choice: said.choice } };
  return h.send(conversationId, { ...activity, locale: CHANNEL_LOCALE[locale] });
}

/** Walks the transcript: each thing the person does must get exactly these messages, buttons included. */
export async function play(h: Harness, conversationId: string, locale: Locale, steps: readonly Step[]): Promise<Reply[][]> {
  const all: Reply[][] = [];
  for (const [index, [said, expected]] of steps.entries()) {
    const replies = await act(h, conversationId, locale, said);
    const what = typeof said === 'string' ? JSON.stringify(said) : typeof said === 'function' ? '(typed)' : `[${said.choice}]`;
    expect(linesOf(replies), `step ${index + 1}: person says ${what}`).toEqual(expected);
    all.push(replies);
  }
  return all;
}

let conversations = 0;
/** A conversation id no other test in the file uses. */
export const conversation = (story: string, locale: Locale) => `${story}-${locale}-${++conversations}`;

/** Starts the real app; `env` only where a story needs a policy other than the defaults, with a reason. */
export const startStory = (env: Record<string, string> = {}) => startHarness(env);

/** The newest code the development outbox holds for a destination. */
export async function latestCode(h: Harness, destination: string): Promise<string> {
  const [code] = await h.codesFor(destination);
  expect(code, `a code was sent to ${destination}`).toMatch(/^\d{6,10}$/);
  return code!;
}

/** A code of the right length that is not the one the person was sent. */
export const wrongCodeFor = (code: string) => (code === '000000' ? '111111' : '000000');

/**
 * The authenticator's code for a fresh 30-second step: the clock moves on one step first, because a step is
 * accepted once per account (no replay), and stories in both languages use the same account.
 */
export async function nextTotp(h: Harness, secret: string = BEN.totpSecret): Promise<string> {
  h.clock.advance(30_000);
  return generate({ secret, epoch: Math.floor(h.clock.now() / 1000) });
}

/** The reset link in the bot's message, and the message rebuilt from the catalog around it. */
export function resetLinkIn(locale: Locale, message: string | undefined): { url: string; expected: string } {
  const url = /https:\/\/\S+\/reset\/[\w-]+/.exec(message ?? '')?.[0] ?? '';
  expect(url, 'a reset link on the public base URL').toMatch(/^https:\/\/clave\.test\/reset\/[\w-]{16,}$/);
  return { url, expected: t(locale, 'reset_link', { url, minutes: POLICY.linkMinutes }) };
}

/** Plays the last step of verification and checks the message carrying the reset link. */
export async function expectResetLink(
  h: Harness,
  conversationId: string,
  locale: Locale,
  said: Said,
  before: readonly Line[] = [],
): Promise<string> {
  const lines = linesOf(await act(h, conversationId, locale, said));
  const { url, expected } = resetLinkIn(locale, lines.at(-1)?.text);
  expect(lines).toEqual([...before, { text: expected, buttons: [] }]);
  return url;
}

/** Opens the reset page as a browser would and submits a new password with the form's CSRF field and cookie. */
export async function submitNewPassword(h: Harness, url: string, password: string): Promise<{ status: number; html: string; headers: Headers }> {
  const page = await fetch(h.local(url), { headers: { 'sec-fetch-site': 'none' } });
  const html = await page.text();
  expect(page.status, 'the reset page opens').toBe(200);
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  const cookie = page.headers.getSetCookie()[0]?.split(';')[0];
  expect(csrf, 'the form has a CSRF field').toBeDefined();
  expect(cookie, 'the page sets the CSRF cookie').toBeDefined();
  const posted = await fetch(h.local(url), {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'sec-fetch-site': 'same-origin',
      origin: new URL(h.local(url)).origin,
      cookie: cookie!,
    },
    body: new URLSearchParams({ password, csrf: csrf! }).toString(),
  });
  return { status: posted.status, html: await posted.text(), headers: posted.headers };
}

/** The development sign-in, standing in for the app's login screen. */
export async function signIn(h: Harness, identifier: string, password: string): Promise<{ status: number; session: string | null }> {
  const res = await fetch(`${h.baseUrl}/dev/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ identifier, password }),
  });
  const body = (await res.json()) as { session?: string };
  return { status: res.status, session: body.session ?? null };
}

export async function sessionStatus(h: Harness, session: string): Promise<number> {
  return (await fetch(`${h.baseUrl}/dev/session/${encodeURIComponent(session)}`)).status;
}

/** Messages the bot sent to a conversation outside a turn (the reset confirmation), as lines. */
export const proactiveLines = (h: Harness, conversationId: string): Line[] => linesOf(h.proactive.get(conversationId) ?? []);

/** A passphrase the page accepts, different for every reset so "old" and "new" never collide. */
let passphrases = 0;
export const newPassphrase = (locale: Locale) =>
  `${locale === 'es' ? 'tortuga violeta bajo la lluvia de' : 'violet turtle under the rain of'} ${['marzo', 'octubre', 'julio', 'enero'][passphrases++ % 4]} ${passphrases}`;

/**
 * The end of every happy path: the page takes the new password, the chat hears about it, the new password
 * signs in and the old one does not, and a session opened before the reset is over.
 */
export async function expectPasswordReset(
  h: Harness,
  options: {
    conversationId: string;
    locale: Locale;
    url: string;
    identifier: string;
    oldPassword: string;
    newPassword: string;
    oldSession: string;
  },
): Promise<void> {
  const { conversationId, locale, url, identifier, oldPassword, newPassword, oldSession } = options;
  expect((await submitNewPassword(h, url, newPassword)).status, 'the reset page accepts the new password').toBe(200);
  expect(proactiveLines(h, conversationId), 'the chat is told').toEqual([line(locale, 'reset_done')]);
  expect((await signIn(h, identifier, newPassword)).status, 'the new password signs in').toBe(200);
  expect((await signIn(h, identifier, oldPassword)).status, 'the old password no longer signs in').toBe(401);
  expect(await sessionStatus(h, oldSession), 'a session from before the reset is over').toBe(401);
}

/** Signs in with the current password, as the person's TV did long ago; returns that session. */
export async function existingSession(h: Harness, identifier: string, password: string): Promise<string> {
  const { status, session } = await signIn(h, identifier, password);
  expect(status, 'the current password signs in before the reset').toBe(200);
  return session!;
}

// --- Getting a conversation to a step that waits for the person --------------------------------------

/** The states where the chart waits for the person (an `expects:*` tag), in journey order. */
export const WAITING_STATES = ['welcome', 'identify', 'chooseChannel', 'awaitingCode', 'secondFactor', 'linkIssued'] as const;
export type WaitingState = (typeof WAITING_STATES)[number];

/**
 * Walks a new conversation to `state`, checking the transcript on the way. Each state uses its own demo
 * account (Dani waits for a code, Ben for a second factor, Ana for the reset), so a file that visits every
 * state in both languages stays within the default send limits.
 */
export async function reach(h: Harness, conversationId: string, locale: Locale, state: WaitingState): Promise<{ url: string | null }> {
  const { bot } = copy(locale);
  if (state === 'welcome') {
    await play(h, conversationId, locale, [[SAYS.greet[locale], [bot('welcome', ['recover', 'agent'])]]]);
    return { url: null };
  }
  const account = state === 'secondFactor' ? BEN.email : state === 'linkIssued' ? ANA.email : DANI.email;
  const steps: Step[] = [[OPENERS[locale][0], [bot('ask_identifier', ['agent'])]]];
  if (state !== 'identify') steps.push([account, [bot('ask_channel', CHANNEL_CHOICES)]]);
  if (state === 'awaitingCode' || state === 'secondFactor' || state === 'linkIssued') {
    steps.push([press('channel_email'), [bot('code_sent_email'), bot('ask_code', CODE_CHOICES)]]);
  }
  if (state === 'secondFactor') {
    steps.push([() => latestCode(h, account), [bot('code_verified'), bot('ask_second_factor', SECOND_FACTOR_CHOICES)]]);
  }
  await play(h, conversationId, locale, steps);
  if (state !== 'linkIssued') return { url: null };
  return { url: await expectResetLink(h, conversationId, locale, () => latestCode(h, account), [bot('code_verified')]) };
}
