/**
 * Debian's Chromium driven by playwright-core, headless, with its own background traffic off:
 * the only requests a page makes are the ones it asks for. A missing browser fails the test
 * (scripts/ensure-chromium.sh installs it); it never skips.
 */
import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM}: run scripts/ensure-chromium.sh (apt-get install chromium)`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** A page and everything it did that a test may want to refuse: errors, dialogs, requests. */
export interface WatchedPage {
  readonly page: Page;
  readonly context: BrowserContext;
  /** Console messages of type error, and uncaught exceptions. */
  readonly errors: string[];
  readonly dialogs: string[];
  readonly requests: string[];
}

/** A fresh context signed in as `user` (a cookie, as a host's session would be). */
export async function openPage(
  browser: Browser,
  origin: string,
  user: string,
  viewport = { width: 1280, height: 800 },
  colorScheme: 'light' | 'dark' = 'light',
): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport, colorScheme });
  await context.addCookies([{ name: 'user', value: user, url: origin }]);
  const page = await context.newPage();
  const watched: WatchedPage = { page, context, errors: [], dialogs: [], requests: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') watched.errors.push(message.text());
  });
  page.on('pageerror', (error) => watched.errors.push(String(error)));
  page.on('dialog', (dialog) => {
    watched.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('request', (request) => watched.requests.push(request.url()));
  return watched;
}
