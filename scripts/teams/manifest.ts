// The Teams app manifest: deploymentTemplates/teams/manifest.template.json filled in from configuration and
// the catalogs, then checked with zod against the fields Teams requires. Every problem names the setting to fix.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { text } from '../../dialogs/catalog.js';
import type { Locale } from '../../machines/recovery.types.js';

/** The newest published manifest schema (MicrosoftTeams.schema.json v1.30, as shipped in @microsoft/app-manifest 1.1.2). */
export const MANIFEST_VERSION = '1.30';
export const manifestTemplatePath = fileURLToPath(new URL('../../deploymentTemplates/teams/manifest.template.json', import.meta.url));

/** Everything the package is built from, each field from one variable of .env.example. */
export interface TeamsAppSettings {
  /** MICROSOFT_APP_ID: the Azure Bot's app id, used as the Teams app id and the bot id. */
  appId: string;
  /** PUBLIC_BASE_URL, '' when unset (the development default, localhost, cannot be reached by Teams). */
  publicBaseUrl: string;
  brandName: string;
  brandColor: string;
  /** TEAMS_APP_VERSION; default the version in package.json. Teams wants a higher one for every update. */
  appVersion: string;
  /** TEAMS_PRIVACY_URL and TEAMS_TERMS_URL; default PUBLIC_BASE_URL. */
  privacyUrl: string;
  termsUrl: string;
}

export class TeamsPackageError extends Error {
  constructor(readonly problems: string[]) {
    super(`The Teams app package cannot be built:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'TeamsPackageError';
  }
}

const GUID = /^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/;
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
const HOST = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i;
const APP_ID = 'MICROSOFT_APP_ID must be set to the Azure Bot’s Microsoft App ID (a GUID)';
const BASE_URL = 'PUBLIC_BASE_URL must be set to the bot’s public https:// address';

const isHttpsUrl = (value: string) => {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
};
const httpsUrl = (message: string) => z.string().refine(isHttpsUrl, message);
const shortDescription = z.string().min(1).max(80, 'BRAND_NAME is too long for the 80-character short description');

/** The fields Teams requires (and the ones this bot depends on), with the limits of the v1.30 schema. */
export const teamsManifestSchema = z.object({
  $schema: z.string().refine(isHttpsUrl),
  manifestVersion: z.literal(MANIFEST_VERSION),
  version: z.string().regex(SEMVER, 'TEAMS_APP_VERSION must be a version like 1.2.3'),
  id: z.string().regex(GUID, APP_ID),
  developer: z.object({
    name: z.string().min(1, 'BRAND_NAME must be set'),
    websiteUrl: httpsUrl(BASE_URL),
    privacyUrl: httpsUrl('TEAMS_PRIVACY_URL (default PUBLIC_BASE_URL) must be an https:// address'),
    termsOfUseUrl: httpsUrl('TEAMS_TERMS_URL (default PUBLIC_BASE_URL) must be an https:// address'),
  }),
  name: z.object({
    short: z.string().min(1, 'BRAND_NAME must be set').max(30, 'BRAND_NAME must be at most 30 characters for Teams'),
    full: z.string().max(100, 'BRAND_NAME is too long for the 100-character full name').optional(),
  }),
  description: z.object({ short: shortDescription, full: z.string().min(1).max(4000) }),
  icons: z.object({ color: z.string().min(1), outline: z.string().min(1) }),
  accentColor: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'BRAND_COLOR must be a colour like #6B21A8'),
  bots: z
    .array(
      z.object({
        botId: z.string().regex(GUID, APP_ID),
        scopes: z
          .array(z.enum(['personal', 'team', 'groupChat', 'copilot']))
          .refine((scopes) => scopes.includes('personal'), 'the bot needs the personal scope: recovery only runs in 1:1 chats'),
        supportsFiles: z.literal(false),
      }),
    )
    .length(1),
  validDomains: z.array(z.string().regex(HOST, BASE_URL)).max(100),
});

export type TeamsManifest = z.infer<typeof teamsManifestSchema>;

/** A language file for the manifest (MicrosoftTeams.Localization.schema.json): the listing in one more language. */
export const teamsLocalizationSchema = z.object({
  $schema: z.string().refine(isHttpsUrl),
  'name.short': z.string().min(1).max(30, 'BRAND_NAME must be at most 30 characters for Teams'),
  'name.full': z.string().max(100, 'BRAND_NAME is too long for the 100-character full name'),
  'description.short': shortDescription,
  'description.full': z.string().min(1).max(4000),
});

export type TeamsLocalization = z.infer<typeof teamsLocalizationSchema>;

/** Zod's complaints as lines that start where they were found and name the setting; each said once. */
function problemsOf(error: z.ZodError, file: string): string[] {
  const lines = error.issues.map((issue) => ({ where: `${file} ${issue.path.join('.')}`, message: issue.message }));
  const seen = new Set<string>();
  return lines.filter(({ message }) => !seen.has(message) && seen.add(message)).map(({ where, message }) => `${where}: ${message}`);
}

/** The copy of the store listing in one language, from the catalogs (dialogs/locales). */
function listing(locale: Locale, brand: string) {
  return {
    nameFull: text(locale, 'teams_app_name_full', { brand }),
    descriptionShort: text(locale, 'teams_app_description_short', { brand }),
    descriptionFull: text(locale, 'teams_app_description_full', { brand }),
  };
}

/** Replaces every ${{NAME}} in the template's strings; a name the script does not know is a template error. */
function fill(node: unknown, values: Record<string, string>, unknown: Set<string>): unknown {
  if (typeof node === 'string') {
    return node.replace(/\$\{\{(\w+)\}\}/g, (_whole, name: string) => {
      if (name in values) return values[name]!;
      unknown.add(name);
      return '';
    });
  }
  if (Array.isArray(node)) return node.map((item) => fill(item, values, unknown));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, fill(value, values, unknown)]));
  }
  return node;
}

const hostOf = (url: string) => {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
};

/** The manifest for these settings; throws a TeamsPackageError listing every problem. */
export function buildManifest(settings: TeamsAppSettings, templatePath = manifestTemplatePath): Record<string, unknown> {
  const en = listing('en', settings.brandName);
  const unknown = new Set<string>();
  const manifest = fill(JSON.parse(readFileSync(templatePath, 'utf8')), {
    MICROSOFT_APP_ID: settings.appId,
    TEAMS_APP_VERSION: settings.appVersion,
    BRAND_NAME: settings.brandName,
    BRAND_COLOR: settings.brandColor,
    PUBLIC_BASE_URL: settings.publicBaseUrl,
    PUBLIC_HOST: hostOf(settings.publicBaseUrl),
    TEAMS_PRIVACY_URL: settings.privacyUrl,
    TEAMS_TERMS_URL: settings.termsUrl,
    NAME_FULL: en.nameFull,
    DESCRIPTION_SHORT: en.descriptionShort,
    DESCRIPTION_FULL: en.descriptionFull,
  }, unknown) as Record<string, unknown>;
  if (unknown.size) {
    throw new TeamsPackageError([...unknown].map((name) => `${templatePath} uses \${{${name}}}, which scripts/teams/manifest.ts does not fill`));
  }
  const checked = teamsManifestSchema.safeParse(manifest);
  if (!checked.success) throw new TeamsPackageError(problemsOf(checked.error, 'manifest.json'));
  return manifest;
}

/** The language file for `locale` (the manifest itself is in English). */
export function buildLocalization(locale: Locale, settings: TeamsAppSettings): TeamsLocalization {
  const copy = listing(locale, settings.brandName);
  const localization = {
    $schema: `https://developer.microsoft.com/json-schemas/teams/v${MANIFEST_VERSION}/MicrosoftTeams.Localization.schema.json`,
    'name.short': settings.brandName,
    'name.full': copy.nameFull,
    'description.short': copy.descriptionShort,
    'description.full': copy.descriptionFull,
  };
  const checked = teamsLocalizationSchema.safeParse(localization);
  if (!checked.success) throw new TeamsPackageError(problemsOf(checked.error, `${locale}.json`));
  return localization;
}
