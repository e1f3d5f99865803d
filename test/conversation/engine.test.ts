// The conversation engine through the real bot: language as explicit state, serialised turns, and
// snapshots that do not carry identifiers or codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { text } from '../../dialogs/catalog.js';
import { startHarness, type Harness } from '../helpers/bot-harness.js';

const brand = 'StreamFlix Demo';
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ BRAND_NAME: brand });
});
afterAll(async () => h.close());

describe('language', () => {
  it('follows a long message in the other language, silently', async () => {
    const c = 'lang-follow';
    expect(await h.say(c, 'olvidé mi clave')).toEqual([text('es', 'ask_identifier', { brand })]);
    const replies = await h.say(c, 'sorry, I would rather talk to a real person please');
    expect(replies[0]).toBe(text('en', 'handoff_started', { brand }));
  });

  it('does not flip on a short "ok", a code or an email', async () => {
    const c = 'lang-stay';
    await h.say(c, 'I forgot my password');
    expect(await h.say(c, 'sí')).toEqual([text('en', 'not_understood'), text('en', 'ask_identifier', { brand })]);
    expect((await h.say(c, 'nadie@example.com'))[0]).toBe(text('en', 'ask_channel'));
  });

  it('switches on an explicit request and says so', async () => {
    const c = 'lang-explicit';
    await h.say(c, 'I forgot my password');
    expect(await h.say(c, 'en español por favor')).toEqual([
      text('es', 'language_switched'),
      text('es', 'ask_identifier', { brand }),
    ]);
  });
});

describe('turns of one conversation', () => {
  it('50 concurrent messages are all answered, one turn at a time', async () => {
    const c = 'concurrent';
    await h.say(c, 'I forgot my password');
    await h.say(c, 'ana@example.com');
    await h.press(c, 'channel_email');
    const replies = await Promise.all(Array.from({ length: 50 }, () => h.say(c, 'how long is the code valid?')));
    const expected = [text('en', 'faq_code_validity', { minutes: 10 }), text('en', 'ask_code', { brand })];
    for (const r of replies) expect(r).toEqual(expected);
    // The journey is still exactly where it was: the right code works.
    const [code] = await h.codesFor('ana@example.com');
    expect((await h.say(c, code!))[0]).toBe(text('en', 'code_verified'));
  });
});

describe('what is stored', () => {
  it('keeps no identifier or code in the conversation record', async () => {
    const c = 'stored';
    await h.say(c, 'I forgot my password');
    await h.say(c, 'dani@example.com');
    await h.press(c, 'channel_alt_email');
    const [code] = await h.codesFor('dani.backup@example.org');
    await h.say(c, '99999999');
    const record = await h.app.store.get(`conv:{${c}}`);
    expect(record).toBeTruthy();
    expect(record).not.toContain('dani');
    expect(record).not.toContain(code!);
    expect(record).not.toContain('99999999');
  });
});
