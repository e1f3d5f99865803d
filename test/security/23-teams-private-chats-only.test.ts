// SECURITY.md 23: in Teams, recovery runs in 1:1 chats only. In a group chat or a channel (however Teams marks
// it) the bot answers an @mention with a pointer to a private chat — whatever the message says: a request, an
// email address, a code, a button — never asks for an identifier, sends nothing, starts no conversation and
// records no security event; without a mention it stays silent. The same words in a 1:1 chat start recovery.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANA, BEN } from '../transcripts/story.js';
import { keysOf, stateOf, startApp, type Harness, type Reply } from './helpers.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const BOT = { id: '28:0b7f8a52-6c1e-4d7e-9a43-2f5f0c6d8e11', name: 'Clave' };
const AT_BOT = { type: 'mention', text: '<at>Clave</at>', mentioned: BOT };

type Shape = 'groupChat' | 'channel' | 'isGroup only' | 'personal';
const SHARED: Shape[] = ['groupChat', 'channel', 'isGroup only'];
const ASKS_FOR_DETAILS = ['ask_identifier', 'ask_channel', 'ask_code', 'ask_second_factor', 'ask_recovery_code', 'code_sent_email', 'code_sent_sms', 'code_sent_alt_email'];

let h: Harness;
beforeAll(async () => {
  h = await startApp();
});
afterAll(() => h.close());

let n = 0;
function teams(shape: Shape, fields: Record<string, unknown>): { conv: string; activity: Record<string, unknown> } {
  const conv = shape === 'personal' ? `a:1personal-${++n}` : `19:${shape.replace(' ', '-')}-${++n}@thread.v2`;
  const conversation: Record<string, unknown> = { id: conv, tenantId: TENANT };
  if (shape === 'isGroup only') conversation.isGroup = true;
  else conversation.conversationType = shape;
  if (shape === 'channel') conversation.isGroup = true;
  return {
    conv,
    activity: {
      channelId: 'msteams',
      conversation,
      from: { id: `29:user-${n}`, name: 'Ana García', aadObjectId: '6be0a5b2-2b5c-4a4d-8f1e-1f0d2c3b4a59' },
      recipient: BOT,
      channelData: { tenant: { id: TENANT } },
      locale: 'en-US',
      ...fields,
    },
  };
}
const mentioned = (text: string) => ({ text: `<at>Clave</at> ${text}`, entities: [AT_BOT] });

const SAID: [string, Record<string, unknown>][] = [
  ['asks for help with a password', mentioned('I forgot my password')],
  ['gives an email address', mentioned(ANA.email)],
  ['gives a phone number', mentioned(BEN.phone)],
  ['types a code', mentioned('123456')],
  ['presses a channel button', { ...mentioned('Email'), value: { choice: 'channel_email' } }],
  ['asks for a person', mentioned('talk to a person')],
];

describe('Teams group chats and channels (SECURITY.md 23)', () => {
  it.each(SHARED)('in a %s, answers every @mention with the pointer to a private chat and does nothing else', async (shape) => {
    const outboxBefore = h.app.outbox!.list().length;
    const auditBefore = h.audit.lines.length;
    for (const [what, fields] of SAID) {
      const { conv, activity } = teams(shape, fields);
      const replies: Reply[] = await h.send(conv, activity);
      const keys = keysOf('en', replies);
      expect(keys, `${shape}: ${what}`).toEqual(['private_chat_only']);
      expect(keys.filter((k) => ASKS_FOR_DETAILS.includes(k))).toEqual([]);
      expect(replies.filter((r) => r.type === 'typing')).toEqual([]);
      expect(await stateOf(h, conv), `${shape}: ${what} starts no conversation`).toBe('none');
    }
    await h.app.delivery.drain();
    expect(h.app.outbox!.list().length, 'nothing was sent').toBe(outboxBefore);
    expect(h.audit.lines.length, 'no security event').toBe(auditBefore);
  });

  it.each(SHARED)('in a %s, stays silent when not @mentioned, even when given an address', async (shape) => {
    for (const text of ['I forgot my password', ANA.email]) {
      const { conv, activity } = teams(shape, { text });
      expect(await h.send(conv, activity)).toEqual([]);
      expect(await stateOf(h, conv)).toBe('none');
    }
  });

  it('starts recovery with the same words in a 1:1 chat', async () => {
    const { conv, activity } = teams('personal', { text: 'I forgot my password' });
    const keys = keysOf('en', await h.send(conv, activity));
    console.log(`SECURITY 23 "I forgot my password": 1:1 → ${keys.join()}; group chat, channel → private_chat_only`);
    expect(keys).toEqual(['ask_identifier']);
    expect(await stateOf(h, conv)).toBe('journey.identify');
  });
});
