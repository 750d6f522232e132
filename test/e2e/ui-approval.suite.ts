import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { chromium, type BrowserContext, type FrameLocator, type Locator, type Page } from 'playwright-core';
import { ROOT } from '../../scripts/bootstrap.mjs';
import { harness, type Harness } from '../harness.js';
import { ACCOUNT, alertAbout, awsUser, result, settled, statusOf, useSandbox, waitForStatus } from './helpers.js';

// A responder's path through the real Temporal Web UI (the dev server's, 2.42.1) with Debian's Chromium:
// filter the workflow list by RevokerState, open the playbook, send `approve` from "More Actions ▸ Send
// a Signal". `npm test` provides Chromium and passes its path as CHROMIUM_PATH.
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
const ARTIFACTS = join(ROOT, 'test-results');
const APPROVER = 'ui-responder@example.com';

describe('Approving in the Temporal Web UI', () => {
  let h: Harness;
  let profileDir: string;
  let context: BrowserContext;
  let page: Page;
  /** The UI's calls to Revoker's codec endpoint, by path (`/codec/decode`, `/codec/encode`). */
  const codecCalls: string[] = [];
  const playbooks = useSandbox((ready) => (h = ready));

  before(async () => {
    h = await harness();
    await untilUiAnswers(h.uiUrl);
    profileDir = mkdtempSync(join(tmpdir(), 'revoker-chromium-'));
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: CHROMIUM_ARGS,
      viewport: { width: 1400, height: 1000 },
      timezoneId: 'UTC',
    });
    // The machine has no network beyond loopback, and the test must not depend on one: only the UI is
    // reachable, and the codec endpoint it decodes history through (payloads are encrypted).
    const codec = h.payloads.codecEndpoint;
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(`${codec}/`)) codecCalls.push(new URL(url).pathname);
      return url.startsWith(`${h.uiUrl}/`) || url.startsWith(`${codec}/`)
        ? route.continue()
        : route.abort('blockedbyclient');
    });
    context.setDefaultTimeout(15_000);
  });
  after(async () => {
    await context?.close();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    page = await context.newPage();
  });
  afterEach(async () => {
    await page.close();
  });

  it("approves a waiting playbook from the Temporal UI's Send a Signal dialog", { timeout: 120_000 }, async () => {
    const keys = h.seed.users.find((u) => u.userName === 'alice')?.accessKeys.map((k) => k.accessKeyId) ?? [];
    assert.ok(keys.length >= 2, 'the sandbox gives alice two keys');
    const started = await h.start(alertAbout([awsUser('alice')], 'medium'));
    const handle = playbooks.handle(started.workflowId);
    await waitForStatus(handle, (s) => s.state === 'AwaitingApproval' && settled(s));
    try {
      // The workflow list, filtered as the README tells responders to.
      await page.goto(`${h.uiUrl}/namespaces/default/workflows`);
      await page.getByTestId('toggle-manual-query').click(); // the "</>" button: the raw query input
      const query = page.getByRole('searchbox', { name: 'Enter a query' });
      await query.fill('RevokerState = "AwaitingApproval"');
      const search = page.getByRole('button', { name: 'Search', exact: true });
      await search.click();
      await page.waitForURL((url) => url.searchParams.get('query') === 'RevokerState = "AwaitingApproval"');
      // Each test's playbook has the same id (it is derived from the principals): pick this run's row.
      const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: started.runId }) });
      await untilVisible(row, () => search.click());
      await assertVisible(row.getByText('Running'));
      await row.getByRole('link', { name: started.runId }).click();
      await page.waitForURL((url) => url.pathname.includes(`/${started.runId}/`));

      // What waits is on the User Metadata tab, with the Signal JSON to paste: encrypted in Temporal,
      // readable here because the UI decodes it through Revoker's codec endpoint.
      await page.getByRole('tab', { name: 'User Metadata' }).click();
      await assertVisible(currentDetails(page).getByText(/Waiting for you \(\d+\)/));
      assert.ok(codecCalls.includes('/codec/decode'), `the UI decoded through the codec: ${codecCalls.join(', ')}`);
      assert.deepEqual(h.aws.mutations().counts, {}, 'nothing changes before a human decides');

      await page.getByRole('button', { name: 'More Actions' }).click();
      await page.getByRole('menuitem', { name: 'Send a Signal' }).click();
      const dialog = page.getByRole('dialog', { name: 'Send a Signal' });
      await dialog.getByRole('button', { name: 'Select a signal' }).click();
      // The options list each handler with its description: "approve Approve pending actions: …".
      await dialog.getByRole('option', { name: /^approve\b/ }).click();
      const data = dialog.getByRole('textbox').and(page.locator('[contenteditable="true"]'));
      await data.fill(JSON.stringify({ approver: APPROVER, actions: 'all', reason: 'confirmed in the UI' }));
      // The editor re-formats its JSON on blur, which moves the Submit button: blur first, then click.
      await data.blur();
      await dialog.getByRole('button', { name: 'Submit' }).click();
      await assertVisible(page.getByRole('log').getByText('Workflow signaled.'));
      assert.ok(codecCalls.includes('/codec/encode'), 'the Signal input went through the codec, encrypted');
      await dialog.waitFor({ state: 'hidden' });

      const report = await result(handle);
      assert.equal(report.state, 'Contained');
      for (const key of keys) {
        assert.equal(h.aws.accessKey(key), undefined, `${key} is deleted`);
        assert.equal(statusOf(report, `aws:delete-key:${key}`).decidedBy?.approver, APPROVER);
      }
      assert.equal(statusOf(report, `aws:deny-user-sessions:${ACCOUNT}/alice`).status, 'done');
      assert.deepEqual(
        report.decisions.map((d) => [d.verdict, d.approver, d.ignored]),
        [['approve', APPROVER, undefined]],
        'exactly one decision, from the UI',
      );

      // The UI shows the outcome too; the screenshot is kept for people to look at.
      await page.reload();
      await page.getByRole('tab', { name: 'User Metadata' }).click();
      await assertVisible(page.getByText('Completed', { exact: true }).first());
      await assertVisible(currentDetails(page).getByText('Contained', { exact: true }));
      await assertVisible(currentDetails(page).getByText(`done (by ${APPROVER})`).first());
      await screenshot(page, 'ui-approval.png');
    } catch (error) {
      await screenshot(page, 'ui-approval-failure.png').catch(() => undefined);
      throw error;
    }
  });
});

/** The "Current Details" markdown, rendered by the UI in an iframe beside its heading. */
function currentDetails(page: Page): FrameLocator {
  return page
    .getByRole('heading', { name: 'Current Details' })
    .locator('xpath=ancestor::div[.//iframe][1]//iframe')
    .contentFrame();
}

async function assertVisible(locator: Locator): Promise<void> {
  await locator.waitFor({ state: 'visible' });
}

/** Waits for `locator`, running `retry` (e.g. searching again) while the list has not caught up yet. */
async function untilVisible(locator: Locator, retry: () => Promise<unknown>, timeoutMs = 20_000): Promise<void> {
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

/** The dev server starts its UI beside the frontend; wait until it serves pages. */
async function untilUiAnswers(uiUrl: string, timeoutMs = 30_000): Promise<void> {
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

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, name), fullPage: true });
}
