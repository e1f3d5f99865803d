// The composition root: the only place that builds stores, services, the classifier, the adapter and the
// server, and hands each what it needs. Tests build the same app with a few parts swapped (clock, sinks).
import { fileURLToPath } from 'node:url';
import type { Server } from 'restify';
import type { HandoffInput } from '../machines/recovery.types.js';
import { createAdapter, sendProactive } from './adapter.js';
import { ClaveBot } from './bot.js';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import { ConversationLocks } from './conversation/conversation-lock.js';
import { ConversationStore } from './conversation/conversation-store.js';
import { ConversationEngine } from './conversation/engine.js';
import { InputParser } from './conversation/input-parser.js';
import { createLogger, type Logger } from './logger.js';
import type { IntentClassifier } from './nlu/classifier.js';
import { loadDefaultOfflineClassifier } from './nlu/offline-classifier.js';
import { createServer } from './server.js';
import type { AccountDirectory } from './services/account-directory.js';
import { AuditLog, fileSink, stdoutSink, type AuditSink } from './services/audit-log.js';
import { DemoDirectory, loadDemoAccounts } from './services/demo-directory.js';
import { HttpDirectory } from './services/http-directory.js';
import { NotificationComposer } from './services/notification-composer.js';
import { DeliveryQueue, DevOutbox, type Notifier } from './services/notifier.js';
import { createNotifier } from './services/routing-notifier.js';
import { ResetService } from './services/reset-service.js';
import { Secrets } from './services/secrets.js';
import { VerificationService } from './services/verification-service.js';
import { MemoryStore, type KeyValueStore } from './stores/kv-store.js';
import { RedisStore } from './stores/redis-store.js';
import { registerResetPage } from './web/reset-page.js';
import { MemoryActivityLog } from './web/directline/activity-log.js';
import { OUTBOX_PAGE_PATH, registerOutboxPage } from './web/outbox-page.js';
import { registerWebWidget } from './web/web-widget.js';
import { createPasswordPolicy } from './services/password-policy.js';

export const defaultAccountsFile = fileURLToPath(new URL('../data/demo-accounts.json', import.meta.url));

/** Parts a test or another deployment may supply instead of the defaults built from configuration. */
export interface AppOverrides {
  clock?: Clock;
  store?: KeyValueStore;
  notifier?: Notifier;
  classifier?: IntentClassifier;
  directory?: AccountDirectory;
  auditSinks?: AuditSink[];
  logger?: Logger;
}

export interface App {
  server: Server;
  engine: ConversationEngine;
  outbox: DevOutbox | null;
  delivery: DeliveryQueue;
  store: KeyValueStore;
  directory: AccountDirectory;
  logger: Logger;
  close(): Promise<void>;
}

function auditSinksFor(setting: string): AuditSink[] {
  if (setting === 'off') return [];
  if (setting === 'stdout') return [stdoutSink];
  return [fileSink(setting)];
}

/** Redis when REDIS_URL is set (many instances share it), otherwise memory (one process). */
async function storeFor(config: Config, clock: Clock, logger: Logger): Promise<KeyValueStore> {
  if (!config.redisUrl) return new MemoryStore(clock);
  const store = await RedisStore.connect(config.redisUrl, {
    onError: (error) => logger.warn({ err: error.message }, 'redis connection problem'),
  });
  const policy = await store.checkEvictionPolicy();
  // Counters and lockouts must never be evicted (SECURITY.md 12).
  if (policy !== 'noeviction' && policy !== 'unknown') {
    logger.warn({ policy }, 'Redis maxmemory-policy should be noeviction: counters and lockouts could be evicted');
  }
  return store;
}

export async function createApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const clock = overrides.clock ?? systemClock;
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const store = overrides.store ?? (await storeFor(config, clock, logger));
  const secrets = new Secrets(config.secretKey);
  const audit = new AuditLog(overrides.auditSinks ?? auditSinksFor(config.auditLog), clock);
  // The company's identity system when DIRECTORY_URL is set, otherwise the demo accounts file.
  const directory =
    overrides.directory ??
    (config.directory
      ? new HttpDirectory(config.directory)
      : new DemoDirectory(loadDemoAccounts(config.accountsFile ?? defaultAccountsFile), store));
  // The outbox exists outside production (the dev routes show it); channels without a provider land there.
  const outbox = overrides.notifier || config.env === 'production' ? null : new DevOutbox(clock);
  const notifier = overrides.notifier ?? createNotifier(config, outbox, logger);
  const delivery = new DeliveryQueue(notifier, logger);
  const compose = new NotificationComposer(config.brandName, config.publicBaseUrl);
  const classifier = overrides.classifier ?? (await loadDefaultOfflineClassifier());
  const parser = new InputParser(classifier, {
    defaultPhoneRegion: config.defaultPhoneRegion,
    threshold: config.classifierThreshold,
  });

  const verification = new VerificationService({ store, directory, secrets, policy: config.policy, clock, audit, delivery, compose });
  const adapter = createAdapter(config, logger);
  const renderDefaults = {
    brand: config.brandName,
    minutes: Math.round(config.policy.codeTtlMs / 60_000),
    digits: config.policy.codeDigits,
  };

  // Filled in below: the reset service tells the conversation through the engine and the adapter.
  let bot: ClaveBot;
  let engine: ConversationEngine;
  const reset = new ResetService({
    store,
    secrets,
    clock,
    directory,
    verification,
    audit,
    delivery,
    compose,
    publicBaseUrl: config.publicBaseUrl,
    linkTtlMs: config.policy.resetLinkTtlMs,
    onReset: async (grant) => {
      const result = await engine.dispatch(grant.conversationId, { type: 'RESET_COMPLETED' });
      if (result.reference && result.says.length) {
        await sendProactive(adapter, config.bot.appId, result.reference, bot.render(result)).catch((error: Error) =>
          logger.warn({ err: error.message }, 'could not tell the chat about the reset'),
        );
      }
    },
  });

  const onHandoff = async (input: HandoffInput) => {
    audit.record({ event: 'handoff', conversationId: input.conversationId, outcome: input.reason });
    logger.info({ conversation: input.conversationId, reason: input.reason, locale: input.locale }, 'handoff requested');
  };

  engine = new ConversationEngine({
    store: new ConversationStore(store, Math.max(config.policy.conversationIdleMs * 4, 24 * 3600_000)),
    parser,
    clock,
    verification,
    reset,
    idleLimitMs: config.policy.conversationIdleMs,
    repromptLimit: config.policy.repromptLimit,
    onHandoff,
    locks: new ConversationLocks(store),
  });
  bot = new ClaveBot(engine, renderDefaults);

  const server = createServer({
    adapter,
    bot,
    logger,
    brand: config.brandName,
    isReady: async () => !(store instanceof RedisStore) || store.isReady(),
    ...(config.devRoutes && outbox ? { dev: { outbox, directory } } : {}),
  });
  registerResetPage(server, {
    reset,
    policy: createPasswordPolicy(),
    brand: config.brandName,
    secrets,
    clock,
    logger,
  });
  if (config.devRoutes && outbox) registerOutboxPage(server, { outbox, brand: config.brandName });
  if (config.directLineEnabled) {
    registerWebWidget(server, {
      log: new MemoryActivityLog(clock),
      secrets,
      clock,
      logger,
      brand: config.brandName,
      brandColor: config.brandColor,
      outboxUrl: config.devRoutes && outbox ? OUTBOX_PAGE_PATH : undefined,
    });
  }

  return {
    server,
    engine,
    outbox,
    delivery,
    store,
    directory,
    logger,
    async close() {
      server.close();
      await delivery.drain();
      await store.close();
    },
  };
}
