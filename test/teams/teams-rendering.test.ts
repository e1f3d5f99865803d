// Microsoft Teams, through the real adapter over HTTP: activities shaped the way Teams sends them (channelId
// msteams, conversationType, aadObjectId, clientInfo entity, <at> mentions, locale es-mx). In a 1:1 chat the
// buttons are Adaptive Card submits and the whole journey works with them; in a channel or group chat the bot
// never runs recovery (SECURITY.md 23) and only answers an @mention with a pointer to a private chat.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Choice, Locale } from '../../machines/recovery.types.js';
import { ConversationStore } from '../../src/conversation/conversation-store.js';
import {
  ANA,
  CHANNEL_CHOICES,
  CODE_CHOICES,
  copy,
  existingSession,
  expectPasswordReset,
  latestCode,
  newPassphrase,
  POLICY,
  resetLinkIn,
  startStory,
  t,
  type Harness,
  type Line,
  type Reply,
} from '../transcripts/story.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
/** Teams addresses a bot as "28:" + its app id. */
const BOT = { id: '28:0b7f8a52-6c1e-4d7e-9a43-2f5f0c6d8e11', name: 'Clave' };
const AT_BOT = { type: 'mention', text: '<at>Clave</at>', mentioned: BOT };

type ConversationType = 'personal' | 'groupChat' | 'channel';

let conversations = 0;
/** A Teams conversation id of the right shape for its type (channel threads carry the root message id). */
function teamsConversation(type: ConversationType): string {
  const n = ++conversations;
  if (type === 'personal') return `a:1teams-personal-${n}`;
  if (type === 'groupChat') return `19:group-${n}@thread.v2`;
  return `19:channel-${n}@thread.tacv2;messageid=17000000000${n}`;
}

/** What Teams posts for one thing the person does in a conversation of `type`. */
function fromTeams(
  conversationId: string,
  type: ConversationType,
  fields: { locale?: string; clientLocale?: string; isGroup?: boolean; entities?: unknown[]; [field: string]: unknown },
): Record<string, unknown> {
  const { locale, clientLocale, isGroup, entities = [], ...rest } = fields;
  return {
    channelId: 'msteams',
    conversation: {
      id: conversationId,
      conversationType: type,
      tenantId: TENANT,
      ...(isGroup === undefined ? {} : { isGroup }),
    },
    from: { id: `29:1user-${conversationId}`, name: 'Ana García', aadObjectId: '6be0a5b2-2b5c-4a4d-8f1e-1f0d2c3b4a59' },
    recipient: BOT,
    channelData: { tenant: { id: TENANT } },
    ...(locale ? { locale } : {}),
    entities: [
      ...entities,
      { type: 'clientInfo', locale: clientLocale ?? locale ?? 'en-US', country: 'MX', platform: 'Web', timezone: 'America/Mexico_City' },
    ],
    ...rest,
  };
}

/** A message the person typed, optionally @mentioning the bot the way Teams writes it. */
const typed = (text: string, mention = false) =>
  mention ? { text: `<at>Clave</at> ${text}`, entities: [AT_BOT] } : { text };

/** A click on one of the card's buttons: Teams sends the Action.Submit data as value, the title as text. */
const clicked = (locale: Locale, choice: Choice) => ({ text: t(locale, `choice_${choice}`), value: { choice } });

interface CardAction {
  type: string;
  title: string;
  data: { choice: Choice; msteams: { type: string; displayText: string; text: string } };
}

/** The messages among the replies as text and buttons; in Teams the buttons must come in an Adaptive Card. */
function teamsLines(replies: Reply[]): Line[] {
  return replies
    .filter((r) => r.type === 'message')
    .map((r) => {
      expect(r.suggestedActions, 'no suggested actions in Teams').toBeUndefined();
      const attachments = (r.attachments as { contentType: string; content: { actions: CardAction[] } }[] | undefined) ?? [];
      const actions = attachments.flatMap((a) => {
        expect(a.contentType).toBe('application/vnd.microsoft.card.adaptive');
        return a.content.actions;
      });
      return { text: r.text ?? '', buttons: actions.map((a) => ({ choice: a.data.choice, title: a.title })) };
    });
}

let h: Harness;
let conversationsStore: ConversationStore;
beforeAll(async () => {
  h = await startStory();
  conversationsStore = new ConversationStore(h.app.store, 3600_000);
});
afterAll(() => h.close());

const send = (conversationId: string, type: ConversationType, fields: Parameters<typeof fromTeams>[2]) =>
  h.send(conversationId, fromTeams(conversationId, type, fields));

describe('Teams 1:1 chat', () => {
  it('greets on install in the Teams language and shows the choices as Adaptive Card buttons', async () => {
    const conv = teamsConversation('personal');
    const replies = await send(conv, 'personal', { type: 'conversationUpdate', locale: 'es-mx', membersAdded: [BOT] });
    expect(teamsLines(replies)).toEqual([copy('es').bot('welcome', ['recover', 'agent'])]);

    const card = (replies.find((r) => r.type === 'message')!.attachments as { content: unknown }[])[0]!.content;
    const title = t('es', 'choice_recover');
    expect(card).toMatchObject({
      type: 'AdaptiveCard',
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
      version: '1.5',
    });
    expect((card as { actions: unknown[] }).actions[0]).toEqual({
      type: 'Action.Submit',
      title,
      data: { choice: 'recover', msteams: { type: 'messageBack', displayText: title, text: title } },
    });
  });

  it('takes the language from the clientInfo entity when the activity has no locale', async () => {
    const conv = teamsConversation('personal');
    const replies = await send(conv, 'personal', { type: 'conversationUpdate', clientLocale: 'es-MX', membersAdded: [BOT] });
    expect(teamsLines(replies)).toEqual([copy('es').bot('welcome', ['recover', 'agent'])]);
  });

  it('does not greet when someone else joins, only when the bot is installed', async () => {
    const conv = teamsConversation('personal');
    const replies = await send(conv, 'personal', {
      type: 'conversationUpdate',
      locale: 'es-mx',
      membersAdded: [{ id: `29:1someone-else-${conv}` }],
    });
    expect(teamsLines(replies)).toEqual([]);
  });

  it('walks the whole journey with card submits and @mentions, in Spanish from the Teams locale', async () => {
    const { bot } = copy('es');
    const conv = teamsConversation('personal');
    const tv = await existingSession(h, ANA.email, ANA.password);
    const step = async (fields: Parameters<typeof fromTeams>[2]) => teamsLines(await send(conv, 'personal', { locale: 'es-mx', ...fields }));

    expect(await step({ type: 'conversationUpdate', membersAdded: [BOT] })).toEqual([bot('welcome', ['recover', 'agent'])]);
    expect(await step(clicked('es', 'recover'))).toEqual([bot('ask_identifier', ['agent'])]);
    // "<at>Clave</at> ana@example.com": the mention is stripped, so the address is read as one.
    expect(await step(typed(ANA.email, true))).toEqual([bot('ask_channel', CHANNEL_CHOICES)]);
    expect(await step(clicked('es', 'channel_email'))).toEqual([bot('code_sent_email'), bot('ask_code', CODE_CHOICES)]);

    const lines = await step(typed(await latestCode(h, ANA.email)));
    const { url, expected } = resetLinkIn('es', lines.at(-1)?.text);
    expect(lines).toEqual([bot('code_verified'), { text: expected, buttons: [] }]);

    await expectPasswordReset(h, {
      conversationId: conv,
      locale: 'es',
      url,
      identifier: ANA.email,
      oldPassword: ANA.password,
      newPassword: newPassphrase('es'),
      oldSession: tv,
    });
    expect(await conversationsStore.load(conv), 'the 1:1 conversation is kept').toMatchObject({ record: { chartVersion: expect.anything() } });
  });

  it('lets the text tell the language over the Teams locale', async () => {
    const conv = teamsConversation('personal');
    const replies = await send(conv, 'personal', { locale: 'es-mx', ...typed('I forgot my password and I cannot get into my account') });
    expect(teamsLines(replies)).toEqual([copy('en').bot('ask_identifier', ['agent'])]);
  });
});

describe.each([
  ['a channel', 'channel', { isGroup: true }],
  ['a group chat', 'groupChat', {}],
  ['a group conversation marked only by isGroup', undefined, { isGroup: true }],
] as const)('Teams %s (SECURITY.md 23)', (_name, type, group) => {
  // Teams marks a conversation shared by conversationType; isGroup alone (no type) must be enough too.
  const post = (conv: string, fields: Parameters<typeof fromTeams>[2]) => {
    const activity = fromTeams(conv, type ?? 'personal', { ...group, ...fields });
    if (!type) delete (activity.conversation as Record<string, unknown>).conversationType;
    return h.send(conv, activity);
  };
  const pointer = (locale: Locale) => [{ text: t(locale, 'private_chat_only'), buttons: [] }];

  it('answers an @mention with the pointer to a private chat, never the recovery journey', async () => {
    const conv = teamsConversation(type ?? 'groupChat');
    const replies = await post(conv, { locale: 'en-US', ...typed('I forgot my password', true) });
    expect(teamsLines(replies)).toEqual(pointer('en'));
    expect(replies.filter((r) => r.type === 'typing')).toEqual([]);
    expect(replies.find((r) => r.type === 'message')?.text, 'the pointer names the brand').toContain(POLICY.brand);
  });

  it('points to a private chat in Spanish for a Spanish Teams client', async () => {
    const conv = teamsConversation(type ?? 'groupChat');
    expect(teamsLines(await post(conv, { locale: 'es-mx', ...typed('olvidé mi clave', true) }))).toEqual(pointer('es'));
  });

  it('gives an email typed there the same pointer, no acknowledgement, and sends nothing', async () => {
    const conv = teamsConversation(type ?? 'groupChat');
    const outboxBefore = h.app.outbox!.list().length;
    const auditBefore = h.audit.lines.length;

    const afterHello = await post(conv, { locale: 'en-US', ...typed('hello', true) });
    const afterEmail = await post(conv, { locale: 'en-US', ...typed(ANA.email, true) });
    const afterPress = await post(conv, { locale: 'en-US', ...clicked('en', 'channel_email'), entities: [AT_BOT] });
    await h.app.delivery.drain();

    expect(teamsLines(afterEmail)).toEqual(pointer('en'));
    expect(afterEmail.map((r) => r.text)).toEqual(afterHello.map((r) => r.text));
    expect(JSON.stringify(afterEmail)).not.toContain(ANA.email);
    expect(teamsLines(afterPress)).toEqual(pointer('en'));
    expect(h.app.outbox!.list().length, 'nothing was sent').toBe(outboxBefore);
    expect(h.audit.lines.length, 'no security event happened').toBe(auditBefore);
    expect(await conversationsStore.load(conv), 'no conversation was started').toEqual({ record: null, version: 0 });
  });

  it('stays silent when not @mentioned', async () => {
    const conv = teamsConversation(type ?? 'groupChat');
    expect(await post(conv, { locale: 'en-US', ...typed(ANA.email) })).toEqual([]);
    expect(await post(conv, { locale: 'en-US', ...typed('<at>Someone Else</at> hi') })).toEqual([]);
  });

  it('does not greet or start anything when the app is added there', async () => {
    const conv = teamsConversation(type ?? 'groupChat');
    expect(await post(conv, { type: 'conversationUpdate', locale: 'en-US', membersAdded: [BOT] })).toEqual([]);
    expect(await conversationsStore.load(conv)).toEqual({ record: null, version: 0 });
  });
});
