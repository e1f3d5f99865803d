// SECURITY.md 2: before a code is verified the bot never shows a masked destination or which channels an
// account has. The menu always offers email, alternate email and SMS; a missing account or channel runs the
// same flow with a code that can never match. Six identifiers — an email-only account, one with a verified
// phone, a phone-only one, one with an alternate email, an unknown email and an unknown number — choose each
// channel in both languages: every activity is the same, and where nothing could be sent the stored code
// record holds no hash at all, so no code can ever match it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Choice, Locale } from '../../machines/recovery.types.js';
import { ANA, BEN, CARLA, DANI } from '../transcripts/story.js';
import { keysOf, startApp, visible, type Harness, type Reply } from './helpers.js';

interface Who {
  name: string;
  identifier: string;
  /** Where a code really goes, per channel; absent = the account has no such channel (or no account). */
  destinations: Partial<Record<Channel, string>>;
  /** Pieces of the account's addresses that must never show up before verification. */
  secrets: string[];
}
type Channel = 'email' | 'alt_email' | 'sms';

const PEOPLE: Who[] = [
  { name: 'email only', identifier: ANA.email, destinations: { email: ANA.email }, secrets: ['ana@', 'a***'] },
  { name: 'verified phone', identifier: BEN.email, destinations: { email: BEN.email, sms: BEN.phone }, secrets: ['ben@', '0101', '555'] },
  { name: 'phone only', identifier: CARLA.phone, destinations: { sms: CARLA.phone }, secrets: ['1222', '600'] },
  { name: 'alternate email', identifier: DANI.email, destinations: { email: DANI.email, alt_email: DANI.altEmail }, secrets: ['dani', 'backup', 'example.org'] },
  { name: 'unknown email', identifier: 'nadie@example.com', destinations: {}, secrets: ['nadie'] },
  { name: 'unknown number', identifier: '+34 600 999 888', destinations: {}, secrets: ['888', '999'] },
];
const CHANNELS: Channel[] = ['email', 'alt_email', 'sms'];
const MASKS = /\*{2,}|•|…@|x{3,}@|\+\d{1,3}\s?\*|ending in|termina en/i;

let h: Harness;
beforeAll(async () => {
  // Each identifier types six wrong codes here; the growing delays (item 9) would answer "wait" to the last ones.
  h = await startApp({ ATTEMPT_DELAYS_SECONDS: '0' });
});
afterAll(() => h.close());

let n = 0;
const send = (conv: string, locale: Locale, activity: Parameters<Harness['send']>[1]) =>
  h.send(conv, { ...activity, locale: locale === 'es' ? 'es-ES' : 'en-US' });

describe.each(['es', 'en'] as const)('the channel menu and what follows it (%s, SECURITY.md 2)', (locale) => {
  const opener = locale === 'es' ? 'olvidé mi clave' : 'I forgot my password';

  beforeAll(() => {
    // A new quarter hour per language, so no send limit holds a real code back and blurs the comparison.
    h.clock.advance(16 * 60_000);
  });

  it('shows the same menu, with all three channels and no destination, to every identifier', async () => {
    const menus: string[][] = [];
    for (const who of PEOPLE) {
      const conv = `menu-${locale}-${++n}`;
      await send(conv, locale, { text: opener });
      const replies = await send(conv, locale, { text: who.identifier });
      menus.push(replies.map((r) => visible(r, conv)));
      const text = JSON.stringify(replies);
      for (const piece of who.secrets) expect(text, `${who.name}: nothing of its addresses`).not.toContain(piece);
      expect(text).not.toMatch(MASKS);
      const choices = replies.flatMap((r) => (r.suggestedActions?.actions ?? []).map((a) => (a.value as { choice: Choice }).choice));
      expect(choices, 'email first, SMS last, always all three').toEqual(['channel_email', 'channel_alt_email', 'channel_sms']);
    }
    for (const menu of menus) expect(menu).toEqual(menus[0]);
  });

  it.each(CHANNELS)('runs the same flow for every identifier after choosing %s, with a dead code where nothing was sent', async (channel) => {
    const transcripts: string[][] = [];
    for (const who of PEOPLE) {
      const conv = `flow-${locale}-${channel}-${++n}`;
      const seen: Reply[] = [];
      await send(conv, locale, { text: opener });
      await send(conv, locale, { text: who.identifier });
      const before = (h.app.outbox?.list() ?? []).length;
      seen.push(...(await send(conv, locale, { value: { choice: `channel_${channel}` } })));
      await h.app.delivery.drain();
      const sent = (h.app.outbox?.list() ?? []).slice(0, (h.app.outbox?.list() ?? []).length - before);
      const destination = who.destinations[channel];

      // The store: a code record exists either way; without a destination it has no hash, so nothing can match.
      const record = JSON.parse((await h.app.store.get(`code:{${conv}}`)) ?? 'null') as { hash: string | null } | null;
      expect(record, `${who.name}: a code record exists`).not.toBeNull();
      if (destination) {
        expect(sent.map((m) => m.to), `${who.name}: one code went to the account's ${channel}`).toEqual([destination]);
        expect(record!.hash).toMatch(/^[0-9a-f]{64}$/);
      } else {
        expect(sent, `${who.name}: nothing was sent`).toEqual([]);
        expect(record!.hash, `${who.name}: a code that can never match`).toBeNull();
      }
      const code = destination ? /\b(\d{6})\b/.exec(sent[0]!.text)?.[1] : undefined;
      seen.push(...(await send(conv, locale, { text: code === '000000' ? '111111' : '000000' })));
      transcripts.push(seen.map((r) => visible(r, conv)));
      expect(JSON.stringify(seen)).not.toMatch(MASKS);
    }
    for (const transcript of transcripts) expect(transcript).toEqual(transcripts[0]);
    const lines = transcripts[0]!.map((l) => JSON.parse(l) as Reply);
    expect(keysOf(locale, lines)).toEqual([`code_sent_${channel}`, 'ask_code', 'code_wrong', 'ask_code']);
  });
});
