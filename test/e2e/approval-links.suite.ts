import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { LINK_REASON } from '../../client/approval-links/link-routes.js';
import { signLinkToken, verifyLinkToken, type LinkGrant } from '../../connect/link-token.js';
import type { Decision } from '../../domain/decision.js';
import { decideUpdate, statusQuery } from '../../domain/messages.js';
import type { Policy } from '../../domain/policy.js';
import { TEST_POLICY, type Harness } from '../harness.js';
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
    error?: string;
    actions?: { id: string; status: string }[];
    decision?: Decision;
    approver?: string;
    left?: { id: string; why: string }[];
  };
}

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
    timeoutMs = 15_000,
  ): Promise<string> {
    const label = `${verb} as ${approver}`;
    const pattern = new RegExp(`\\[${label.replaceAll('.', '\\.')}\\]\\((\\S+?)\\)`);
    const deepLink = `(${h.uiUrl}/namespaces/default/workflows/${encodeURIComponent(workflowId)})`;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const inbox = h.notifications.inbox(approver);
      const message = inbox.filter((m) => m.text.includes(deepLink) && pattern.test(m.text)).at(-1);
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
    assert.match(await page.text(), /<form method="post"[\s\S]*Approve as sam@example.com<\/button>/);
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
    assert.match(again.body.error ?? '', /used|not awaiting/);
    const preview = await open(sam);
    assert.equal(preview.status, 409);
    assert.match(preview.body.error ?? '', /approve by sam@example.com/);
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
    const decided = await open(sam, 'POST', 'approver=lee%40example.com&actions=all');
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
    assert.equal((await open(misbound)).status, 409);
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

    it('cannot be met by one person: their link twice, their name in another case, or their link and then the CLI path', async () => {
      const keys = aliceKeys();
      const deletes = keys.map((k) => `aws:delete-key:${k}`);
      const { handle, runId } = await fourEyesPlaybook();
      const sam = await linkIn(handle.workflowId, 'Approve', 'sam@example.com');
      assert.equal((await open(sam, 'POST')).status, 200);
      await waitForStatus(handle, (s) => keys.every((k) => statusOf(s, `aws:deactivate-key:${k}`).status === 'done'));

      // The same link again: used. A fresh link of sam's (a re-sent message), or one naming Sam@Example.com: nothing left.
      assert.match((await open(sam, 'POST')).body.error ?? '', /used at .*: approve by sam@example.com/);
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
