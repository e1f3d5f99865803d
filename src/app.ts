// The composition root: the only place that builds stores, services, the classifier, the adapter and the
// server, and hands each what it needs. Tests build the same app with a few parts swapped (clock, sinks).
import { fileURLToPath } from 'node:url';
import type { Server } from 'restify';
import { text } from '../dialogs/catalog.js';
import type { HandoffInput, RecoveryEvent } from '../machines/recovery.types.js';
import { createAdapter, sendProactive } from './adapter.js';
import { ClaveBot } from './bot.js';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import { ConversationLocks } from './conversation/conversation-lock.js';
import { ConversationStore } from './conversation/conversation-store.js';
import { ConversationEngine } from './conversation/engine.js';
import { AgentSessions } from './handoff/agent-sessions.js';
import { registerAgentConsole } from './handoff/console-routes.js';
import { HandoffService, type PersonChannel } from './handoff/handoff-service.js';
import { TranscriptRecorder } from './handoff/transcript.js';
import { InputParser } from './conversation/input-parser.js';
import { NudgeScheduler, startNudgePoller } from './conversation/nudge-scheduler.js';
import { createLogger, type Logger } from './logger.js';
import type { IntentClassifier } from './nlu/classifier.js';
import { CircuitBreaker } from './nlu/circuit-breaker.js';
import { createOpenAIClient, LlmClassifier } from './nlu/llm-classifier.js';
import { LruCache } from './nlu/lru-cache.js';
import { loadDefaultOfflineClassifier } from './nlu/offline-classifier.js';
import { TieredClassifier } from './nlu/tiered-classifier.js';
import { Registry } from 'prom-client';
import { ClaveMetrics, registerMetricsRoute } from './metrics.js';
import { createServer, InFlightRequests } from './server.js';
import type { AccountDirectory } from './services/account-directory.js';
import { AuditLog, fileSink, stdoutSink, type AuditSink } from './services/audit-log.js';
import { DeliveryHealth } from './services/delivery-health.js';
import { DemoDirectory, loadDemoAccounts } from './services/demo-directory.js';
import { HttpDirectory } from './services/http-directory.js';
import { NotificationComposer } from './services/notification-composer.js';
import { DeliveryQueue, DevOutbox, type Notifier } from './services/notifier.js';
import { createNotifier } from './services/routing-notifier.js';
import { ResetService } from './services/reset-service.js';
import { SecurityEventForwarder } from './services/security-events.js';
import { OwnerCheckService } from './services/owner-check.js';
import { Secrets } from './services/secrets.js';
import { VerificationService } from './services/verification-service.js';
import { MemoryStore, type KeyValueStore } from './stores/kv-store.js';
import { RedisStore } from './stores/redis-store.js';
import { registerResetPage } from './web/reset-page.js';
import { MemoryActivityLog } from './web/directline/activity-log.js';
import { CONNECTOR_PREFIX } from './web/directline/directline-routes.js';
import { OUTBOX_PAGE_PATH, registerOutboxPage } from './web/outbox-page.js';
import { registerWebWidget } from './web/web-widget.js';
import { createPasswordPolicy } from './services/password-policy.js';

export const defaultAccountsFile = fileURLToPath(new URL('../data/demo-accounts.json', import.meta.url));

/** Longest a shutdown waits for turns in flight: inside Docker's default 10 s stop timeout, with room to drain. */
export const IN_FLIGHT_WAIT_MS = 8_000;

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
  /** Sends security events to the directory; null when the directory takes none. */
  securityEvents: SecurityEventForwarder | null;
  store: KeyValueStore;
  directory: AccountDirectory;
  logger: Logger;
  /** The human handoff desk (queue, relay, console actions). */
  handoff: HandoffService;
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
  // Counters, lockouts and used recovery codes must never be evicted (SECURITY.md 12): an evicted lockout
  // lifts itself, an evicted used code works again. Production refuses such a Redis; development warns.
  if (policy !== 'noeviction' && policy !== 'unknown') {
    if (config.env === 'production') {
      await store.close();
      throw new Error(
        `REDIS_URL: the Redis server's maxmemory-policy is ${policy}; production needs noeviction, so counters, lockouts ` +
          'and used recovery codes are never evicted. Fix: set maxmemory-policy noeviction in redis.conf (and ' +
          '`CONFIG SET maxmemory-policy noeviction` on the running server), or in the managed service\'s settings.',
      );
    }
    logger.warn({ policy }, 'Redis maxmemory-policy should be noeviction: counters and lockouts could be evicted');
  } else if (policy === 'unknown') {
    // Managed services often refuse CONFIG; the setting is then the operator's to check.
    logger.warn('could not read the Redis maxmemory-policy (CONFIG refused); make sure it is noeviction');
  }
  return store;
}

/**
 * The offline classifier alone, or, when OPENAI_API_KEY or OPENAI_BASE_URL (a keyless local server) is set,
 * offline first and the language model for what it is unsure of, behind a breaker, a cache and a timeout.
 */
async function classifierFor(config: Config, clock: Clock, logger: Logger): Promise<IntentClassifier> {
  const offline = await loadDefaultOfflineClassifier();
  if (!config.openai.apiKey && !config.openai.baseUrl) return offline;
  const { llm } = config;
  const model = new LlmClassifier({
    client: createOpenAIClient({ apiKey: config.openai.apiKey, baseUrl: config.openai.baseUrl, timeoutMs: llm.timeoutMs }),
    model: config.openai.model,
    timeoutMs: llm.timeoutMs,
    breaker: new CircuitBreaker({
      failureThreshold: llm.breakerFailures,
      cooldownMs: llm.breakerCooldownMs,
      clock,
      onStateChange: (state) => logger.warn({ state }, 'language model circuit breaker changed state'),
    }),
    cache: new LruCache(llm.cacheSize, llm.cacheTtlMs, clock),
    fallback: offline,
  });
  return new TieredClassifier({
    offline,
    llm: model,
    threshold: llm.threshold,
    onPath: (path, detail) => logger.debug({ path, ...detail }, 'message classified'),
  });
}

export async function createApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const clock = overrides.clock ?? systemClock;
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const store = overrides.store ?? (await storeFor(config, clock, logger));
  const secrets = new Secrets(config.secretKey);
  // Metrics have a registry of their own per app; the funnel reads the audit trail like any other sink.
  const metrics = new ClaveMetrics(new Registry());
  // The company's identity system when DIRECTORY_URL is set, otherwise the demo accounts file.
  const directory =
    overrides.directory ??
    (config.directory
      ? new HttpDirectory(config.directory)
      : new DemoDirectory(loadDemoAccounts(config.accountsFile ?? defaultAccountsFile), store));
  // The account-security part of the audit trail also goes to the directory's own log, off the reply path.
  const securityEvents = directory.recordEvent
    ? new SecurityEventForwarder(directory, logger, undefined, { onOutcome: (outcome) => metrics.observeSecurityEvent(outcome) })
    : null;
  const audit = new AuditLog(
    [...(overrides.auditSinks ?? auditSinksFor(config.auditLog)), metrics.auditSink, ...(securityEvents ? [securityEvents] : [])],
    clock,
  );
  // The outbox exists outside production (the dev routes show it); channels without a provider land there.
  const outbox = overrides.notifier || config.env === 'production' ? null : new DevOutbox(clock);
  const notifier = overrides.notifier ?? createNotifier(config, outbox, logger);
  // A provider failing for everyone is marked in the store, so every instance offers people another channel.
  const deliveryHealth = new DeliveryHealth({ store, audit, logger, onResult: (channel, result) => metrics.observeDelivery(channel, result) });
  const delivery = new DeliveryQueue(notifier, logger, undefined, deliveryHealth.outcome);
  const compose = new NotificationComposer(config.brandName, config.publicBaseUrl);
  const classifier = overrides.classifier ?? (await classifierFor(config, clock, logger));
  const parser = new InputParser(classifier, {
    defaultPhoneRegion: config.defaultPhoneRegion,
    threshold: config.classifierThreshold,
  });

  const verification = new VerificationService({ store, directory, secrets, policy: config.policy, clock, audit, delivery, compose });
  const ownerCheck = new OwnerCheckService({
    store,
    directory,
    verification,
    secrets,
    audit,
    options: config.ownerCheck,
    onCountFailed: (error) => logger.error({ err: error.message }, 'a wrong owner answer could not be counted toward the lockout'),
  });
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
    onReset: (grant) => dispatchAndTell(grant.conversationId, { type: 'RESET_COMPLETED' }, 'could not tell the chat about the reset'),
  });

  /** An event from outside the chat (the reset page, a nudge): through the engine, then told to the person. */
  const dispatchAndTell = async (conversationId: string, event: RecoveryEvent, failure: string) => {
    const startedAt = performance.now();
    const result = await engine.dispatch(conversationId, event);
    metrics.observeTurn({
      channel: result.reference?.channelId,
      conversationId,
      result,
      seconds: (performance.now() - startedAt) / 1000,
    });
    if (result.reference && result.says.length) {
      // Rendered for the conversation's channel, as in a turn (Teams gets cards, not suggested actions).
      const replies = bot.render(result, String(result.reference.channelId ?? ''));
      await sendProactive(adapter, config.bot.appId, result.reference, replies).catch((error: Error) =>
        logger.warn({ err: error.message }, failure),
      );
    }
    // A handoff that this event ended (the password changed with an agent's link) leaves the desk.
    await handoff.afterDispatch(conversationId, result);
  };

  // The human handoff: the chart asks, the desk opens it after the turn (packet, line, protocol, ticket).
  const handoffTtlMs = 24 * 3600_000;
  const person: PersonChannel = {
    render: (says, locale, channelId) => bot.render({ says, locale }, channelId),
    say: (reference, says, locale) =>
      sendProactive(adapter, config.bot.appId, reference, bot.render({ says, locale }, String(reference.channelId ?? ''))),
    send: (reference, activities) => sendProactive(adapter, config.bot.appId, reference, activities),
  };
  const handoff = new HandoffService({
    mode: config.handoff.mode,
    consoleEnabled: config.handoff.agents.length > 0,
    store,
    clock,
    audit,
    logger,
    transcript: new TranscriptRecorder(store, clock, handoffTtlMs),
    verification,
    reset,
    directory,
    delivery,
    brand: config.brandName,
    hours: config.handoff.hours,
    supportInbox: config.handoff.supportInbox,
    person,
    dispatch: (conversationId, event) => engine.dispatch(conversationId, event),
    // The copy of a bot message as an agent reads it: a link the bot gave is never repeated.
    readKey: (locale, key) => text(locale, key, { ...renderDefaults, url: '<url>' }),
    ttlMs: handoffTtlMs,
    isBuiltInWebChannel: (serviceUrl) => serviceUrl.includes(`${CONNECTOR_PREFIX}/`),
  });

  const onHandoff = async (input: HandoffInput) => {
    handoff.requestedByChart(input);
    logger.info({ conversation: input.conversationId, reason: input.reason, locale: input.locale }, 'handoff requested');
  };

  // Nudges live in the shared store, so whichever instance polls first sends each one, once.
  const nudges = config.nudge.afterMs > 0 ? { scheduler: new NudgeScheduler(store), afterMs: config.nudge.afterMs } : undefined;
  engine = new ConversationEngine({
    store: new ConversationStore(store, Math.max(config.policy.conversationIdleMs * 4, 24 * 3600_000)),
    parser,
    clock,
    verification,
    ownerCheck,
    reset,
    idleLimitMs: config.policy.conversationIdleMs,
    repromptLimit: config.policy.repromptLimit,
    onHandoff,
    relay: (conversationId, input, state) => handoff.relay(conversationId, input, state),
    recordTurn: (conversationId, input, says, secret) => handoff.recordTurn(conversationId, input, says, secret),
    locks: new ConversationLocks(store),
    deliveryTrouble: (channel) => deliveryHealth.isTroubled(channel),
    nudges,
  });
  bot = new ClaveBot(engine, renderDefaults, (turn) => metrics.observeTurn(turn), {
    onEvent: (context) => handoff.onHandoffEvent(context),
    afterTurn: (context, turn) => handoff.afterTurn(context, turn),
  });
  handoff.start();
  const nudgePoller = nudges
    ? startNudgePoller({
        scheduler: nudges.scheduler,
        clock,
        intervalMs: config.nudge.pollMs,
        deliver: (conversationId) => dispatchAndTell(conversationId, { type: 'NUDGE' }, 'could not send a nudge'),
        // The error's name only: some messages (a busy conversation) carry the conversation id.
        onError: (error, during) => logger.warn({ err: error.name, during }, 'nudges could not be handled'),
      })
    : null;

  const inFlight = new InFlightRequests();
  const server = createServer({
    adapter,
    bot,
    logger,
    inFlight,
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
    publicBaseUrl: config.publicBaseUrl,
    trustProxyHops: config.trustProxyHops,
  });
  if (config.devRoutes && outbox) registerOutboxPage(server, { outbox, brand: config.brandName });
  if (config.handoff.agents.length) {
    registerAgentConsole(server, {
      service: handoff,
      sessions: new AgentSessions(store, secrets, clock),
      agents: config.handoff.agents,
      audit,
      logger,
      brand: config.brandName,
      secureCookies: config.publicBaseUrl.startsWith('https://'),
    });
  }
  registerMetricsRoute(server, { registry: metrics.registry, token: config.metricsToken, production: config.env === 'production' });
  if (config.directLineEnabled) {
    registerWebWidget(server, {
      log: new MemoryActivityLog(clock),
      secrets,
      clock,
      logger,
      brand: config.brandName,
      brandColor: config.brandColor,
      embedOrigins: config.embedOrigins,
      outboxUrl: config.devRoutes && outbox ? OUTBOX_PAGE_PATH : undefined,
      tokensPerMinute: config.directLineTokensPerMinute,
      trustProxyHops: config.trustProxyHops,
      publicBaseUrl: config.publicBaseUrl,
    });
  }

  let closing: Promise<void> | null = null;
  return {
    server,
    engine,
    outbox,
    delivery,
    securityEvents,
    store,
    directory,
    logger,
    handoff,
    close() {
      closing ??= (async () => {
        // Readiness fails from here on; no new connections; turns already received are finished.
        inFlight.beginClosing();
        // Nudges not yet claimed stay in the store for the instances that keep running.
        await nudgePoller?.stop();
        // What agents asked for and this instance has not carried out stays in the store for the others.
        await handoff.stop();
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        if (inFlight.size) logger.info({ inFlight: inFlight.size }, 'waiting for turns in flight');
        if (!(await inFlight.whenIdle(IN_FLIGHT_WAIT_MS))) {
          logger.warn({ inFlight: inFlight.size, waitedMs: IN_FLIGHT_WAIT_MS }, 'turns still in flight; closing anyway');
        }
        // Idle kept-alive connections would hold close() open until they time out.
        server.server.closeAllConnections();
        await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
        await delivery.drain();
        // Wrong owner answers are counted after the reply; they still count toward the lockout.
        await ownerCheck.settled();
        // Last of what writes audit lines (a lockout above is one); bounded, as a directory that is down is not.
        await securityEvents?.close();
        await store.close();
      })();
      return closing;
    },
  };
}
