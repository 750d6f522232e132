import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type BrowserContext } from 'playwright-core';
import { ROOT } from '../../scripts/bootstrap.mjs';
import { LINK_REASON } from '../../client/approval-links/link-routes.js';
import { signLinkToken, verifyLinkToken, type LinkGrant } from '../../connect/link-token.js';
import type { Decision } from '../../domain/decision.js';
import { decideUpdate, statusQuery } from '../../domain/messages.js';
import type { Policy } from '../../domain/policy.js';
import { harness, TEST_POLICY, type Harness } from '../harness.js';
import {
  ACCOUNT,
  alertAbout,
  approve,
  awsUser,
  historyText,
  reject,
  result,
  seedWith,
  settled,
  statusOf,
  useSandbox,
  waitForStatus,
} from './helpers.js';

interface Message {
  text: string;
  blocks: { text: { text: string } }[];
}

interface LinkAnswer {
  status: number;
  body: {
    page?: 'confirm' | 'decided' | 'settled' | 'problem';
    error?: string;
    actions?: { id: string; status: string; choosable?: boolean; decided?: string[] }[];
    decision?: Decision;
    earlier?: boolean;
    approver?: string;
    left?: { id: string; why: string }[];
    incident?: { handle?: string; title?: string; severity?: string; state?: string; uiUrl?: string };
    effect?: string[];
  };
}

/** The page's form with these steps checked, as the browser posts it. */
const checked = (...ids: string[]) =>
  ['choice=checked', ...ids.map((id) => `actions=${encodeURIComponent(id)}`)].join('&');
const ARTIFACTS = join(ROOT, 'test-results');

/** sam and kim decide the reversible steps; only lee may approve deleting a key. */
const POLICY: Policy = {
  ...TEST_POLICY,
  approvers: {
    groups: { soc: ['sam@example.com', 'kim@example.com'], leads: ['lee@example.com'] },
    default: ['soc'],
    byAction: { 'aws.deleteAccessKey': ['leads'] },
  },
};

describe('one-click approval links', () => {
  let h: Harness;
  const playbooks = useSandbox((ready) => {
    h = ready;
    h.notifications.clear();
  });
  const aliceKeys = () => h.seed.users.find((u) => u.userName === 'alice')?.accessKeys.map((k) => k.accessKeyId) ?? [];

  /** A medium alert: every step waits; returns the playbook and its approval-request message. */
  async function waitingPlaybook(user = 'alice') {
    const started = await h.start(alertAbout([awsUser(user)], 'medium'), { policy: POLICY });
    const handle = playbooks.handle(started.workflowId);
    await waitForStatus(handle, (s) => s.state === 'AwaitingApproval' && settled(s));
    const message = await waitForMessage(started.workflowId, /await approval/);
    return { handle, runId: started.runId, message };
  }

  async function waitForMessage(workflowId: string, pattern: RegExp, timeoutMs = 15_000): Promise<Message> {
    const deepLink = `(${h.uiUrl}/namespaces/default/workflows/${encodeURIComponent(workflowId)})`;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = (h.notifications.received as Message[]).find(
        (m) => m.text.includes(deepLink) && pattern.test(m.text),
      );
      if (found) return found;
      await sleep(50);
    }
    throw new Error(`no message matching ${String(pattern)} about ${workflowId}`);
  }

  /**
   * The approver's own link, from their direct messages about this playbook: links never go to the
   * shared channel, and an inbox holds only its owner's links.
   */
  async function linkIn(
    workflowId: string,
    verb: 'Approve' | 'Reject' | 'Release',
    approver: string,
    { timeoutMs = 15_000, after = 0 }: { timeoutMs?: number; after?: number } = {},
  ): Promise<string> {
    const label = `${verb} as ${approver}`;
    const pattern = new RegExp(`\\[${label.replaceAll('.', '\\.')}\\]\\((\\S+?)\\)`);
    const deepLink = `(${h.uiUrl}/namespaces/default/workflows/${encodeURIComponent(workflowId)})`;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const inbox = h.notifications.inbox(approver);
      const message = inbox
        .slice(after)
        .filter((m) => m.text.includes(deepLink) && pattern.test(m.text))
        .at(-1);
      const url = message && pattern.exec(message.text)?.[1];
      if (message && url) {
        assert.ok(url.startsWith(`${h.links.baseUrl}/links/`), url);
        const blocks = message.blocks.map((b) => b.text.text).join('\n');
        assert.ok(blocks.includes(`<${url}|${label}>`), 'the Slack blocks carry the same link');
        const owners = inbox.flatMap((m) => [...m.text.matchAll(/\[(?:Approve|Reject|Release) as ([^\]]+)\]/g)]);
        assert.deepEqual(
          [...new Set(owners.map(([, who]) => who))],
          [approver],
          "an inbox holds only its owner's links",
        );
        for (const m of h.notifications.received as Message[]) {
          assert.ok(!m.text.includes('/links/'), `no link in the shared channel: ${m.text}`);
        }
        return url;
      }
      if (Date.now() > deadline) throw new Error(`no "${label}" link in ${approver}'s inbox: ${JSON.stringify(inbox)}`);
      await sleep(50);
    }
  }

  const tokenOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);

  async function open(url: string, method: 'GET' | 'POST' = 'GET', body?: string): Promise<LinkAnswer> {
    const response = await fetch(url, {
      method,
      headers: { Accept: 'application/json', ...(body ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}) },
      body,
    });
    return { status: response.status, body: (await response.json()) as LinkAnswer['body'] };
  }

  const signed = async (grant: Omit<LinkGrant, 'expiresAt'>, expiresAt = new Date(Date.now() + 600_000)) =>
    `${h.links.baseUrl}/links/${(await signLinkToken(h.links.secret, { ...grant, expiresAt })).token}`;

  it('approves from the notification: GET shows the page and decides nothing, POST approves, the key is deleted', async () => {
    const keys = aliceKeys();
    const { handle } = await waitingPlaybook();
    const sam = await linkIn(handle.workflowId, 'Approve', 'sam@example.com');
    await linkIn(handle.workflowId, 'Reject', 'kim@example.com');
    const lee = await linkIn(handle.workflowId, 'Approve', 'lee@example.com');

    const page = await fetch(sam, { headers: { Accept: 'text/html' } });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<form method="post"[\s\S]*Approve the checked steps as sam@example.com<\/button>/);
    assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
    const preview = await open(sam);
    assert.equal(preview.status, 200);
    assert.deepEqual(
      preview.body.actions?.map((a) => `${a.id} ${a.status}`).sort(),
      [
        ...keys.map((k) => `aws:deactivate-key:${k} awaiting-approval`),
        `aws:deny-user-sessions:${ACCOUNT}/alice awaiting-approval`,
      ].sort(),
    );
    const untouched = await handle.query(statusQuery);
    assert.equal(untouched.decisions.length, 0, 'opening a link decides nothing');
    assert.deepEqual(h.aws.mutations().counts, {});

    const approved = await open(sam, 'POST');
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    assert.equal(approved.body.decision?.approver, 'sam@example.com');
    assert.equal(approved.body.decision?.link, (await verifyLinkToken(tokenOf(sam), [h.links.secret])).id);
    await waitForStatus(handle, (s) => keys.every((k) => statusOf(s, `aws:deactivate-key:${k}`).status === 'done'));
    assert.equal(h.aws.mutations().counts.DeleteAccessKey, undefined, "sam's link does not cover deleting keys");

    assert.equal((await open(lee, 'POST')).status, 200);
    const report = await result(handle);
    assert.equal(report.state, 'Contained');
    // Closed, the link still says which incident it was for and who decided what, from the report.
    const closed = await open(lee);
    assert.equal(closed.status, 410);
    assert.deepEqual(
      [closed.body.incident?.title, closed.body.incident?.severity, closed.body.incident?.state],
      ['Stolen access key used from an unfamiliar network', 'medium', 'Contained'],
    );
    assert.equal(
      closed.body.incident?.uiUrl,
      `${h.uiUrl}/namespaces/default/workflows/${encodeURIComponent(handle.workflowId)}`,
    );
    for (const action of closed.body.actions ?? []) {
      assert.match(action.decided?.join() ?? '', /^approve by lee@example.com at .* \(one-click link\)$/, action.id);
    }
    for (const key of keys) {
      assert.equal(h.aws.accessKey(key), undefined, `${key} is deleted`);
      assert.equal(statusOf(report, `aws:delete-key:${key}`).decidedBy?.approver, 'lee@example.com');
    }
    const history = await historyText(handle);
    for (const url of [sam, lee]) assert.ok(!history.includes(tokenOf(url)), 'no token in the history');
    assert.ok(!history.includes(h.links.secret), 'nor the secret that signs them');
    assert.deepEqual(
      report.decisions.map((d) => [d.verdict, d.approver, d.reason, Boolean(d.link)]),
      [
        ['approve', 'sam@example.com', LINK_REASON, true],
        ['approve', 'lee@example.com', LINK_REASON, true],
      ],
    );
  });

  it('works once: a used link answers 409 and decides nothing more', async () => {
    const { handle } = await waitingPlaybook();
    const sam = await linkIn(handle.workflowId, 'Approve', 'sam@example.com');
    assert.equal((await open(sam, 'POST')).status, 200);

    const again = await open(sam, 'POST');
    assert.equal(again.status, 409);
    assert.deepEqual(
      [again.body.page, again.body.earlier, again.body.decision?.approver],
      ['decided', true, 'sam@example.com'],
    );
    const preview = await open(sam);
    assert.equal(preview.status, 200, 'a page that says what the link did');
    assert.equal(preview.body.decision?.approver, 'sam@example.com');
    const status = await handle.query(statusQuery);
    assert.equal(status.decisions.length, 1);
  });

  it('answers 410 for an expired link and decides nothing', async () => {
    const { handle, runId } = await waitingPlaybook();
    const issued = new Date(Date.now() - 2 * 3_600_000);
    const grant: LinkGrant = {
      workflowId: handle.workflowId,
      runId,
      verdict: 'approve',
      actions: aliceKeys().map((k) => `aws:deactivate-key:${k}`),
      approver: 'sam@example.com',
      expiresAt: new Date(Date.now() - 60_000),
    };
    const expired = `${h.links.baseUrl}/links/${(await signLinkToken(h.links.secret, grant, issued)).token}`;
    for (const method of ['GET', 'POST'] as const) {
      const answer = await open(expired, method);
      assert.equal(answer.status, 410);
      assert.match(answer.body.error ?? '', /expired/);
    }
    assert.equal((await handle.query(statusQuery)).decisions.length, 0);
  });

  it('answers 403 for a link with a changed signature or signed with another secret', async () => {
    const { handle, runId } = await waitingPlaybook();
    const sam = await linkIn(handle.workflowId, 'Approve', 'sam@example.com');
    // Not the last character: its low bits are padding, so changing it may leave the signature intact.
    const at = sam.length - 5;
    const flipped = `${sam.slice(0, at)}${sam[at] === 'A' ? 'B' : 'A'}${sam.slice(at + 1)}`;
    const foreign = `${h.links.baseUrl}/links/${
      (
        await signLinkToken('another-secret-that-this-server-does-not-hold', {
          workflowId: handle.workflowId,
          runId,
          verdict: 'approve',
          actions: aliceKeys().map((k) => `aws:delete-key:${k}`),
          approver: 'lee@example.com',
          expiresAt: new Date(Date.now() + 600_000),
        })
      ).token
    }`;
    for (const url of [flipped, foreign]) {
      for (const method of ['GET', 'POST'] as const) assert.equal((await open(url, method)).status, 403);
    }
    assert.equal((await handle.query(statusQuery)).decisions.length, 0);
    assert.deepEqual(h.aws.mutations().counts, {});
  });

  it('undoes containment from the release link in the completion message', async () => {
    const keys = aliceKeys();
    const policy: Policy = { ...POLICY, releaseWindow: '10m' };
    const handle = playbooks.handle((await h.start(alertAbout([awsUser('alice')], 'high'), { policy })).workflowId);
    await waitForStatus(handle, (s) => s.state === 'AwaitingApproval' && settled(s));
    await reject(handle, { approver: 'lee@example.com', actions: keys.map((k) => `aws:delete-key:${k}`) });
    await waitForMessage(handle.workflowId, /playbook Contained/);
    const sam = await linkIn(handle.workflowId, 'Release', 'sam@example.com');
    const releaseUntil = Date.parse((await handle.query(statusQuery)).releaseUntil ?? '');
    const expiresAt = (await verifyLinkToken(tokenOf(sam), [h.links.secret])).expiresAt.getTime();
    assert.equal(expiresAt, Math.floor(releaseUntil / 1000) * 1000, 'the link expires with the release window');

    const preview = await open(sam);
    assert.equal(preview.status, 200);
    assert.ok(preview.body.actions?.every((a) => a.status === 'done'));
    assert.ok(
      keys.every((key) => h.aws.accessKey(key)?.status === 'Inactive'),
      'opening it undoes nothing',
    );

    assert.equal((await open(sam, 'POST')).status, 200);
    const report = await result(handle);
    assert.equal(report.state, 'Released');
    for (const key of keys) assert.equal(h.aws.accessKey(key)?.status, 'Active', `${key} works again`);
    assert.deepEqual(
      [report.decisions.at(-1)?.verdict, report.decisions.at(-1)?.approver],
      ['release', 'sam@example.com'],
    );
  });

  it('decides only as its own approver, for its own actions, in its own playbook', async () => {
    h.aws.reset(
      seedWith(h.seed, {
        users: [
          {
            userName: 'bob',
            accessKeys: [{ accessKeyId: 'AKIABOBLINKTEST00001', secretAccessKey: 'b'.repeat(40), status: 'Active' }],
          },
        ],
      }),
    );
    const alice = await waitingPlaybook('alice');
    const bob = await waitingPlaybook('bob');
    const deletes = aliceKeys().map((k) => `aws:delete-key:${k}`);

    // The body cannot name another approver or other actions: the token decides who and what.
    const sam = await linkIn(alice.handle.workflowId, 'Approve', 'sam@example.com');
    const claims = await verifyLinkToken(tokenOf(sam), [h.links.secret]);
    assert.ok(
      claims.actions.every((id) => !id.startsWith('aws:delete-key:')),
      "sam's link leaves deletes out",
    );
    const crafted = await open(sam, 'POST', `approver=lee%40example.com&${checked(...claims.actions)}`);
    assert.equal(crafted.status, 400);
    assert.equal((await alice.handle.query(statusQuery)).decisions.length, 0, 'a crafted form decides nothing');
    const decided = await open(sam, 'POST', checked(...claims.actions));
    assert.equal(decided.status, 200);
    assert.equal(decided.body.decision?.approver, 'sam@example.com');
    assert.deepEqual([...(decided.body.decision?.actions ?? [])].sort(), [...claims.actions].sort());
    const afterSam = await waitForStatus(alice.handle, (s) => s.decisions.length === 1);
    for (const id of deletes) assert.equal(statusOf(afterSam, id).status, 'awaiting-approval');

    // Validly signed for sam but over steps only lee may approve: the playbook refuses it.
    const overreach = await signed({
      workflowId: alice.handle.workflowId,
      runId: alice.runId,
      verdict: 'approve',
      actions: deletes,
      approver: 'sam@example.com',
    });
    const refused = await open(overreach, 'POST');
    assert.equal(refused.status, 409);
    assert.match(refused.body.error ?? '', /sam@example.com is not an approver for aws.deleteAccessKey/);

    // alice's steps in a token bound to bob's playbook: not in its plan.
    const misbound = await signed({
      workflowId: bob.handle.workflowId,
      runId: bob.runId,
      verdict: 'approve',
      actions: deletes,
      approver: 'lee@example.com',
    });
    const misboundPage = await open(misbound);
    assert.deepEqual([misboundPage.status, misboundPage.body.page], [200, 'settled']);
    const wrongPlaybook = await open(misbound, 'POST');
    assert.equal(wrongPlaybook.status, 409);
    assert.match(wrongPlaybook.body.error ?? '', /not in this playbook's plan/);
    assert.equal((await bob.handle.query(statusQuery)).decisions.length, 0);
    assert.equal(h.aws.accessKey('AKIABOBLINKTEST00001')?.status, 'Active');
    for (const key of aliceKeys()) assert.ok(h.aws.accessKey(key), `${key} is not deleted`);
  });

  it("sends each approver's links to them alone: the channel keeps the facts, each inbox only its owner's links", async () => {
    const { handle, message } = await waitingPlaybook();
    assert.ok(!message.text.includes('/links/'), message.text);
    assert.match(message.text, /One-click links went to 3 approver\(s\) by direct message/);
    for (const key of aliceKeys()) assert.ok(message.text.includes(`aws:delete-key:${key}`), 'the facts stay');
    // linkIn checks that each inbox holds only links for its owner.
    const sam = await linkIn(handle.workflowId, 'Approve', 'sam@example.com');
    const kim = await linkIn(handle.workflowId, 'Approve', 'kim@example.com');
    assert.ok(!h.notifications.inbox('kim@example.com').some((m) => m.text.includes(sam)));
    assert.ok(!h.notifications.inbox('sam@example.com').some((m) => m.text.includes(kim)));
    assert.equal((await verifyLinkToken(tokenOf(kim), [h.links.secret])).approver, 'kim@example.com');
  });

  it("posts fresh links after a partial decision in the UI's Signal, and the remaining step's link decides it", async () => {
    const keys = aliceKeys();
    const deactivates = keys.map((k) => `aws:deactivate-key:${k}`);
    const deny = `aws:deny-user-sessions:${ACCOUNT}/alice`;
    const { handle } = await waitingPlaybook();
    const first = await linkIn(handle.workflowId, 'Approve', 'sam@example.com');
    await linkIn(handle.workflowId, 'Approve', 'lee@example.com');
    const seen = h.notifications.inbox('sam@example.com').length;
    const leeSeen = h.notifications.inbox('lee@example.com').length;
    await approve(handle, { approver: 'kim@example.com', actions: deactivates });

    const fresh = await linkIn(handle.workflowId, 'Approve', 'sam@example.com', { after: seen });
    assert.deepEqual(
      (await verifyLinkToken(tokenOf(fresh), [h.links.secret])).actions,
      [deny],
      'the fresh link covers what still waits for sam',
    );
    await waitForMessage(handle.workflowId, /still waiting after kim@example.com's decision \(2 step\(s\) approved\)/);
    const lee = await linkIn(handle.workflowId, 'Approve', 'lee@example.com', { after: leeSeen });
    assert.deepEqual(
      [...(await verifyLinkToken(tokenOf(lee), [h.links.secret])).actions].sort(),
      keys.map((k) => `aws:delete-key:${k}`).sort(),
    );
    // The first link still answers: it offers what waits and says who decided the rest.
    const earlier = await open(first);
    assert.equal(earlier.status, 200);
    assert.deepEqual(
      earlier.body.actions?.filter((a) => a.choosable).map((a) => a.id),
      [deny],
    );
    for (const id of deactivates) {
      const shown = earlier.body.actions?.find((a) => a.id === id);
      assert.match(shown?.decided?.join() ?? '', /^approve by kim@example.com at /, id);
    }

    const decided = await open(fresh, 'POST', checked(deny));
    assert.equal(decided.status, 200, JSON.stringify(decided.body));
    await waitForStatus(handle, (s) => statusOf(s, deny).status === 'done');
  });

  describe('in a browser (Chromium)', () => {
    let context: BrowserContext;
    let profileDir: string;
    before(async () => {
      const ready = await harness();
      mkdirSync(ARTIFACTS, { recursive: true });
      profileDir = mkdtempSync(join(tmpdir(), 'revoker-links-chromium-'));
      context = await chromium.launchPersistentContext(profileDir, {
        executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
        args: ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
        viewport: { width: 1200, height: 900 },
        timezoneId: 'UTC',
      });
      // Only the link server: the page loads nothing else, and the test must not reach anything else.
      await context.route('**/*', (route) =>
        route.request().url().startsWith(`${ready.links.baseUrl}/`) ? route.continue() : route.abort('blockedbyclient'),
      );
      context.setDefaultTimeout(15_000);
    });
    after(async () => {
      await context?.close();
      if (profileDir) rmSync(profileDir, { recursive: true, force: true });
    });

    it(
      'approves a subset on the link page, receives a fresh link for the rest, approves it; the old link says who decided',
      { timeout: 120_000 },
      async () => {
        const keys = aliceKeys();
        const deactivates = keys.map((k) => `aws:deactivate-key:${k}`);
        const deny = `aws:deny-user-sessions:${ACCOUNT}/alice`;
        const { handle } = await waitingPlaybook();
        const { handle: incident, principals } = await handle.query(statusQuery);
        const uiLink = `${h.uiUrl}/namespaces/default/workflows/${encodeURIComponent(handle.workflowId)}`;
        const sam = await linkIn(handle.workflowId, 'Approve', 'sam@example.com');
        const seen = h.notifications.inbox('sam@example.com').length;
        const page = await context.newPage();
        const shot = (name: string) =>
          page.screenshot({ path: join(ARTIFACTS, `approval-links-${name}.png`), fullPage: true });
        const namesTheIncident = async () => {
          const text = (await page.locator('section.incident').textContent()) ?? '';
          for (const part of [incident ?? '', 'medium', 'Stolen access key used from an unfamiliar network']) {
            assert.ok(text.includes(part), `${part} in ${text}`);
          }
          const href = await page
            .getByRole('link', { name: 'Open the playbook in the Temporal UI' })
            .getAttribute('href');
          assert.equal(href, uiLink);
        };
        try {
          await page.goto(sam);
          await page.getByRole('heading', { name: 'Approve 3 step(s) as sam@example.com?' }).waitFor();
          await namesTheIncident();
          const card = principals[0]?.card;
          assert.ok(card, 'discovery filled the triage card');
          assert.ok((await page.locator('section.cards').textContent())?.includes(card.name), 'the card');
          const box = (id: string) => page.locator(`input[type=checkbox][value="${id}"]`);
          for (const id of [...deactivates, deny]) assert.ok(await box(id).isChecked(), id);
          await shot('1-all-checked');
          await box(deny).uncheck();
          await shot('2-one-unchecked');
          await page.getByRole('button', { name: 'Approve the checked steps as sam@example.com' }).click();
          await page.getByRole('heading', { name: 'Done: approve recorded' }).waitFor();
          assert.match((await page.locator('main').textContent()) ?? '', /not checked on the page: it still waits/);
          await namesTheIncident();
          await shot('3-subset-approved');
          const afterSubset = await waitForStatus(handle, (s) =>
            deactivates.every((id) => statusOf(s, id).status === 'done'),
          );
          assert.equal(statusOf(afterSubset, deny).status, 'awaiting-approval', 'the unchecked step still waits');

          const fresh = await linkIn(handle.workflowId, 'Approve', 'sam@example.com', { after: seen });
          assert.notEqual(fresh, sam);
          assert.deepEqual((await verifyLinkToken(tokenOf(fresh), [h.links.secret])).actions, [deny]);
          await page.goto(fresh);
          await page.getByRole('heading', { name: 'Approve 1 step(s) as sam@example.com?' }).waitFor();
          assert.match((await page.locator('ul.effect').textContent()) ?? '', /One step runs on your approval alone/);
          await shot('4-fresh-link');
          await page.getByRole('button', { name: 'Approve the checked steps as sam@example.com' }).click();
          await page.getByRole('heading', { name: 'Done: approve recorded' }).waitFor();
          await shot('5-rest-approved');
          await waitForStatus(handle, (s) => statusOf(s, deny).status === 'done');

          await page.goto(sam);
          await page.getByRole('heading', { name: 'This link was already used' }).waitFor();
          await namesTheIncident();
          const table = (await page.locator('table').textContent()) ?? '';
          assert.match(table, /approve by sam@example.com at \S+ \(one-click link\)/);
          await shot('6-old-link-decided');
        } finally {
          await page.close();
        }
        assert.equal((await open(await linkIn(handle.workflowId, 'Approve', 'lee@example.com'), 'POST')).status, 200);
        assert.equal((await result(handle)).state, 'Contained');
      },
    );
  });

  describe('under four eyes (fourEyes: 2)', () => {
    /** sam and kim may decide everything; deleting a key needs both. */
    const FOUR_EYES: Policy = {
      ...TEST_POLICY,
      fourEyes: 2,
      approvers: { groups: { soc: ['sam@example.com', 'kim@example.com'] }, default: ['soc'], byAction: {} },
    };
    const fourEyesPlaybook = async () => {
      const started = await h.start(alertAbout([awsUser('alice')], 'medium'), { policy: FOUR_EYES });
      const handle = playbooks.handle(started.workflowId);
      await waitForStatus(handle, (s) => s.state === 'AwaitingApproval' && settled(s));
      return { handle, runId: started.runId };
    };

    it("decides the second approver's link for the steps still waiting and says which it left and why", async () => {
      const keys = aliceKeys();
      const { handle } = await fourEyesPlaybook();
      const deletes = keys.map((k) => `aws:delete-key:${k}`);
      const sam = await linkIn(handle.workflowId, 'Approve', 'sam@example.com');
      const kim = await linkIn(handle.workflowId, 'Approve', 'kim@example.com');

      assert.equal((await open(sam, 'POST')).status, 200);
      // One approval runs the reversible steps; the deletions wait for a second person.
      const afterSam = await waitForStatus(handle, (s) =>
        keys.every((k) => statusOf(s, `aws:deactivate-key:${k}`).status === 'done'),
      );
      for (const id of deletes) assert.equal(statusOf(afterSam, id).approvals?.length, 1);

      const preview = await open(kim);
      assert.equal(preview.status, 200, JSON.stringify(preview.body));
      const decided = await open(kim, 'POST');
      assert.equal(decided.status, 200, JSON.stringify(decided.body));
      assert.deepEqual([...(decided.body.decision?.actions ?? [])].sort(), [...deletes].sort());
      const left = decided.body.left ?? [];
      assert.deepEqual(
        left.map((l) => l.id).sort(),
        [...keys.map((k) => `aws:deactivate-key:${k}`), `aws:deny-user-sessions:${ACCOUNT}/alice`].sort(),
      );
      for (const { why } of left) assert.match(why, /no longer waiting for a decision \(done\)|already approved/);
      assert.deepEqual(
        preview.body.left?.map((l) => l.id).sort(),
        left.map((l) => l.id).sort(),
        'the page said so before',
      );

      const report = await result(handle);
      assert.equal(report.state, 'Contained');
      for (const key of keys) {
        assert.equal(h.aws.accessKey(key), undefined, `${key} is deleted`);
        assert.equal(
          statusOf(report, `aws:delete-key:${key}`).decidedBy?.approver,
          'sam@example.com + kim@example.com',
        );
      }
    });

    it('sends the fresh link for a half-approved step to the other approver, not to the one who approved it', async () => {
      const keys = aliceKeys();
      const deletes = keys.map((k) => `aws:delete-key:${k}`);
      const { handle } = await fourEyesPlaybook();
      await linkIn(handle.workflowId, 'Approve', 'kim@example.com');
      const seen = {
        sam: h.notifications.inbox('sam@example.com').length,
        kim: h.notifications.inbox('kim@example.com').length,
      };
      // The CLI's path: the decide Update.
      await handle.executeUpdate(decideUpdate, {
        args: [{ verdict: 'approve', approver: 'sam@example.com', actions: deletes }],
      });
      const kim = await linkIn(handle.workflowId, 'Approve', 'kim@example.com', { after: seen.kim });
      const sam = await linkIn(handle.workflowId, 'Approve', 'sam@example.com', { after: seen.sam });
      const covers = async (url: string) => (await verifyLinkToken(tokenOf(url), [h.links.secret])).actions;
      const [kimCovers, samCovers] = [await covers(kim), await covers(sam)];
      assert.ok(
        deletes.every((id) => kimCovers.includes(id)),
        JSON.stringify(kimCovers),
      );
      assert.ok(!samCovers.some((id) => deletes.includes(id)), 'sam approved the deletes already');

      const page = await open(kim);
      assert.ok(
        page.body.effect?.some((sentence) =>
          sentence.startsWith('2 steps are permanent and they already have the approval of sam@example.com'),
        ),
        JSON.stringify(page.body.effect),
      );
      assert.equal((await open(kim, 'POST')).status, 200);
      const report = await result(handle);
      assert.equal(report.state, 'Contained');
      for (const key of keys) assert.equal(h.aws.accessKey(key), undefined, `${key} is deleted`);
    });

    it('cannot be met by one person: their link twice, their name in another case, or their link and then the CLI path', async () => {
      const keys = aliceKeys();
      const deletes = keys.map((k) => `aws:delete-key:${k}`);
      const { handle, runId } = await fourEyesPlaybook();
      const sam = await linkIn(handle.workflowId, 'Approve', 'sam@example.com');
      assert.equal((await open(sam, 'POST')).status, 200);
      await waitForStatus(handle, (s) => keys.every((k) => statusOf(s, `aws:deactivate-key:${k}`).status === 'done'));

      // The same link again: used. A fresh link of sam's (a re-sent message), or one naming Sam@Example.com: nothing left.
      const used = await open(sam, 'POST');
      assert.deepEqual([used.status, used.body.earlier, used.body.decision?.approver], [409, true, 'sam@example.com']);
      for (const approver of ['sam@example.com', 'Sam@Example.com']) {
        const again = await signed({
          workflowId: handle.workflowId,
          runId,
          verdict: 'approve',
          actions: deletes,
          approver,
        });
        const answer = await open(again, 'POST');
        assert.equal(answer.status, 409, JSON.stringify(answer.body));
        assert.match(answer.body.error ?? '', /already approved it: it waits for another approver/);
      }
      // The CLI's path (the decide Update) and the UI's (the approve Signal) as SAM@example.com.
      await assert.rejects(
        handle.executeUpdate(decideUpdate, {
          args: [{ verdict: 'approve', approver: 'SAM@example.com', actions: deletes }],
        }),
        (error: Error) => {
          assert.match(String(error.cause), /SAM@example.com already approved .*four eyes needs another approver/);
          return true;
        },
      );
      await approve(handle, { approver: 'SAM@example.com', actions: deletes });
      const status = await waitForStatus(handle, (s) => s.decisions.some((d) => d.approver === 'SAM@example.com'));
      for (const id of deletes) {
        assert.equal(statusOf(status, id).status, 'awaiting-approval');
        assert.equal(statusOf(status, id).decidedBy, undefined, `${id} still waits for a second person`);
      }
      for (const key of keys) assert.ok(h.aws.accessKey(key), `${key} is not deleted`);
    });
  });
});
