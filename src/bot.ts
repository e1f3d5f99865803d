// The bot's turn logic on the Bot Framework: hands each message to the conversation engine and renders
// what the chart said for the channel. No business rules live here.
import { ActivityTypes, TurnContext, type Activity } from 'botbuilder';
import { renderSay, type RenderDefaults } from '../dialogs/render.js';
import type { ConversationEngine, TurnInput, TurnResult } from './conversation/engine.js';

/** Largest message text we read; longer input is cut, never an error. */
const MAX_TEXT = 2000;

export class ClaveBot {
  constructor(
    private readonly engine: ConversationEngine,
    private readonly defaults: RenderDefaults,
  ) {}

  render(result: Pick<TurnResult, 'says' | 'locale'>): Partial<Activity>[] {
    return result.says.map((say) => renderSay(say, result.locale, this.defaults));
  }

  async run(context: TurnContext): Promise<void> {
    const activity = context.activity;
    const conversationId = activity.conversation?.id;
    if (!conversationId) return;
    const input = this.inputFrom(activity);
    if (!input) return;

    // One typing indicator for every turn, whatever it does, so typing never tells anything apart.
    await context.sendActivity({ type: ActivityTypes.Typing });
    const reference = TurnContext.getConversationReference(activity) as Record<string, unknown>;
    const result = await this.engine.handleTurn(conversationId, input, reference);
    const replies = this.render(result);
    if (replies.length) await context.sendActivities(replies);
  }

  private inputFrom(activity: Activity): TurnInput | null {
    if (activity.type === ActivityTypes.Message) {
      const text = typeof activity.text === 'string' ? activity.text.slice(0, MAX_TEXT) : undefined;
      return { text, value: activity.value, locale: activity.locale };
    }
    // Web Chat announces an opened conversation with an event; greet in the browser's language.
    if (activity.type === ActivityTypes.Event && activity.name === 'webchat/join') {
      const value = activity.value as { locale?: unknown } | undefined;
      const locale = typeof value?.locale === 'string' ? value.locale : activity.locale;
      return { greet: true, locale };
    }
    return null;
  }
}
