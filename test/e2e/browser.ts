import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before } from 'node:test';
import { chromium, type BrowserContext, type FrameLocator, type Locator, type Page } from 'playwright-core';
import { ROOT } from '../../scripts/bootstrap.mjs';
import { harness, type Harness } from '../harness.js';

// Debian's Chromium through playwright-core, on the dev server's real Temporal Web UI (2.42.x) and Revoker's link
// pages. `npm test` provides Chromium and passes its path as CHROMIUM_PATH.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Screenshots are kept here for people to look at (CI keeps the directory). */
export const ARTIFACTS = join(ROOT, 'test-results');

export interface Browser {
  context: BrowserContext;
  /** The UI's calls to Revoker's codec endpoint, by path (`/codec/decode`, `/codec/encode`). */
  codecCalls: string[];
  close(): Promise<void>;
}

/**
 * A browser that reaches only the UI, the codec endpoint it decodes history through and the link server: the machine
 * has no network beyond loopback, and the tests must not depend on one.
 */
export async function openBrowser(
  h: Harness,
  viewport: { width: number; height: number } = { width: 1400, height: 1000 },
): Promise<Browser> {
  await untilUiAnswers(h.uiUrl);
  const profileDir = mkdtempSync(join(tmpdir(), 'revoker-chromium-'));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    viewport,
    timezoneId: 'UTC',
  });
  const codec = h.payloads.codecEndpoint;
  const allowed = [h.uiUrl, codec, h.links.baseUrl].map((base) => `${base}/`);
  const codecCalls: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${codec}/`)) codecCalls.push(new URL(url).pathname);
    return allowed.some((base) => url.startsWith(base)) ? route.continue() : route.abort('blockedbyclient');
  });
  context.setDefaultTimeout(15_000);
  return {
    context,
    codecCalls,
    async close() {
      await context.close();
      rmSync(profileDir, { recursive: true, force: true });
    },
  };
}

/** A browser for the suite (opened before its first test, closed after its last): call the getter inside tests. */
export function useBrowser(viewport?: { width: number; height: number }): () => Browser {
  let browser: Browser | undefined;
  before(async () => {
    browser = await openBrowser(await harness(), viewport);
  });
  after(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error('the browser opens before the first test');
    return browser;
  };
}

/** The "Current Details" markdown, rendered by the UI in an iframe beside its heading. */
export function currentDetails(page: Page): FrameLocator {
  return page
    .getByRole('heading', { name: 'Current Details' })
    .locator('xpath=ancestor::div[.//iframe][1]//iframe')
    .contentFrame();
}

export async function assertVisible(locator: Locator): Promise<void> {
  await locator.waitFor({ state: 'visible' });
}

/** Waits for `locator`, running `retry` (e.g. searching again) while the list has not caught up yet. */
export async function untilVisible(locator: Locator, retry: () => Promise<unknown>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await locator.waitFor({ state: 'visible', timeout: 2_000 });
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await retry();
    }
  }
}

/** Filters the UI's workflow list with a raw visibility query (the "</>" button), as the README tells responders. */
export async function searchWorkflows(page: Page, uiUrl: string, query: string): Promise<Locator> {
  await page.goto(`${uiUrl}/namespaces/default/workflows`);
  await page.getByTestId('toggle-manual-query').click();
  await page.getByRole('searchbox', { name: 'Enter a query' }).fill(query);
  const search = page.getByRole('button', { name: 'Search', exact: true });
  await search.click();
  await page.waitForURL((url) => url.searchParams.get('query') === query);
  return search;
}

/** The dev server starts its UI beside the frontend; wait until it serves pages. */
export async function untilUiAnswers(uiUrl: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(uiUrl).then(
      (reply) => reply.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`the Temporal UI at ${uiUrl} did not answer within ${timeoutMs} ms`);
    await sleep(200);
  }
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, name), fullPage: true });
}
