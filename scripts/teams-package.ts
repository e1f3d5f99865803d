// Builds the Microsoft Teams app package (`npm run teams:package [-- --out <dir>]`): dist/teams/<brand>-teams.zip
// with manifest.json, its Spanish language file and the two icons, all from configuration (.env.example).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { locales } from '../dialogs/catalog.js';
import type { Locale } from '../machines/recovery.types.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { COLOR_ICON_SIZE, OUTLINE_ICON_SIZE, colorKeyIcon, outlineKeyIcon } from './teams/key-icon.js';
import { TeamsPackageError, buildLocalization, buildManifest, type TeamsAppSettings } from './teams/manifest.js';
import { pngSize } from './teams/png.js';
import { writeZip, type ZipEntry } from './teams/zip.js';

const root = fileURLToPath(new URL('..', import.meta.url));
export const defaultOutDir = join(root, 'dist', 'teams');

/** The variables only the package reads; empty means unset, as in src/config.ts. */
const teamsEnvSchema = z.object({
  MICROSOFT_APP_ID: z.string().trim().default(''),
  PUBLIC_BASE_URL: z.string().trim().optional(),
  TEAMS_APP_VERSION: z.string().trim().optional(),
  TEAMS_PRIVACY_URL: z.string().trim().optional(),
  TEAMS_TERMS_URL: z.string().trim().optional(),
  /** Paths to PNG files that replace the default key icons. */
  TEAMS_ICON_COLOR: z.string().optional(),
  TEAMS_ICON_OUTLINE: z.string().optional(),
});

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

/** `Acme Streaming+` → `acme-streaming`: a file name from the brand. */
export function brandSlug(brand: string): string {
  const slug = brand
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug || 'clave';
}

/** A configured icon (a path to a PNG of the right size), or the default; problems name the variable. */
function icon(path: string | undefined, variable: string, size: number, fallback: () => Buffer, problems: string[]): Buffer {
  if (!path) return fallback();
  let png: Buffer;
  try {
    png = readFileSync(resolve(path));
  } catch (error) {
    problems.push(`${variable}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    return Buffer.alloc(0);
  }
  const found = pngSize(png);
  if (!found) problems.push(`${variable}: ${path} is not a PNG file`);
  else if (found.width !== size || found.height !== size) {
    problems.push(`${variable}: ${path} is ${found.width}×${found.height}; Teams needs ${size}×${size}`);
  }
  return png;
}

/** Problems from a step that may fail with a TeamsPackageError, kept so one run reports all of them. */
function attempt<T>(work: () => T, problems: string[]): T | null {
  try {
    return work();
  } catch (error) {
    if (!(error instanceof TeamsPackageError)) throw error;
    problems.push(...error.problems);
    return null;
  }
}

export interface TeamsPackage {
  zipPath: string;
  manifest: Record<string, unknown>;
}

/** Builds the zip into `outDir`; throws ConfigError or TeamsPackageError naming each setting to fix. */
export function buildTeamsPackage(options: { env?: NodeJS.ProcessEnv; outDir?: string } = {}): TeamsPackage {
  const env = Object.fromEntries(Object.entries(options.env ?? process.env).filter(([, v]) => v !== undefined && v !== ''));
  const config = loadConfig(env);
  const teams = teamsEnvSchema.parse(env);
  const publicBaseUrl = teams.PUBLIC_BASE_URL ? config.publicBaseUrl : '';
  const settings: TeamsAppSettings = {
    appId: teams.MICROSOFT_APP_ID,
    publicBaseUrl,
    brandName: config.brandName,
    brandColor: config.brandColor,
    appVersion: teams.TEAMS_APP_VERSION ?? packageVersion(),
    privacyUrl: teams.TEAMS_PRIVACY_URL ?? publicBaseUrl,
    termsUrl: teams.TEAMS_TERMS_URL ?? publicBaseUrl,
  };

  const problems: string[] = [];
  const manifest = attempt(() => buildManifest(settings), problems);
  const languages = (manifest?.localizationInfo as { additionalLanguages?: { languageTag: string; file: string }[] } | undefined)
    ?.additionalLanguages ?? [];
  const languageFiles: ZipEntry[] = [];
  for (const { languageTag, file } of languages) {
    const locale = locales.find((l) => languageTag.toLowerCase().split('-')[0] === l) as Locale | undefined;
    if (!locale) {
      problems.push(`manifest.template.json: no catalog for language ${languageTag} (dialogs/locales has ${locales.join(', ')})`);
      continue;
    }
    const localization = attempt(() => buildLocalization(locale, settings), problems);
    if (localization) languageFiles.push({ name: file, data: Buffer.from(`${JSON.stringify(localization, null, 2)}\n`) });
  }
  const color = icon(teams.TEAMS_ICON_COLOR, 'TEAMS_ICON_COLOR', COLOR_ICON_SIZE, () => colorKeyIcon(config.brandColor), problems);
  const outline = icon(teams.TEAMS_ICON_OUTLINE, 'TEAMS_ICON_OUTLINE', OUTLINE_ICON_SIZE, outlineKeyIcon, problems);
  if (problems.length || !manifest) throw new TeamsPackageError(problems);

  const icons = manifest.icons as { color: string; outline: string };
  const zip = writeZip([
    { name: 'manifest.json', data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`) },
    ...languageFiles,
    { name: icons.color, data: color },
    { name: icons.outline, data: outline },
  ]);
  const outDir = resolve(options.outDir ?? defaultOutDir);
  mkdirSync(outDir, { recursive: true });
  const zipPath = join(outDir, `${brandSlug(config.brandName)}-teams.zip`);
  writeFileSync(zipPath, zip);
  return { zipPath, manifest };
}

function main(argv: string[]): void {
  const at = argv.indexOf('--out');
  const outDir = at >= 0 ? argv[at + 1] : undefined;
  if (at >= 0 && !outDir) {
    process.stderr.write('usage: npm run teams:package [-- --out <dir>]\n');
    process.exit(2);
  }
  try {
    const { zipPath } = buildTeamsPackage({ outDir });
    process.stdout.write(`Teams app package: ${zipPath}\nUpload it in Teams (Apps > Manage your apps > Upload an app) or in the Teams admin center.\n`);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof TeamsPackageError) {
      process.stderr.write(`${error.message}\nSee .env.example for every variable.\n`);
      process.exit(1);
    }
    throw error;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main(process.argv.slice(2));
