// What the bot reads from Microsoft Teams-shaped activities: whether a conversation is shared with other
// people, whether the bot was @mentioned, the person's Teams language and the app being installed.
// Pure functions over the activity; src/bot.ts decides what to do with the answers.
import { ActivityTypes, TurnContext, type Activity, type Entity } from 'botbuilder';

export const TEAMS_CHANNEL = 'msteams';

/** Teams conversation types where other people read along: a group chat and a team's channel. */
const SHARED_CONVERSATION_TYPES = new Set(['groupChat', 'channel']);

/** Entities with a string `type`; botbuilder's mention helpers assume every entity has one. */
function wellFormedEntities(activity: Partial<Activity>): Entity[] {
  return Array.isArray(activity.entities)
    ? activity.entities.filter((e): e is Entity => typeof (e as Partial<Entity> | null)?.type === 'string')
    : [];
}

/**
 * A conversation other people can read (SECURITY.md 23): a Teams group chat or channel, or any channel's
 * group conversation. Recovery never runs there.
 */
export function isSharedConversation(activity: Partial<Activity>): boolean {
  const conversation = activity.conversation as { isGroup?: unknown; conversationType?: unknown } | undefined;
  if (conversation?.isGroup === true) return true;
  return typeof conversation?.conversationType === 'string' && SHARED_CONVERSATION_TYPES.has(conversation.conversationType);
}

/** The message @mentions this bot (Teams adds a mention entity for every `<at>…</at>` in the text). */
export function mentionsBot(activity: Partial<Activity>): boolean {
  const botId = activity.recipient?.id;
  if (!botId) return false;
  return wellFormedEntities(activity).some(
    (e) => e.type.toLowerCase() === 'mention' && (e as { mentioned?: { id?: unknown } }).mentioned?.id === botId,
  );
}

/** The message text without the `<at>Bot</at>` that addressed it, so the parser sees only what was said. */
export function textWithoutBotMention(activity: Activity): string | undefined {
  if (typeof activity.text !== 'string') return undefined;
  if (!mentionsBot(activity)) return activity.text;
  activity.entities = wellFormedEntities(activity);
  return TurnContext.removeRecipientMention(activity);
}

/** The person's language as the channel tells it: the activity's locale, else Teams' clientInfo entity. */
export function channelLocale(activity: Partial<Activity>): string | undefined {
  if (typeof activity.locale === 'string' && activity.locale) return activity.locale;
  const clientInfo = wellFormedEntities(activity).find((e) => e.type === 'clientInfo') as { locale?: unknown } | undefined;
  return typeof clientInfo?.locale === 'string' && clientInfo.locale ? clientInfo.locale : undefined;
}

/** Teams tells the bot it was installed with a conversationUpdate whose membersAdded holds the bot itself. */
export function botWasAdded(activity: Partial<Activity>): boolean {
  const botId = activity.recipient?.id;
  return (
    activity.type === ActivityTypes.ConversationUpdate &&
    !!botId &&
    Array.isArray(activity.membersAdded) &&
    activity.membersAdded.some((member) => member?.id === botId)
  );
}
