// Every environment variable Clave reads, as one schema checked at start-up. A bad value stops the
// process with a message naming the variable; defaults give the embedded, keyless development setup.
import { z } from 'zod';

const minutes = (n: number) => n * 60_000;

const boolFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const optionalUrl = z.url().optional();

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
  SENDS_PER_15_MINUTES: z.coerce.number().int().min(1).max(10).default(3),
  SENDS_PER_DAY: z.coerce.number().int().min(1).max(50).default(10),
  RESEND_COOLDOWN_SECONDS: z.coerce.number().int().min(0).max(600).default(30),
  RESET_LINK_TTL_MINUTES: z.coerce.number().min(1).max(15, 'must be at most 15 (SECURITY.md 18)').default(15),
  CONVERSATION_IDLE_MINUTES: z.coerce.number().min(1).max(24 * 60).default(30),
  REPROMPT_LIMIT: z.coerce.number().int().min(1).max(10).default(3),
  /** Region assumed for phone numbers typed without a country code (ISO 3166 alpha-2). */
  DEFAULT_PHONE_REGION: z.string().regex(/^[A-Z]{2}$/, 'must be a two-letter country code like US or MX').default('US'),
  /** Below this classifier confidence the bot asks again instead of guessing. */
  CLASSIFIER_THRESHOLD: z.coerce.number().min(0).max(1).default(0.5),
  /** Where audit lines go: "stdout", "off", or a file path (append-only JSON lines). */
  AUDIT_LOG: z.string().min(1).default('stdout'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'silent']).default('info'),
  /** Main colour of the web widget; text on it is white or black, whichever reads better. */
  BRAND_COLOR: z
    .string()
    .regex(/^#?[0-9a-fA-F]{6}$/, 'must be a colour like 6B21A8 or #6B21A8')
    .transform((v) => `#${v.replace('#', '').toUpperCase()}`)
    .default('#6B21A8'),
  /** The local Direct Line channel and the web widget at "/"; default on when no app credentials are set. */
  DIRECT_LINE_ENABLED: boolFromEnv.optional(),
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
  secretKey: string | undefined;
  bot: { appId: string; appPassword: string; appType: string; tenantId: string };
  devRoutes: boolean;
  logLevel: RawConfig['LOG_LEVEL'];
  defaultPhoneRegion: string;
  classifierThreshold: number;
  auditLog: string;
  policy: Policy;
  /** #rrggbb, for the web widget. */
  brandColor: string;
  /** Serve the local Direct Line channel and the web widget (needs no app credentials: it posts to /api/messages unauthenticated). */
  directLineEnabled: boolean;
}

/** The numbers behind SECURITY.md sections B, C and F, in milliseconds where they are durations. */
export interface Policy {
  codeDigits: number;
  codeTtlMs: number;
  codeMaxTries: number;
  accountFailuresPerWindow: number;
  failureWindowMs: number;
  lockoutMs: number;
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

/** Parses the environment; throws a ConfigError whose lines each name the offending variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings in .env files mean "unset", not "invalid".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
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
    defaultPhoneRegion: c.DEFAULT_PHONE_REGION,
    classifierThreshold: c.CLASSIFIER_THRESHOLD,
    auditLog: c.AUDIT_LOG,
    brandColor: c.BRAND_COLOR,
    directLineEnabled: c.DIRECT_LINE_ENABLED ?? !c.MICROSOFT_APP_ID,
    policy: {
      codeDigits: c.CODE_DIGITS,
      codeTtlMs: minutes(c.CODE_TTL_MINUTES),
      codeMaxTries: c.CODE_MAX_TRIES,
      accountFailuresPerWindow: c.ACCOUNT_FAILURES_PER_HOUR,
      failureWindowMs: minutes(60),
      lockoutMs: minutes(c.LOCKOUT_MINUTES),
      sendsPer15Minutes: c.SENDS_PER_15_MINUTES,
      sendsPerDay: c.SENDS_PER_DAY,
      resendCooldownMs: c.RESEND_COOLDOWN_SECONDS * 1000,
      resetLinkTtlMs: minutes(c.RESET_LINK_TTL_MINUTES),
      conversationIdleMs: minutes(c.CONVERSATION_IDLE_MINUTES),
      repromptLimit: c.REPROMPT_LIMIT,
    },
  };
}
