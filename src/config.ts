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
  REDIS_URL: optionalUrl,
  SMTP_URL: optionalUrl,
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
});

export type RawConfig = z.infer<typeof configSchema>;

export interface Config {
  env: RawConfig['NODE_ENV'];
  port: number;
  host: string;
  publicBaseUrl: string;
  brandName: string;
  accountsFile: string | undefined;
  redisUrl: string | undefined;
  smtpUrl: string | undefined;
  openai: { apiKey: string | undefined; baseUrl: string | undefined; model: string };
  secretKey: string | undefined;
  bot: { appId: string; appPassword: string; appType: string; tenantId: string };
  devRoutes: boolean;
  logLevel: RawConfig['LOG_LEVEL'];
  defaultPhoneRegion: string;
  classifierThreshold: number;
  auditLog: string;
  policy: Policy;
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
    redisUrl: c.REDIS_URL,
    smtpUrl: c.SMTP_URL,
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
