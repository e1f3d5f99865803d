// The bot's turn logic on the Bot Framework: hands each message to the conversation engine and renders
// what the chart said for the channel. No business rules live here; the one channel rule is that recovery
// never runs where other people read along (SECURITY.md 23).
import { ActivityTypes, TurnContext, type Activity } from 'botbuilder';
import { renderSay, type RenderDefaults } from '../dialogs/render.js';
import type { SayEvent } from '../machines/recovery.types.js';
import { localeFrom, type ConversationEngine, type TurnInput, type TurnResult } from './conversation/engine.js';
import type { ObservedTurn } from './metrics.js';
import {
  TEAMS_CHANNEL,
  botWasAdded,
  channelLocale,
  isSharedConversation,
  mentionsBot,
  textWithoutBotMention,
} from './teams/teams-activity.js';

/** Largest message text we read; longer input is cut, never an error. */
const MAX_TEXT = 2000;

/** The handoff desk's part in a turn (src/handoff/): its protocol events, and what it does once the replies are out. */
export interface TurnHooks {
  /** True when the activity was the desk's (Bot Framework handoff events): the engine never sees it. */
  onEvent(context: TurnContext): Promise<boolean>;
  /** Runs after the engine's turn; what it returns is said after what the chart said (the place in line). */
  afterTurn(context: TurnContext, turn: { conversationId: string; input: TurnInput; result: TurnResult }): Promise<SayEvent[]>;
}

export class ClaveBot {
  constructor(
    private readonly engine: ConversationEngine,
    private readonly defaults: RenderDefaults,
    /** Told about every finished turn (metrics); never sees the text. */
    private readonly onTurn?: (turn: ObservedTurn) => void,
    private readonly hooks?: TurnHooks,
  ) {}

  /** Renders for the conversation's channel (`channelId`): buttons differ between the web and Teams. */
  render(result: Pick<TurnResult, 'says' | 'locale'>, channelId?: string): Partial<Activity>[] {
    return result.says.map((say) => renderSay(say, result.locale, this.defaults, channelId));
  }

  async run(context: TurnContext): Promise<void> {
    const activity = context.activity;
    const conversationId = activity.conversation?.id;
    if (!conversationId) return;
    // SECURITY.md 23: where other people read along (a Teams channel or group chat) recovery never runs and
    // nothing said there reaches the engine; an @mention gets the same pointer to a private chat, whatever it says.
    if (isSharedConversation(activity)) {
      if (activity.type === ActivityTypes.Message && mentionsBot(activity)) {
        const locale = localeFrom(channelLocale(activity));
        await context.sendActivity(renderSay({ type: 'say', key: 'private_chat_only' }, locale, this.defaults, activity.channelId));
      }
      return;
    }
    if (this.hooks && (await this.hooks.onEvent(context))) return;
    const input = this.inputFrom(activity);
    if (!input) return;
    const startedAt = performance.now();

    // One typing indicator for every turn, whatever it does, so typing never tells anything apart.
    await context.sendActivity({ type: ActivityTypes.Typing });
    const reference = TurnContext.getConversationReference(activity) as Record<string, unknown>;
    const result = await this.engine.handleTurn(conversationId, input, reference);
    const desk = (await this.hooks?.afterTurn(context, { conversationId, input, result })) ?? [];
    const replies = this.render({ says: [...result.says, ...desk], locale: result.locale }, activity.channelId);
    if (replies.length) await context.sendActivities(replies);
    this.onTurn?.({ channel: activity.channelId, conversationId, result, seconds: (performance.now() - startedAt) / 1000 });
  }

  private inputFrom(activity: Activity): TurnInput | null {
    if (activity.type === ActivityTypes.Message) {
      // Teams puts "<at>Bot</at>" in the text when the person @mentions the bot; the parser gets the rest.
      const said = textWithoutBotMention(activity);
      const text = typeof said === 'string' ? said.slice(0, MAX_TEXT) : undefined;
      return { text, value: activity.value, locale: channelLocale(activity) };
    }
    // Web Chat announces an opened conversation with an event; greet in the browser's language.
    if (activity.type === ActivityTypes.Event && activity.name === 'webchat/join') {
      const value = activity.value as { locale?: unknown } | undefined;
      const locale = typeof value?.locale === 'string' ? value.locale : activity.locale;
      return { greet: true, locale };
    }
    // Teams announces the app installed in a personal chat with a conversationUpdate that adds the bot.
    if (activity.channelId === TEAMS_CHANNEL && botWasAdded(activity)) {
      return { greet: true, locale: channelLocale(activity) };
    }
    return null;
  }
}
