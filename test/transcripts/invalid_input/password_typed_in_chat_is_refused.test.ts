// People type their old or new password into the chat. The bot warns them, does not keep it, repeats the
// step it was at, and the password shows up nowhere: not in the audit, not in the outbox.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locale } from '../../../machines/recovery.types.js';
import { ConversationStore } from '../../../src/conversation/conversation-store.js';
import {
  CHANNEL_CHOICES,
  CODE_CHOICES,
  DANI,
  LOCALES,
  OPENERS,
  conversation,
  copy,
  expectResetLink,
  latestCode,
  play,
  press,
  startStory,
  type Harness,
} from '../story.js';

let h: Harness;
beforeAll(async () => {
  h = await startStory();
});
afterAll(() => h.close());

const PASSWORD = 'Hunter2!pass';
const saysPassword: Record<Locale, string> = { es: `mi contraseña es ${PASSWORD}`, en: `my password is ${PASSWORD}` };

describe.each(LOCALES)('password typed in chat is refused (%s)', (locale) => {
  const { bot } = copy(locale);

  it('warns when the password is typed instead of the email and instead of the code, keeps nothing, and carries on', async () => {
    const conv = conversation('password-in-chat', locale);
    await play(h, conv, locale, [
      [OPENERS[locale][0], [bot('ask_identifier', ['agent'])]],
      [PASSWORD, [bot('password_in_chat'), bot('ask_identifier', ['agent'])]],
      [DANI.email, [bot('ask_channel', CHANNEL_CHOICES)]],
      [press('channel_email'), [bot('code_sent_email'), bot('ask_code', CODE_CHOICES)]],
      [saysPassword[locale], [bot('password_in_chat'), bot('ask_code', CODE_CHOICES)]],
    ]);
    await expectResetLink(h, conv, locale, () => latestCode(h, DANI.email), [bot('code_verified')]);

    // The journey left a saved conversation, an audit trail and mail; the password is in none of them.
    const { record } = await new ConversationStore(h.app.store, 60_000).load(conv);
    expect(record).not.toBeNull();
    expect(JSON.stringify(record)).not.toContain(PASSWORD);
    expect(h.audit.entries().filter((e) => e.conversationId === conv).length).toBeGreaterThan(0);
    expect(h.audit.lines.join('\n')).not.toContain(PASSWORD);
    await h.app.delivery.drain();
    expect(JSON.stringify(h.app.outbox?.list() ?? [])).not.toContain(PASSWORD);
  });

  it('warns when the very first message is a password, in the browser’s language', async () => {
    const conv = conversation('password-first', locale);
    await play(h, conv, locale, [[PASSWORD, [bot('password_in_chat'), bot('welcome_prompt', ['recover', 'agent'])]]]);
  });
});
