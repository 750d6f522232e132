import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { statusQuery } from '../../domain/messages.js';
import type { Policy } from '../../domain/policy.js';
import { TEST_POLICY, type Harness } from '../harness.js';
import { assertVisible, currentDetails, useBrowser, screenshot, searchWorkflows, untilVisible } from './browser.js';
import { ACCOUNT, alertAbout, awsUser, result, settled, statusOf, useSandbox, waitForStatus } from './helpers.js';

const RESPONDER = 'sam@example.com';
/** sam decides everything, alone (no four eyes): the link page says so. */
const POLICY: Policy = { ...TEST_POLICY, approvers: { groups: { soc: [RESPONDER] }, default: ['soc'], byAction: {} } };

/**
 * The responder's two minutes, in a real browser on the real Temporal Web UI and Revoker's link pages: find the
 * incident by its handle, read the card, approve a subset from the chat's link, get fresh links for what still
 * waits, approve the rest. Screenshots of each stop are kept in test-results/responder-*.png.
 */
describe("the responder's path through the UI and the link pages", () => {
  let h: Harness;
  const playbooks = useSandbox((ready) => {
    h = ready;
    h.notifications.clear();
  });

  const browser = useBrowser({ width: 1280, height: 900 });

  it('finds the incident by handle, reads its card, approves some steps, then the rest from fresh links', async () => {
    const keys = h.seed.users.find((u) => u.userName === 'alice')?.accessKeys.map((k) => k.accessKeyId) ?? [];
    assert.ok(keys.length >= 2, 'the sandbox gives alice two keys');
    const [first, second] = keys as [string, string];
    const started = await h.start(alertAbout([awsUser('alice')], 'medium'), { policy: POLICY });
    const playbook = playbooks.handle(started.workflowId);
    const waiting = await waitForStatus(playbook, (s) => s.state === 'AwaitingApproval' && settled(s));
    const handle = waiting.handle ?? '';
    const card = waiting.principals[0]?.card;
    assert.ok(card, 'discovery filled the triage card');
    const page = await browser().context.newPage();
    try {
      // 1. The chat names the incident by its handle; the responder types it into the UI's search.
      await linkIn(started.workflowId, 1);
      const search = await searchWorkflows(page, h.uiUrl, `RevokerHandle = "${handle}"`);
      const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: started.runId }) });
      await untilVisible(row, () => search.click());
      assert.equal(await page.getByRole('link', { name: started.runId }).count(), 1, 'the handle finds one run');
      await row.getByRole('link', { name: started.runId }).click();
      await page.waitForURL((url) => url.pathname.includes(`/${started.runId}/`));

      // 2. The card: who it is and what it can reach, under what waits.
      await page.getByRole('tab', { name: 'User Metadata' }).click();
      const details = currentDetails(page);
      await assertVisible(details.getByText(handle).first());
      await assertVisible(details.getByText(/Waiting for you \(\d+\)/));
      await assertVisible(details.getByText(card.name).first());
      if (card.reach[0]) await assertVisible(details.getByText(card.reach[0]).first());
      await screenshot(page, 'responder-1-card.png');

      // 3. The link from the chat: uncheck deleting the second key, approve the rest.
      const link = await linkIn(started.workflowId, 1);
      await page.goto(link);
      await assertVisible(page.getByText(handle).first());
      await assertVisible(page.getByText(/your approval alone runs/i).first());
      const held = `aws:delete-key:${second}`;
      await page.locator(`input[type=checkbox][value="${held}"]`).uncheck();
      await screenshot(page, 'responder-2-subset.png');
      await page.getByRole('button', { name: /^Approve the checked steps/ }).click();
      await page.waitForLoadState();
      await screenshot(page, 'responder-3-decided.png');
      const partly = await waitForStatus(playbook, (s) => s.actions.filter((r) => r.status === 'done').length >= 4);
      assert.equal(statusOf(partly, `aws:delete-key:${first}`).status, 'done');
      assert.equal(statusOf(partly, held).status, 'awaiting-approval', 'the unchecked step still waits');

      // 4. Fresh links for what still waits, without asking; the old link says what became of it.
      const fresh = await linkIn(started.workflowId, 2);
      assert.notEqual(fresh, link);
      await page.goto(fresh);
      const boxes = page.locator('input[type=checkbox][name=actions]');
      const offered = await Promise.all((await boxes.all()).map((box) => box.getAttribute('value')));
      assert.deepEqual(offered, [held], 'the fresh link offers only what still waits');
      await screenshot(page, 'responder-4-fresh-link.png');
      await page.getByRole('button', { name: /^Approve the checked steps/ }).click();
      await page.waitForLoadState();

      const report = await result(playbook);
      assert.equal(report.state, 'Contained');
      for (const key of keys) assert.equal(h.aws.accessKey(key), undefined, `${key} is deleted`);
      assert.equal(statusOf(report, `aws:deny-user-sessions:${ACCOUNT}/alice`).decidedBy?.approver, RESPONDER);
      await page.goto(link);
      await assertVisible(page.getByText(handle).first());
      await assertVisible(page.getByText(waiting.alerts[0]?.title ?? '?').first());
      await screenshot(page, 'responder-5-closed-link.png');
      assert.equal((await playbook.query(statusQuery).catch(() => report)).state, 'Contained');
    } catch (error) {
      await screenshot(page, 'responder-failure.png').catch(() => undefined);
      throw error;
    } finally {
      await page.close();
    }
  });

  /** The `n`th approve link the responder's inbox got about this playbook (they come newest last). */
  async function linkIn(workflowId: string, n: number, timeoutMs = 20_000): Promise<string> {
    const pattern = new RegExp(`\\[Approve as ${RESPONDER.replaceAll('.', '\\.')}\\]\\((\\S+?)\\)`);
    const deepLink = `(${h.uiUrl}/namespaces/default/workflows/${encodeURIComponent(workflowId)})`;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const links = h.notifications
        .inbox(RESPONDER)
        .filter((m) => m.text.includes(deepLink))
        .flatMap((m) => pattern.exec(m.text)?.[1] ?? []);
      const found = links[n - 1];
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no approve link #${n} in ${RESPONDER}'s inbox (${links.length})`);
      await sleep(100);
    }
  }
});
