import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHORUS_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = path.resolve(import.meta.dirname, '../../test-output/screenshots');

/**
 * Whether Debian's Chromium is installed. Missing: the suite skips with a loud warning, except under CI=true,
 * where it fails (CI installs chromium in .ci/run).
 */
export function chromiumAvailable(suite: string): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.env.CI === 'true')
    throw new Error(
      `${suite}: ${CHROMIUM_PATH} is missing, and CI=true requires it (apt-get install chromium)`,
    );
  console.warn(
    `\n!!! SKIPPING ${suite}: ${CHROMIUM_PATH} is not installed (apt-get install chromium) !!!\n`,
  );
  return false;
}

/** Headless Chromium with nothing that phones home (no component updates, no background networking). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-dev-shm-usage',
    ],
  });
}

/** Records every request the page makes that is not to 127.0.0.1 (data:/blob: URLs stay in the page). */
export function watchOffHostRequests(page: Page): string[] {
  const offHost: string[] = [];
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (url.protocol === 'data:' || url.protocol === 'blob:') return;
    if (url.hostname !== '127.0.0.1') offHost.push(req.url());
  });
  return offHost;
}

/** Full-page screenshot under test-output/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  // From the top: a full-page shot taken while scrolled draws the sticky top bar mid-page.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
