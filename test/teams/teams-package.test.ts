// The Teams app package (`npm run teams:package`): built into a temporary directory from configuration,
// unzipped with an independent reader, and checked field by field; icons are decoded pixel by pixel. A
// missing or wrong setting stops the build with a message naming it, from the function and from the command.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { text } from '../../dialogs/catalog.js';
import { buildTeamsPackage } from '../../scripts/teams-package.js';
import { encodePng } from '../../scripts/teams/png.js';
import { readPng } from '../helpers/png-reader.js';
import { readZip } from '../helpers/zip-reader.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const APP_ID = '0b7f8a52-6c1e-4d7e-9a43-2f5f0c6d8e11';
const BRAND = 'Acme Stream';
const ENV = {
  MICROSOFT_APP_ID: APP_ID,
  PUBLIC_BASE_URL: 'https://clave.example.com/',
  BRAND_NAME: BRAND,
  BRAND_COLOR: '0a7e8c',
};

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'clave-teams-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** Builds with exactly these variables (nothing from the machine's environment) and unzips the result. */
function build(env: Record<string, string>) {
  const outDir = tempDir();
  const { zipPath } = buildTeamsPackage({ env, outDir });
  return { zipPath, outDir, files: readZip(readFileSync(zipPath)) };
}

const json = (data: Buffer | undefined) => JSON.parse(data!.toString('utf8')) as Record<string, any>;

/** The message a failed build gives, or '' when it did not fail. */
function failure(env: Record<string, string>): string {
  try {
    buildTeamsPackage({ env, outDir: tempDir() });
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}

describe('Teams app package', () => {
  it('holds the manifest, its Spanish file and the two icons, named for the brand', () => {
    const { zipPath, files } = build(ENV);
    expect(zipPath.endsWith('acme-stream-teams.zip')).toBe(true);
    expect([...files.keys()]).toEqual(['manifest.json', 'es.json', 'color.png', 'outline.png']);
  });

  it('fills the manifest from configuration and the catalogs', () => {
    const manifest = json(build(ENV).files.get('manifest.json'));
    expect(manifest).toMatchObject({
      $schema: 'https://developer.microsoft.com/json-schemas/teams/v1.30/MicrosoftTeams.schema.json',
      manifestVersion: '1.30',
      version: JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version,
      id: APP_ID,
      developer: {
        name: BRAND,
        websiteUrl: 'https://clave.example.com',
        privacyUrl: 'https://clave.example.com',
        termsOfUseUrl: 'https://clave.example.com',
      },
      name: { short: BRAND, full: text('en', 'teams_app_name_full', { brand: BRAND }) },
      description: {
        short: text('en', 'teams_app_description_short', { brand: BRAND }),
        full: text('en', 'teams_app_description_full', { brand: BRAND }),
      },
      icons: { color: 'color.png', outline: 'outline.png' },
      accentColor: '#0A7E8C',
      localizationInfo: { defaultLanguageTag: 'en-us', additionalLanguages: [{ languageTag: 'es', file: 'es.json' }] },
      validDomains: ['clave.example.com'],
    });
    expect(manifest.bots).toEqual([
      {
        botId: APP_ID,
        scopes: ['personal', 'team', 'groupChat'],
        supportsFiles: false,
        isNotificationOnly: false,
        supportsCalling: false,
        supportsVideo: false,
      },
    ]);
    expect(JSON.stringify(manifest)).not.toContain('${{');
  });

  it('lists the app in Spanish from the Spanish catalog', () => {
    expect(json(build(ENV).files.get('es.json'))).toEqual({
      $schema: 'https://developer.microsoft.com/json-schemas/teams/v1.30/MicrosoftTeams.Localization.schema.json',
      'name.short': BRAND,
      'name.full': text('es', 'teams_app_name_full', { brand: BRAND }),
      'description.short': text('es', 'teams_app_description_short', { brand: BRAND }),
      'description.full': text('es', 'teams_app_description_full', { brand: BRAND }),
    });
  });

  it('takes the privacy and terms pages and the version from their own settings', () => {
    const manifest = json(
      build({ ...ENV, TEAMS_PRIVACY_URL: 'https://acme.example/privacy', TEAMS_TERMS_URL: 'https://acme.example/terms', TEAMS_APP_VERSION: '2.3.4' })
        .files.get('manifest.json'),
    );
    expect(manifest.developer).toMatchObject({ privacyUrl: 'https://acme.example/privacy', termsOfUseUrl: 'https://acme.example/terms' });
    expect(manifest.version).toBe('2.3.4');
  });

  it('draws a 192×192 colour icon: opaque, the brand colour around a white key', () => {
    const icon = readPng(build(ENV).files.get('color.png')!);
    expect([icon.width, icon.height]).toEqual([192, 192]);
    let white = 0;
    for (let i = 0; i < icon.width * icon.height; i++) {
      expect(icon.pixels[i * 4 + 3]).toBe(255);
      if (icon.pixels.subarray(i * 4, i * 4 + 3).every((c) => c === 255)) white++;
    }
    expect(icon.pixel(0, 0)).toEqual([0x0a, 0x7e, 0x8c, 255]);
    expect(icon.pixel(191, 191)).toEqual([0x0a, 0x7e, 0x8c, 255]);
    expect(white, 'the key is there and fits inside the icon').toBeGreaterThan(192 * 192 * 0.05);
    expect(white).toBeLessThan(192 * 192 * 0.4);
  });

  it('draws a 32×32 outline icon: only white, on a transparent background', () => {
    const icon = readPng(build(ENV).files.get('outline.png')!);
    expect([icon.width, icon.height]).toEqual([32, 32]);
    let opaque = 0;
    let transparent = 0;
    for (let i = 0; i < 32 * 32; i++) {
      const [r, g, b, a] = icon.pixels.subarray(i * 4, i * 4 + 4);
      if (a === 0) transparent++;
      else expect([r, g, b], `pixel ${i % 32},${Math.floor(i / 32)}`).toEqual([255, 255, 255]);
      if (a === 255) opaque++;
    }
    expect(icon.pixel(0, 0)[3]).toBe(0);
    expect(opaque).toBeGreaterThan(100);
    expect(transparent).toBeGreaterThan(400);
  });

  it('uses the icons configured in TEAMS_ICON_COLOR and TEAMS_ICON_OUTLINE as they are', () => {
    const dir = tempDir();
    const color = encodePng(192, 192, new Uint8Array(192 * 192 * 4).fill(200));
    const outline = encodePng(32, 32, new Uint8Array(32 * 32 * 4).fill(255));
    writeFileSync(join(dir, 'color.png'), color);
    writeFileSync(join(dir, 'outline.png'), outline);
    const { files } = build({ ...ENV, TEAMS_ICON_COLOR: join(dir, 'color.png'), TEAMS_ICON_OUTLINE: join(dir, 'outline.png') });
    expect(files.get('color.png')!.equals(color)).toBe(true);
    expect(files.get('outline.png')!.equals(outline)).toBe(true);
  });

  it('gives the same bytes for the same configuration', () => {
    expect(readFileSync(build(ENV).zipPath).equals(readFileSync(build(ENV).zipPath))).toBe(true);
  });
});

describe('Teams app package settings', () => {
  it('fails without MICROSOFT_APP_ID, naming it, and writes nothing', () => {
    const { MICROSOFT_APP_ID: _, ...env } = ENV;
    const outDir = tempDir();
    expect(() => buildTeamsPackage({ env, outDir })).toThrow(/MICROSOFT_APP_ID/);
    expect(existsSync(join(outDir, 'acme-stream-teams.zip'))).toBe(false);
  });

  it.each([
    ['MICROSOFT_APP_ID', { MICROSOFT_APP_ID: 'clave-bot' }],
    ['PUBLIC_BASE_URL', { PUBLIC_BASE_URL: '' }],
    ['PUBLIC_BASE_URL', { PUBLIC_BASE_URL: 'http://clave.example.com' }],
    ['BRAND_NAME', { BRAND_NAME: 'A Streaming Service With A Long Name' }],
    ['BRAND_COLOR', { BRAND_COLOR: 'purple' }],
    ['TEAMS_APP_VERSION', { TEAMS_APP_VERSION: 'v2' }],
    ['TEAMS_PRIVACY_URL', { TEAMS_PRIVACY_URL: 'http://acme.example/privacy' }],
    ['TEAMS_ICON_COLOR', { TEAMS_ICON_COLOR: '/nonexistent/color.png' }],
  ])('fails naming %s when it is %j', (setting, change) => {
    expect(failure({ ...ENV, ...change })).toContain(setting);
  });

  it('fails naming the icon setting when an icon has the wrong size or is not a PNG', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'small.png'), encodePng(32, 32, new Uint8Array(32 * 32 * 4)));
    writeFileSync(join(dir, 'icon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    expect(failure({ ...ENV, TEAMS_ICON_COLOR: join(dir, 'small.png') })).toMatch(/TEAMS_ICON_COLOR: .*32×32; Teams needs 192×192/);
    expect(failure({ ...ENV, TEAMS_ICON_OUTLINE: join(dir, 'icon.svg') })).toMatch(/TEAMS_ICON_OUTLINE: .* is not a PNG/);
  });

  it('reports every problem at once', () => {
    const message = failure({ BRAND_NAME: BRAND });
    expect(message).toContain('MICROSOFT_APP_ID');
    expect(message).toContain('PUBLIC_BASE_URL');
  });

  it('npm run teams:package exits with the message on stderr, and builds once the setting is there', () => {
    const outDir = tempDir();
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !/^(MICROSOFT_APP_|PUBLIC_BASE_URL|BRAND_|TEAMS_)/.test(key)),
    );
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), join(root, 'scripts/teams-package.ts'), '--out', outDir], {
        cwd: root,
        env: { ...clean, ...env },
        encoding: 'utf8',
      });

    const { MICROSOFT_APP_ID: _, ...withoutAppId } = ENV;
    const failed = run(withoutAppId);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain('MICROSOFT_APP_ID');

    const built = run(ENV);
    expect(built.status, built.stderr).toBe(0);
    expect(built.stdout).toContain(join(outDir, 'acme-stream-teams.zip'));
    expect(readZip(readFileSync(join(outDir, 'acme-stream-teams.zip'))).has('manifest.json')).toBe(true);
  });
});
