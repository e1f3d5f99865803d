// The web channel in one call for the composition root: the local Direct Line endpoint and the widget page
// that uses it. The activity log is built by the caller (it is a store, and may become a shared one).
import type { Server } from 'restify';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Secrets } from '../services/secrets.js';
import type { ActivityLog } from './directline/activity-log.js';
import { registerDirectLine, type DirectLineChannel } from './directline/directline-routes.js';
import { MintLimiter } from './directline/mint-limiter.js';
import { DirectLineTokens } from './directline/tokens.js';
import { registerWidgetPage } from './widget-page.js';

export interface WebWidgetDeps {
  log: ActivityLog;
  secrets: Secrets;
  clock: Clock;
  logger: Logger;
  brand: string;
  brandColor: string;
  /** The development outbox page, linked from the widget when development routes are on. */
  outboxUrl?: string | undefined;
  /** Origins that may frame the widget page (the embed snippet, GET /embed.js). */
  embedOrigins?: string[];
  /** DIRECT_LINE_TOKENS_PER_MINUTE per client address, and TRUST_PROXY_HOPS for telling clients apart. */
  tokensPerMinute: number;
  trustProxyHops: number;
  /** PUBLIC_BASE_URL, whose scheme decides ws:// or wss:// stream URLs (with TLS and trusted proxies). */
  publicBaseUrl?: string;
}

/** The bot's account id in Direct Line conversations. */
export const BOT_ACCOUNT_ID = 'clave-bot';

export function registerWebWidget(server: Server, deps: WebWidgetDeps): DirectLineChannel {
  const channel = registerDirectLine(server, {
    log: deps.log,
    tokens: new DirectLineTokens(deps.secrets, deps.clock),
    secrets: deps.secrets,
    logger: deps.logger,
    bot: { id: BOT_ACCOUNT_ID, name: deps.brand },
    mintLimiter: new MintLimiter({ perMinute: deps.tokensPerMinute, clock: deps.clock }),
    trustProxyHops: deps.trustProxyHops,
    publicBaseUrl: deps.publicBaseUrl,
  });
  registerWidgetPage(server, {
    brand: deps.brand,
    brandColor: deps.brandColor,
    embedOrigins: deps.embedOrigins ?? [],
    ...(deps.outboxUrl ? { outboxUrl: deps.outboxUrl } : {}),
  });
  return channel;
}
