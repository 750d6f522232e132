import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { Harness } from '../harness.js';
import { assertVisible, currentDetails, useBrowser, screenshot, searchWorkflows, untilVisible } from './browser.js';
import { ACCOUNT, alertAbout, awsUser, result, settled, statusOf, useSandbox, waitForStatus } from './helpers.js';

// A responder's path through the real Temporal Web UI (the dev server's, 2.42.1) with Debian's Chromium:
// filter the workflow list by RevokerState, open the playbook, send `approve` from "More Actions ▸ Send
// a Signal".
const APPROVER = 'ui-responder@example.com';

describe('Approving in the Temporal Web UI', () => {
  let h: Harness;
  let page: Page;
  const playbooks = useSandbox((ready) => (h = ready));

  const browser = useBrowser();
  beforeEach(async () => {
    page = await browser().context.newPage();
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
      const search = await searchWorkflows(page, h.uiUrl, 'RevokerState = "AwaitingApproval"');
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
      assert.ok(
        browser().codecCalls.includes('/codec/decode'),
        `the UI decoded through the codec: ${browser().codecCalls.join(', ')}`,
      );
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
      assert.ok(browser().codecCalls.includes('/codec/encode'), 'the Signal input went through the codec, encrypted');
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
