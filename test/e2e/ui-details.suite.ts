import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { approveSignal } from '../../domain/messages.js';
import type { Harness } from '../harness.js';
import { ARTIFACTS, assertVisible, currentDetails, useBrowser } from './browser.js';
import { alertAbout, settled, threeClouds, useSandbox, waitForStatus } from './helpers.js';

// Current Details as a responder sees it in the real Temporal Web UI (the dev server's, 2.42.1) with Debian's
// Chromium, at the two window widths people use: nothing may be cut off at the panel's right edge, which is where a
// table's mode and result columns used to go.
const WIDTHS = [1280, 1920];

describe('Current Details in the Temporal Web UI', () => {
  let h: Harness;
  const playbooks = useSandbox((ready) => (h = ready));

  const browser = useBrowser();

  it(
    'fits the panel at 1280 and 1920 px: what waits, the ignored Signal with its reason, every step',
    { timeout: 120_000 },
    async () => {
      // Three clouds, twelve steps waiting, ids up to a service account's email long.
      const started = await h.start(alertAbout(threeClouds(), 'medium'));
      const handle = playbooks.handle(started.workflowId);
      const waiting = await waitForStatus(handle, (s) => s.state === 'AwaitingApproval' && settled(s));
      // What a responder types wrong into Send a Signal: the UI says "Workflow signaled." and nothing else.
      await handle.signal(approveSignal, { approver: 'mallory@example.com', actions: 'everything' } as never);
      const status = await waitForStatus(handle, (s) => (s.ignored?.count ?? 0) === 1);
      const ids = status.actions.map((r) => r.action.id);
      const longest = ids.reduce((a, b) => (b.length > a.length ? b : a));
      assert.ok(ids.length >= 10 && longest.length > 70, `a long plan with a long id: ${longest}`);
      assert.ok(waiting.handle, 'the incident has a handle');

      for (const width of WIDTHS) {
        const page = await browser().context.newPage();
        try {
          await page.setViewportSize({ width, height: 1000 });
          await page.goto(
            `${h.uiUrl}/namespaces/default/workflows/${encodeURIComponent(started.workflowId)}/${started.runId}/history`,
          );
          await page.getByRole('tab', { name: 'User Metadata' }).click();
          const details = currentDetails(page);
          await assertVisible(details.getByText(`${waiting.handle}`, { exact: true }));
          await assertVisible(details.getByText(/Waiting for you \(\d+\)/));
          await assertVisible(details.getByText('Ignored 1 message(s)'));
          await assertVisible(details.getByText(/from mallory@example\.com at .*: invalid payload/));
          await assertVisible(details.getByText(longest, { exact: true }).first());

          const overflow = await details
            .locator('html')
            .evaluate<{ width: number; height: number; cut: string[] }, undefined>(
              `(${CUT_OFF})(document.documentElement)`,
            );
          assert.deepEqual(
            overflow.cut,
            [],
            `at ${width} px, cut off in a ${overflow.width}×${overflow.height} px panel`,
          );
          const [frame, section] = await Promise.all([panelFrame(page).boundingBox(), panel(page).boundingBox()]);
          assert.ok(frame && section, 'the panel is laid out');
          const within = frame.x >= section.x && frame.x + frame.width <= Math.min(section.x + section.width, width);
          assert.ok(within, `the frame ends inside its panel and the window: ${JSON.stringify({ frame, section })}`);
          assert.ok(frame.width >= 500, `the panel is ${frame.width} px wide`);

          await page.screenshot({ path: join(ARTIFACTS, `current-details-${width}.png`) });
          // The whole panel for people to read: the UI scrolls inside a window-high box, so the window grows to hold it.
          for (let round = 0, height = 1000; round < 5; round += 1) {
            const box = await panelFrame(page).boundingBox();
            const bottom = box ? box.y + box.height : 0;
            if (bottom + 20 <= height) break;
            height = Math.ceil(bottom) + 40;
            await page.setViewportSize({ width, height });
          }
          await panel(page).screenshot({ path: join(ARTIFACTS, `current-details-${width}-panel.png`) });
        } catch (error) {
          await page.screenshot({ path: join(ARTIFACTS, `current-details-${width}-failure.png`) }).catch(() => {});
          throw error;
        } finally {
          await page.close();
        }
      }
    },
  );
});

/**
 * Everything in the rendered Current Details that reaches past the panel's right edge, or scrolls sideways inside
 * itself (a `pre` does), and any text below the frame's bottom (the UI sizes the frame once, when it loads, to its
 * body's scrollHeight), the panel being the frame's viewport. Browser code, kept as source: the project's types have
 * no DOM, and tsx would wrap a compiled function's helpers in a `__name` the page does not have.
 */
const CUT_OFF = `(root) => {
  const width = root.clientWidth;
  const height = root.clientHeight;
  const cut = [];
  if (root.scrollWidth > width) cut.push('the document is ' + root.scrollWidth + ' px wide');
  for (const el of [root, ...root.querySelectorAll('*')]) {
    const name = '<' + el.tagName.toLowerCase() + '> "' + (el.textContent || '').trim().slice(0, 60) + '"';
    const box = el.getBoundingClientRect();
    if (box.right > width + 0.5) cut.push(name + ' ends at ' + Math.round(box.right) + ' px');
    if (el.scrollWidth > width) cut.push(name + ' is ' + el.scrollWidth + ' px wide');
    if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth) {
      cut.push(name + ' scrolls: ' + el.scrollWidth + ' px in ' + el.clientWidth + ' px');
    }
  }
  // A text run inside an element that fits can still stick out of it (an unbreakable id in a code span).
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const range = document.createRange();
    range.selectNodeContents(node);
    const words = node.textContent.trim();
    for (const box of range.getClientRects()) {
      if (box.right > width + 0.5) cut.push('text "' + words.slice(0, 60) + '" ends at ' + box.right + ' px');
      if (words && box.bottom > height + 0.5) cut.push('text "' + words.slice(0, 60) + '" ends at ' + box.bottom + ' px down');
    }
  }
  return { width, height, cut };
}`;

/** The "Current Details" section: its heading, and the iframe the UI renders the markdown in. */
function panel(page: Page): Locator {
  return page.getByRole('heading', { name: 'Current Details' }).locator('xpath=ancestor::div[.//iframe][1]');
}

function panelFrame(page: Page): Locator {
  return panel(page).locator('iframe');
}
