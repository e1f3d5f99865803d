// Every environment variable Clave reads, as one schema checked at start-up. A bad value stops the
// process with a message naming the variable; defaults give the embedded, keyless development setup.
import { isIP } from 'node:net';
import { z } from 'zod';
import { DEV_AGENT, parseAgentUsers, type AgentUser } from './handoff/agent-users.js';
import { isValidTimeZone, parseHoursRules, type BusinessHours } from './handoff/business-hours.js';

const minutes = (n: number) => n * 60_000;

const boolFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const optionalUrl = z.url().optional();

/** Free tries first, then 30 s doubling up to 15 minutes (SECURITY.md 9). */
export const DEFAULT_ATTEMPT_DELAYS_SECONDS = [0, 0, 0, 30, 60, 120, 240, 480, 900] as const;

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3978),
  HOST: z.string().min(1).default('0.0.0.0'),
  PUBLIC_BASE_URL: z.url().optional(),
  BRAND_NAME: z.string().trim().min(1).max(60).default('StreamFlix Demo'),
  ACCOUNTS_FILE: z.string().min(1).optional(),
  /** A company's identity system behind docs/directory-api.openapi.yaml; unset = the demo directory (ACCOUNTS_FILE). */
  DIRECTORY_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Bearer token for DIRECTORY_URL; required when it is set. */
  DIRECTORY_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  DIRECTORY_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(3000),
  REDIS_URL: optionalUrl,
  SMTP_URL: optionalUrl,
  /** From header of emails, e.g. "StreamFlix <no-reply@example.com>"; default: the brand at no-reply@localhost. */
  SMTP_FROM: z.string().trim().regex(/@/, 'must be an address like "Brand <no-reply@example.com>"').optional(),
  /** Verify the SMTP server's certificate (default true); false only for a local relay with a self-signed one. */
  SMTP_TLS_REJECT_UNAUTHORIZED: boolFromEnv.optional(),
  /** Refuse to send email unless the connection is encrypted, so a stripped STARTTLS cannot expose codes. */
  SMTP_REQUIRE_TLS: boolFromEnv.optional(),
  TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be an Account SID: AC and 32 hex digits').optional(),
  TWILIO_AUTH_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  TWILIO_FROM: z
    .string()
    .regex(
      /^(\+[1-9]\d{6,14}|MG[0-9a-fA-F]{32}|(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11})$/,
      'must be an E.164 number like +15005550006, a Messaging Service SID (MG…) or a sender id of up to 11 letters and digits',
    )
    .optional(),
  TWILIO_BASE_URL: z.url({ protocol: /^https?$/ }).default('https://api.twilio.com'),
  /** Any other SMS gateway: a signed JSON webhook (src/services/sms/README.md). */
  SMS_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
  SMS_WEBHOOK_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SMS_TIMEOUT_MS: z.coerce.number().int().min(500).max(60_000).default(5000),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: optionalUrl,
  OPENAI_MODEL: z.string().min(1).default('gpt-4o-mini'),
  /** Whole budget of one language-model classification, retry included; past it the offline answer stands. */
  LLM_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(3000),
  /** Below this offline-classifier confidence the language model is asked (when OPENAI_* is set). */
  LLM_THRESHOLD: z.coerce.number().min(0).max(1).default(0.6),
  /** Consecutive language-model failures that open the circuit breaker, and how long it stays open. */
  LLM_BREAKER_FAILURES: z.coerce.number().int().min(1).max(100).default(5),
  LLM_BREAKER_COOLDOWN_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  /** Language-model answers kept by normalised (redacted) text; 0 turns the cache off. */
  LLM_CACHE_SIZE: z.coerce.number().int().min(0).max(100_000).default(1000),
  LLM_CACHE_TTL_SECONDS: z.coerce.number().int().min(1).max(7 * 24 * 3600).default(3600),
  /** Server key for HMACs over codes, tokens and CSRF; random per process when unset (development only). */
  SECRET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  MICROSOFT_APP_ID: z.string().optional(),
  MICROSOFT_APP_PASSWORD: z.string().optional(),
  MICROSOFT_APP_TYPE: z.enum(['SingleTenant', 'UserAssignedMSI', 'MultiTenant']).optional(),
  MICROSOFT_APP_TENANT_ID: z.string().optional(),
  DEV_ROUTES: boolFromEnv.optional(),
  CODE_DIGITS: z.coerce.number().int().min(6).max(10).default(6),
  CODE_TTL_MINUTES: z.coerce.number().min(1).max(10, 'must be at most 10 (SECURITY.md 4)').default(10),
  CODE_MAX_TRIES: z.coerce.number().int().min(1).max(10).default(5),
  ACCOUNT_FAILURES_PER_HOUR: z.coerce.number().int().min(1).max(100, 'must be at most 100 (NIST)').default(10),
  LOCKOUT_MINUTES: z.coerce.number().min(1).max(24 * 60).default(60),
  /**
   * Seconds an account waits after its 1st, 2nd, … failed try before the next try is checked (SECURITY.md 9);
   * the last value repeats. The first tries are free, so a typo costs nothing.
   */
  ATTEMPT_DELAYS_SECONDS: z
    .string()
    .regex(/^\s*\d{1,4}(\s*,\s*\d{1,4}){0,99}\s*$/, 'must be seconds separated by commas, like 0,0,0,30,60,120,240,480,900')
    .transform((v) => v.split(',').map((n) => Number(n.trim())))
    .refine((delays) => delays.every((n) => n <= 3600), 'each delay must be at most 3600 seconds')
    .default([...DEFAULT_ATTEMPT_DELAYS_SECONDS]),
  SENDS_PER_15_MINUTES: z.coerce.number().int().min(1).max(10).default(3),
  SENDS_PER_DAY: z.coerce.number().int().min(1).max(50).default(10),
  RESEND_COOLDOWN_SECONDS: z.coerce.number().int().min(0).max(600).default(30),
  RESET_LINK_TTL_MINUTES: z.coerce.number().min(1).max(15, 'must be at most 15 (SECURITY.md 18)').default(15),
  CONVERSATION_IDLE_MINUTES: z.coerce.number().min(1).max(24 * 60).default(30),
  REPROMPT_LIMIT: z.coerce.number().int().min(1).max(10).default(3),
  /** Quiet seconds while a code is pending before "Didn't get the code?"; 0 turns the nudge off. */
  NUDGE_AFTER_SECONDS: z.coerce.number().int().min(0).max(3600).default(120),
  /** How often each instance looks for nudges that are due. */
  NUDGE_POLL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  /** Region assumed for phone numbers typed without a country code (ISO 3166 alpha-2). */
  DEFAULT_PHONE_REGION: z.string().regex(/^[A-Z]{2}$/, 'must be a two-letter country code like US or MX').default('US'),
  /** Below this classifier confidence the bot asks again instead of guessing. */
  CLASSIFIER_THRESHOLD: z.coerce.number().min(0).max(1).default(0.5),
  /** Where audit lines go: "stdout", "off", or a file path (append-only JSON lines). */
  AUDIT_LOG: z.string().min(1).default('stdout'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'silent']).default('info'),
  /** Bearer token for GET /metrics; without it /metrics is open in development and absent in production. */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Main colour of the web widget; text on it is white or black, whichever reads better. */
  BRAND_COLOR: z
    .string()
    .regex(/^#?[0-9a-fA-F]{6}$/, 'must be a colour like 6B21A8 or #6B21A8')
    .transform((v) => `#${v.replace('#', '').toUpperCase()}`)
    .default('#6B21A8'),
  /** The local Direct Line channel and the web widget at "/"; default on when no app credentials are set. */
  DIRECT_LINE_ENABLED: boolFromEnv.optional(),
  /**
   * New Direct Line tokens (each a new conversation) one client address may mint per minute; a page makes one
   * per visit and refreshes it without minting, so only a script reaches this.
   */
  DIRECT_LINE_TOKENS_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(20),
  /**
   * Proxies of ours in front of Clave that append to X-Forwarded-For (Azure App Service: 1). 0 = the socket's
   * peer is the client; behind a proxy that peer is the proxy, and every visitor would share one limit.
   */
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  /** Sites that may embed the widget (GET /embed.js): comma-separated origins, https (http only for localhost). */
  EMBED_ALLOWED_ORIGINS: z
    .string()
    .transform((v, ctx) => {
      try {
        return parseEmbedOrigins(v);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    })
    .optional(),
  /** Human handoff: the built-in agent console at /agent, the Bot Framework handoff protocol, or both. */
  HANDOFF_MODE: z.enum(['console', 'protocol', 'both']).default('console'),
  /** Console agents: name:scrypt-hash,... (npm run agent:hash); name:password only outside production. */
  AGENT_USERS: z
    .string()
    .transform((v, ctx) => {
      try {
        return parseAgentUsers(v);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    })
    .optional(),
  /** When a person can take the chat, e.g. "Mon-Fri 09:00-18:00; Sat 10:00-14:00"; unset = always. */
  HANDOFF_HOURS: z
    .string()
    .transform((v, ctx) => {
      try {
        return parseHoursRules(v);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    })
    .optional(),
  HANDOFF_TIMEZONE: z.string().refine(isValidTimeZone, 'must be an IANA time zone like Europe/Madrid or America/Mexico_City').default('UTC'),
  /** Where after-hours tickets go (email, through SMTP_URL). */
  SUPPORT_INBOX: z.email().optional(),
  /** Before a handoff, ask for the card's last four digits and billing postal code; the agent hears only matched or not. */
  OWNER_CHECK: z.enum(['on', 'off']).default('on'),
  /** The legacy security question before a handoff (SECURITY.md 17): off by default; never enough on its own. */
  SECURITY_QUESTION: z.enum(['off', 'on']).default('off'),
});

export type RawConfig = z.infer<typeof configSchema>;

export interface Config {
  env: RawConfig['NODE_ENV'];
  port: number;
  host: string;
  publicBaseUrl: string;
  brandName: string;
  accountsFile: string | undefined;
  /** The HTTP account directory; null = the demo directory from accountsFile. */
  directory: { url: string; token: string | undefined; timeoutMs: number } | null;
  redisUrl: string | undefined;
  smtpUrl: string | undefined;
  /** Email delivery settings beyond SMTP_URL. */
  smtp: { from: string | undefined; tlsRejectUnauthorized: boolean; requireTls: boolean };
  /** SMS through Twilio (all three credentials) or a signed webhook; neither = development outbox. */
  sms: {
    twilio: { accountSid: string | undefined; authToken: string | undefined; from: string | undefined; baseUrl: string };
    webhook: { url: string | undefined; secret: string | undefined };
    timeoutMs: number;
  };
  openai: { apiKey: string | undefined; baseUrl: string | undefined; model: string };
  /** How the language-model classifier is used; only when openai.apiKey or openai.baseUrl is set. */
  llm: { timeoutMs: number; threshold: number; breakerFailures: number; breakerCooldownMs: number; cacheSize: number; cacheTtlMs: number };
  secretKey: string | undefined;
  bot: { appId: string; appPassword: string; appType: string; tenantId: string };
  devRoutes: boolean;
  logLevel: RawConfig['LOG_LEVEL'];
  metricsToken: string | undefined;
  defaultPhoneRegion: string;
  classifierThreshold: number;
  auditLog: string;
  policy: Policy;
  /** The nudge while a code is pending: afterMs 0 = off; pollMs = how often each instance looks for due ones. */
  nudge: { afterMs: number; pollMs: number };
  /** #rrggbb, for the web widget. */
  brandColor: string;
  /** Serve the local Direct Line channel and the web widget (needs no app credentials: it posts to /api/messages unauthenticated). */
  directLineEnabled: boolean;
  /** Per-client limit on minting Direct Line tokens (DIRECT_LINE_TOKENS_PER_MINUTE). */
  directLineTokensPerMinute: number;
  /** How many proxies of ours append to X-Forwarded-For; 0 = trust only the socket (TRUST_PROXY_HOPS). */
  trustProxyHops: number;
  /**
   * Origins that may frame the widget page (CSP frame-ancestors): EMBED_ALLOWED_ORIGINS, plus any
   * http://localhost and http://127.0.0.1 port in development. Empty = the widget page cannot be framed.
   */
  embedOrigins: string[];
  /** Human handoff (src/handoff/): how it reaches agents, who may sign in to the console, the desk's hours. */
  handoff: HandoffConfig;
  /** Owner identification asked before a handoff (src/services/owner-check.ts). */
  ownerCheck: { paymentDetails: boolean; securityQuestion: boolean };
}

export interface HandoffConfig {
  mode: 'console' | 'protocol' | 'both';
  /** Who may sign in to the console at /agent; empty = no console. */
  agents: AgentUser[];
  /** Null = always open. */
  hours: BusinessHours | null;
  supportInbox: string | undefined;
}

/** Settings of the handoff that only make sense together; each line names the variable to change. */
export function handoffProblems(c: RawConfig): string[] {
  const problems: string[] = [];
  if (c.NODE_ENV === 'production' && c.AGENT_USERS?.some((u) => u.passwordHash === null)) {
    problems.push('AGENT_USERS: plain passwords are for development only; in production give scrypt hashes (npm run agent:hash -- <password>)');
  }
  if (c.HANDOFF_HOURS && !c.SUPPORT_INBOX) {
    problems.push('SUPPORT_INBOX: required when HANDOFF_HOURS is set (after hours, tickets go to this address instead of an empty wait)');
  }
  return problems;
}

function handoffConfigOf(c: RawConfig, devRoutes: boolean): HandoffConfig {
  // The development agent exists only where development routes do: never in production.
  const devAgent: AgentUser = { name: DEV_AGENT.name, passwordHash: null, plainPassword: DEV_AGENT.password };
  const agents = c.AGENT_USERS ?? (devRoutes ? [devAgent] : []);
  return {
    mode: c.HANDOFF_MODE,
    agents: c.HANDOFF_MODE === 'protocol' ? [] : agents,
    hours: c.HANDOFF_HOURS ? { rules: c.HANDOFF_HOURS, timeZone: c.HANDOFF_TIMEZONE } : null,
    supportInbox: c.SUPPORT_INBOX,
  };
}

/** The numbers behind SECURITY.md sections B, C and F, in milliseconds where they are durations. */
export interface Policy {
  codeDigits: number;
  codeTtlMs: number;
  codeMaxTries: number;
  accountFailuresPerWindow: number;
  failureWindowMs: number;
  lockoutMs: number;
  /** Wait after the n-th failure on an account (index n-1; the last repeats) before a try is checked again. */
  attemptDelaysMs: number[];
  sendsPer15Minutes: number;
  sendsPerDay: number;
  resendCooldownMs: number;
  resetLinkTtlMs: number;
  conversationIdleMs: number;
  repromptLimit: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Loopback, private, link-local and single-label names: nobody outside can open a link built on them. */
function isPublicHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (isIP(host) === 4) {
    const [a = 0, b = 0] = host.split('.').map(Number);
    return !(a === 0 || a === 10 || a === 127 || (a === 100 && b >= 64 && b < 128) || (a === 169 && b === 254) || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168));
  }
  if (isIP(host) === 6) return !(host === '::' || host === '::1' || /^f[cd]|^fe[89ab]/.test(host));
  return host.includes('.') && !/(^|\.)(localhost|local|internal|lan|home\.arpa)$/.test(host);
}

/**
 * SECURITY.md 22: production never runs on development stand-ins. Each line names a missing setting;
 * the values themselves are checked by the schema.
 */
export function productionProblems(env: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  const need = (name: string, why: string) => {
    if (!env[name]) problems.push(`${name}: required in production (${why})`);
  };
  const appType = env.MICROSOFT_APP_TYPE ?? 'SingleTenant';
  need('MICROSOFT_APP_ID', 'the Azure Bot app id; without it the channel is not authenticated');
  if (appType !== 'UserAssignedMSI') need('MICROSOFT_APP_PASSWORD', `the app's client secret for ${appType}`);
  if (appType !== 'MultiTenant') need('MICROSOFT_APP_TENANT_ID', `the Entra tenant of a ${appType} bot`);
  if (!env.PUBLIC_BASE_URL) {
    problems.push('PUBLIC_BASE_URL: required in production (the public https:// address reset links are built on)');
  } else if (URL.canParse(env.PUBLIC_BASE_URL)) {
    const url = new URL(env.PUBLIC_BASE_URL);
    if (url.protocol !== 'https:') problems.push('PUBLIC_BASE_URL: must be https:// in production');
    else if (!isPublicHost(url.hostname)) problems.push('PUBLIC_BASE_URL: must be a public address in production, not a local or private one');
  }
  need('SECRET_KEY', 'the server key for codes, links and CSRF; a random one per process breaks every second instance');
  need('SMTP_URL', 'email codes and notices; the development outbox is off in production');
  if (['false', '0', 'no'].includes(env.SMTP_TLS_REJECT_UNAUTHORIZED ?? '')) {
    problems.push('SMTP_TLS_REJECT_UNAUTHORIZED: must stay true in production (anyone in the path could read codes)');
  }
  const twilio = ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM'];
  const webhook = ['SMS_WEBHOOK_URL', 'SMS_WEBHOOK_SECRET'];
  const twilioStarted = twilio.some((name) => env[name]);
  const webhookStarted = webhook.some((name) => env[name]);
  if (twilioStarted) for (const name of twilio) need(name, 'Twilio needs all three TWILIO_* settings');
  if (webhookStarted) for (const name of webhook) need(name, 'the SMS webhook needs both SMS_WEBHOOK_* settings');
  if (!twilioStarted && !webhookStarted) {
    problems.push(
      'TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM or SMS_WEBHOOK_URL, SMS_WEBHOOK_SECRET: required in production (an SMS provider: Twilio or a signed webhook)',
    );
  }
  need('REDIS_URL', 'codes, counters and lockouts must be shared by every instance and survive a restart');
  // Without it the demo accounts file would quietly stand in for the company's identity system.
  need('DIRECTORY_URL', "the company's account directory (docs/directory-api.openapi.yaml); the demo accounts file is for development");
  need('DIRECTORY_TOKEN', 'the bearer token Clave sends to DIRECTORY_URL');
  return problems;
}

/** Parses the environment; throws a ConfigError whose lines each name the offending variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings in .env files mean "unset", not "invalid".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(cleaned);
  // Bad values and, in production, every missing setting are reported together, so one fix round is enough.
  const missing = [
    ...(cleaned.NODE_ENV === 'production' ? productionProblems(cleaned) : []),
    ...(parsed.success ? handoffProblems(parsed.data) : []),
  ];
  if (!parsed.success || missing.length) {
    const invalid = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError([...invalid, ...missing]);
  }
  const c = parsed.data;
  const port = c.PORT;
  return {
    env: c.NODE_ENV,
    port,
    host: c.HOST,
    publicBaseUrl: (c.PUBLIC_BASE_URL ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    brandName: c.BRAND_NAME,
    accountsFile: c.ACCOUNTS_FILE,
    directory: c.DIRECTORY_URL
      ? { url: c.DIRECTORY_URL, token: c.DIRECTORY_TOKEN, timeoutMs: c.DIRECTORY_TIMEOUT_MS }
      : null,
    redisUrl: c.REDIS_URL,
    smtpUrl: c.SMTP_URL,
    smtp: {
      from: c.SMTP_FROM,
      tlsRejectUnauthorized: c.SMTP_TLS_REJECT_UNAUTHORIZED ?? true,
      requireTls: c.SMTP_REQUIRE_TLS ?? false,
    },
    sms: {
      twilio: { accountSid: c.TWILIO_ACCOUNT_SID, authToken: c.TWILIO_AUTH_TOKEN, from: c.TWILIO_FROM, baseUrl: c.TWILIO_BASE_URL },
      webhook: { url: c.SMS_WEBHOOK_URL, secret: c.SMS_WEBHOOK_SECRET },
      timeoutMs: c.SMS_TIMEOUT_MS,
    },
    openai: { apiKey: c.OPENAI_API_KEY, baseUrl: c.OPENAI_BASE_URL, model: c.OPENAI_MODEL },
    llm: {
      timeoutMs: c.LLM_TIMEOUT_MS,
      threshold: c.LLM_THRESHOLD,
      breakerFailures: c.LLM_BREAKER_FAILURES,
      breakerCooldownMs: c.LLM_BREAKER_COOLDOWN_SECONDS * 1000,
      cacheSize: c.LLM_CACHE_SIZE,
      cacheTtlMs: c.LLM_CACHE_TTL_SECONDS * 1000,
    },
    secretKey: c.SECRET_KEY,
    bot: {
      appId: c.MICROSOFT_APP_ID ?? '',
      appPassword: c.MICROSOFT_APP_PASSWORD ?? '',
      appType: c.MICROSOFT_APP_TYPE ?? 'SingleTenant',
      tenantId: c.MICROSOFT_APP_TENANT_ID ?? '',
    },
    // Development routes show codes; production never serves them (SECURITY.md 22).
    devRoutes: c.NODE_ENV === 'production' ? false : (c.DEV_ROUTES ?? true),
    logLevel: c.LOG_LEVEL,
    metricsToken: c.METRICS_TOKEN,
    defaultPhoneRegion: c.DEFAULT_PHONE_REGION,
    classifierThreshold: c.CLASSIFIER_THRESHOLD,
    auditLog: c.AUDIT_LOG,
    brandColor: c.BRAND_COLOR,
    directLineEnabled: c.DIRECT_LINE_ENABLED ?? !c.MICROSOFT_APP_ID,
    directLineTokensPerMinute: c.DIRECT_LINE_TOKENS_PER_MINUTE,
    trustProxyHops: c.TRUST_PROXY_HOPS,
    embedOrigins: [
      ...(c.EMBED_ALLOWED_ORIGINS ?? []),
      ...(c.NODE_ENV === 'development' ? ['http://localhost:*', 'http://127.0.0.1:*'] : []),
    ],
    handoff: handoffConfigOf(c, c.NODE_ENV === 'production' ? false : (c.DEV_ROUTES ?? true)),
    nudge: { afterMs: c.NUDGE_AFTER_SECONDS * 1000, pollMs: c.NUDGE_POLL_MS },
    ownerCheck: { paymentDetails: c.OWNER_CHECK === 'on', securityQuestion: c.SECURITY_QUESTION === 'on' },
    policy: {
      codeDigits: c.CODE_DIGITS,
      codeTtlMs: minutes(c.CODE_TTL_MINUTES),
      codeMaxTries: c.CODE_MAX_TRIES,
      accountFailuresPerWindow: c.ACCOUNT_FAILURES_PER_HOUR,
      failureWindowMs: minutes(60),
      lockoutMs: minutes(c.LOCKOUT_MINUTES),
      attemptDelaysMs: c.ATTEMPT_DELAYS_SECONDS.map((seconds) => seconds * 1000),
      sendsPer15Minutes: c.SENDS_PER_15_MINUTES,
      sendsPerDay: c.SENDS_PER_DAY,
      resendCooldownMs: c.RESEND_COOLDOWN_SECONDS * 1000,
      resetLinkTtlMs: minutes(c.RESET_LINK_TTL_MINUTES),
      conversationIdleMs: minutes(c.CONVERSATION_IDLE_MINUTES),
      repromptLimit: c.REPROMPT_LIMIT,
    },
  };
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * EMBED_ALLOWED_ORIGINS: "https://www.example.com, https://help.example.com". Each entry is an origin only
 * (scheme, host, optional port; no path, no wildcard), https, or http for localhost; returned normalised.
 */
export function parseEmbedOrigins(value: string): string[] {
  const entries = value.split(',').map((e) => e.trim()).filter(Boolean);
  return entries.map((entry) => {
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      throw new Error(`"${entry}" is not an origin like https://www.example.com`);
    }
    const bare = entry.replace(/\/+$/, '').toLowerCase();
    if (entry.includes('*') || url.origin === 'null' || url.origin.toLowerCase() !== bare.replace(/:443$/, '').replace(/^(http:\/\/[^/]+):80$/, '$1')) {
      throw new Error(`"${entry}" must be an origin only (scheme, host and port; no path, query or wildcard), like https://www.example.com`);
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) {
      throw new Error(`"${entry}" must use https (http only for localhost)`);
    }
    return url.origin;
  });
}
