// The Bot Framework channel adapter and its one turn-error handler. Everything that depends on the
// Bot Framework SDK's adapter lives here, so moving to the Microsoft 365 Agents SDK is one module.
import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  ConfigurationServiceClientCredentialFactory,
  type Activity,
  type ConversationReference,
  type TurnContext,
} from 'botbuilder';
import { text } from '../dialogs/catalog.js';
import type { Config } from './config.js';
import { localeFrom } from './conversation/engine.js';
import type { Logger } from './logger.js';
import { StoreUnavailableError } from './stores/kv-store.js';

export function createAdapter(config: Config, logger: Logger): CloudAdapter {
  const settings = {
    MicrosoftAppId: config.bot.appId,
    MicrosoftAppPassword: config.bot.appPassword,
    // Without credentials (local development) the SDK runs unauthenticated only as "MultiTenant".
    MicrosoftAppType: config.bot.appId ? config.bot.appType : 'MultiTenant',
    MicrosoftAppTenantId: config.bot.tenantId,
  };
  const auth = new ConfigurationBotFrameworkAuthentication(
    settings,
    new ConfigurationServiceClientCredentialFactory(settings),
  );
  const adapter = new CloudAdapter(auth);

  // Log what happened (never the message text), apologise in the person's language, show no internals.
  adapter.onTurnError = async (context: TurnContext, error: Error) => {
    logger.error(
      { err: { name: error.name, message: error.message, stack: error.stack }, conversation: context.activity.conversation?.id, channel: context.activity.channelId },
      'turn failed',
    );
    // A store outage is not the person's fault and passes: say so, so they come back instead of giving up.
    const key = error instanceof StoreUnavailableError ? 'temporarily_unavailable' : 'turn_error';
    try {
      await context.sendActivity({ type: 'message', text: text(localeFrom(context.activity.locale), key) });
    } catch (sendError) {
      logger.warn({ err: (sendError as Error).message }, 'could not apologise to the user');
    }
  };
  return adapter;
}

/** Sends activities to a conversation outside of a turn (e.g. after the reset page is submitted). */
export async function sendProactive(
  adapter: CloudAdapter,
  appId: string,
  reference: Partial<ConversationReference>,
  activities: Partial<Activity>[],
): Promise<void> {
  await adapter.continueConversationAsync(appId, reference, async (context) => {
    await context.sendActivities(activities);
  });
}
