// One way to start a browser for the page tests: Debian's chromium driven by playwright-core. Tests never
// download a browser; without chromium they fail and say how to install it.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ARTIFACTS_DIR = join(repoRoot, 'test-artifacts');

/**
 * Call at the top of a browser test file: without chromium the file fails at once with this message (in a
 * beforeAll, the tests would only be reported as skipped).
 */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium was not found at ${CHROMIUM_PATH}. Install Debian's package with \`apt-get install chromium\` ` +
        '(or set CHROMIUM_PATH). These tests never download a browser.',
    );
  }
}

export async function launchChromium(): Promise<Browser> {
  requireChromium();
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A context in a language, with a phone- or desktop-sized window. */
export async function newContext(browser: Browser, options: { locale: string; phone?: boolean }): Promise<BrowserContext> {
  const context = await browser.newContext({
    locale: options.locale,
    viewport: options.phone ? { width: 390, height: 844 } : { width: 1024, height: 800 },
    ...(options.phone ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
  });
  // A missing button should fail the test with a clear message, not wait for the test's own timeout.
  context.setDefaultTimeout(10_000);
  return context;
}

/** Collects what would show up in the browser's console as a problem: errors, CSP violations, crashes. */
export function watchForProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  return problems;
}

/** Saves a file under test-artifacts/ (ignored by git) and returns its path. */
export function saveArtifact(name: string, content: Buffer | string): string {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, name);
  writeFileSync(path, content);
  return path;
}

export { repoRoot };
