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

type AuthenticateRequestResult = Awaited<ReturnType<ConfigurationBotFrameworkAuthentication['authenticateRequest']>>;
type ClaimsIdentity = AuthenticateRequestResult['claimsIdentity'];
type ConnectorFactory = NonNullable<AuthenticateRequestResult['connectorFactory']>;
type ConnectorClient = Awaited<ReturnType<ConnectorFactory['create']>>;
type UserTokenClient = Awaited<ReturnType<ConfigurationBotFrameworkAuthentication['createUserTokenClient']>>;

/** Clients kept per kind; a few service URLs (channels, regions) are all a deployment sees. */
const MAX_CACHED_CLIENTS = 64;

/** The bot's app id as the SDK reads it from the inbound claims (audience, else appid; none when anonymous). */
const appIdOf = (claims: ClaimsIdentity) => claims.getClaimValue('aud') ?? claims.getClaimValue('appid') ?? '';

/**
 * The SDK builds a ConnectorClient and a UserTokenClient, each a full Azure SDK pipeline, for every activity
 * that arrives, whether the turn uses them or not (replies sent with expectReplies never do): about a fifth
 * of a turn's CPU (bench/RESULTS.md). They depend only on the app id, service URL and audience, so this
 * builds each once and hands out the same one, as the SDK's older BotFrameworkAdapter did. Authentication
 * of every request is unchanged; a client that failed to build is not kept.
 */
class ReusingClientsAuthentication extends ConfigurationBotFrameworkAuthentication {
  private readonly connectors = new Map<string, Promise<ConnectorClient>>();
  private readonly userTokenClients = new Map<string, Promise<UserTokenClient>>();

  private static reuse<T>(cache: Map<string, Promise<T>>, key: string, create: () => Promise<T>): Promise<T> {
    let client = cache.get(key);
    if (!client) {
      if (cache.size >= MAX_CACHED_CLIENTS) cache.delete(cache.keys().next().value!);
      client = create();
      cache.set(key, client);
      const kept = client;
      kept.catch(() => cache.get(key) === kept && cache.delete(key));
    }
    return client;
  }

  private reusing(factory: ConnectorFactory, claims: ClaimsIdentity): ConnectorFactory {
    const appId = appIdOf(claims);
    return {
      create: (serviceUrl: string, audience?: string) =>
        ReusingClientsAuthentication.reuse(this.connectors, JSON.stringify([appId, serviceUrl, audience ?? '']), () =>
          factory.create(serviceUrl, audience),
        ),
    };
  }

  override async authenticateRequest(...args: Parameters<ConfigurationBotFrameworkAuthentication['authenticateRequest']>): Promise<AuthenticateRequestResult> {
    const result = await super.authenticateRequest(...args);
    return result.connectorFactory ? { ...result, connectorFactory: this.reusing(result.connectorFactory, result.claimsIdentity) } : result;
  }

  override createConnectorFactory(claims: ClaimsIdentity): ConnectorFactory {
    return this.reusing(super.createConnectorFactory(claims), claims);
  }

  override createUserTokenClient(claims: ClaimsIdentity): Promise<UserTokenClient> {
    return ReusingClientsAuthentication.reuse(this.userTokenClients, appIdOf(claims), () => super.createUserTokenClient(claims));
  }
}

export function createAdapter(config: Config, logger: Logger): CloudAdapter {
  const settings = {
    MicrosoftAppId: config.bot.appId,
    MicrosoftAppPassword: config.bot.appPassword,
    // Without credentials (local development) the SDK runs unauthenticated only as "MultiTenant".
    MicrosoftAppType: config.bot.appId ? config.bot.appType : 'MultiTenant',
    MicrosoftAppTenantId: config.bot.tenantId,
  };
  const auth = new ReusingClientsAuthentication(settings, new ConfigurationServiceClientCredentialFactory(settings));
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
