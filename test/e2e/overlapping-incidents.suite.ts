import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { formatStatus } from '../../client/cli/format.js';
import { signLinkToken } from '../../connect/link-token.js';
import { ledgerQuery, releaseSignal } from '../../domain/messages.js';
import { stateLabel } from '../../domain/outcome.js';
import type { Policy } from '../../domain/policy.js';
import type { Principal } from '../../domain/principal.js';
import { releasableSteps } from '../../domain/release.js';
import { RevokerPrincipal } from '../../domain/search-attributes.js';
import { ENTRA_SANDBOX } from '../../simulators/entra/index.js';
import { TEST_POLICY, type Harness } from '../harness.js';
import {
  ACCOUNT,
  alertAbout,
  approve,
  awsUser,
  filedTag,
  ledgerId,
  result,
  settled,
  statusOf,
  threeClouds,
  useSandbox,
  waitForStatus,
} from './helpers.js';

const OPEN: Policy = { ...TEST_POLICY, releaseWindow: '10m' };
const DENY = `aws:deny-user-sessions:${ACCOUNT}/alice`;
const mixedCloud: Principal[] = threeClouds();

/**
 * Two open incidents on one principal: an alice-only alert, and a mixed-cloud alert naming alice.
 * The controls on alice are hers, held by both; a release by one must leave them for the other.
 */
describe('overlapping incidents share the controls on a principal', () => {
  let h: Harness;
  const playbooks = useSandbox((ready) => (h = ready));
  const aliceKeys = () => h.seed.users.find((u) => u.userName === 'alice')?.accessKeys.map((k) => k.accessKeyId) ?? [];
  const contained = () => {
    const keys = aliceKeys();
    return {
      keysInactive: keys.every((key) => h.aws.accessKey(key)?.status === 'Inactive'),
      keysActive: keys.every((key) => h.aws.accessKey(key)?.status === 'Active'),
      denied: Boolean(h.aws.userPolicies('alice').RevokerContainment),
    };
  };

  async function twoIncidents(): Promise<{ alone: WorkflowHandle; mixed: WorkflowHandle }> {
    const alone = playbooks.handle(
      (await h.start(alertAbout([awsUser('alice')], 'high'), { policy: OPEN })).workflowId,
    );
    await waitForStatus(alone, (s) => settled(s) && s.state === 'AwaitingApproval');
    const mixed = playbooks.handle((await h.start(alertAbout(mixedCloud, 'high'), { policy: OPEN })).workflowId);
    assert.notEqual(alone.workflowId, mixed.workflowId, 'two incidents');
    await waitForStatus(mixed, (s) => settled(s) && s.principals.every((p) => p.status !== 'discovering'), 30_000);
    assert.deepEqual(contained(), { keysInactive: true, keysActive: false, denied: true });
    return { alone, mixed };
  }

  const release = (handle: WorkflowHandle) =>
    handle.signal(releaseSignal, { approver: 'sam@example.com', actions: 'all', reason: 'false positive' });

  it('keeps alice contained when the first incident is released, and lets go after the second', async () => {
    const { alone, mixed } = await twoIncidents();
    const preview = await waitForStatus(
      alone,
      (s) => statusOf(s, DENY).sharedWith?.includes(mixed.workflowId) ?? false,
    );
    assert.equal(statusOf(preview, DENY).status, 'done', 'the first incident made the deny');
    const ledger = await h.client.workflow.getHandle(ledgerId(h, `aws/${ACCOUNT}/user/alice`)).query(ledgerQuery);
    assert.equal(ledger.controls[DENY]?.holders.length, 2, 'the principal knows both holders');

    await release(alone);
    const first = await result(alone);
    assert.match(statusOf(first, `aws:remove-user-deny:${ACCOUNT}/alice`).note ?? '', /kept in force: also held by/);
    for (const key of aliceKeys()) {
      assert.ok(statusOf(first, `aws:reactivate-key:${key}`).note?.includes(mixed.workflowId), 'kept for the other');
    }
    assert.deepEqual(contained(), { keysInactive: true, keysActive: false, denied: true }, 'still contained');

    await release(mixed);
    const second = await result(mixed);
    assert.equal(statusOf(second, `aws:remove-user-deny:${ACCOUNT}/alice`).status, 'done');
    assert.deepEqual(contained(), { keysInactive: false, keysActive: true, denied: false }, 'released after the last');
  });

  it('names the other holder in revoker status and on the release link page, before and after the release', async () => {
    const { alone, mixed } = await twoIncidents();
    const preview = await waitForStatus(
      alone,
      (s) => statusOf(s, DENY).sharedWith?.includes(mixed.workflowId) ?? false,
    );
    // revoker status: the deny (and alice's keys) stay for the mixed-cloud incident.
    const line = (text: string, ...parts: string[]) => text.split('\n').find((l) => parts.every((p) => l.includes(p)));
    assert.ok(line(formatStatus(preview), DENY, 'stays: also held by', mixed.workflowId), formatStatus(preview));

    const { runId } = await alone.describe();
    const actions = releasableSteps(preview.actions, preview.sharedControls).map((r) => r.action.id);
    const grant = { workflowId: alone.workflowId, runId, verdict: 'release' as const, actions };
    const { token } = await signLinkToken(h.links.secret, {
      ...grant,
      approver: 'sam@example.com',
      expiresAt: new Date(Date.now() + 600_000),
    });
    const url = `${h.links.baseUrl}/links/${token}`;
    const page = await (await fetch(url)).text();
    assert.match(page, /stay in force after this release/);
    assert.match(page, /<strong>stays<\/strong>: also held by/);
    assert.ok(page.includes(`<code>${mixed.workflowId}</code>`), 'the page names the other incident');
    assert.equal((await fetch(url, { method: 'POST' })).status, 200);

    const report = await result(alone);
    const text = formatStatus(report);
    assert.match(text, /Kept in force \(the last incident holding a control releases it\)/);
    assert.ok(
      line(text.slice(text.indexOf('Kept in force')), DENY, `kept in force: also held by ${mixed.workflowId}`),
      text,
    );
    assert.deepEqual(contained(), { keysInactive: true, keysActive: false, denied: true }, 'still contained');
  });

  it('keeps alice contained when the second incident is released first, and lets go after the first', async () => {
    const { alone, mixed } = await twoIncidents();
    await release(mixed);
    const first = await result(mixed);
    assert.ok(
      statusOf(first, `aws:remove-user-deny:${ACCOUNT}/alice`).note?.includes(`also held by ${alone.workflowId}`),
      'kept for the other incident',
    );
    assert.deepEqual(contained(), { keysInactive: true, keysActive: false, denied: true }, 'still contained');
    // The mixed incident's own controls, which nobody else holds, did come off.
    assert.equal(h.entra.user(ENTRA_SANDBOX.compromisedUser.id)?.accountEnabled, true);

    await release(alone);
    const second = await result(alone);
    assert.equal(statusOf(second, DENY).sharedWith, undefined, 'the other holder let go');
    assert.deepEqual(contained(), { keysInactive: false, keysActive: true, denied: false }, 'released after the last');
  });

  it('never lets a release and a new hold race: a later incident finds its control in force', async () => {
    const { alone, mixed } = await twoIncidents();
    await release(alone);
    await release(mixed);
    await Promise.all([result(alone), result(mixed)]);
    const third = playbooks.handle(
      (await h.start(alertAbout([awsUser('alice')], 'high'), { policy: OPEN })).workflowId,
    );
    const status = await waitForStatus(third, (s) => settled(s) && s.state === 'AwaitingApproval');
    assert.equal(statusOf(status, DENY).status, 'done', 'contained again by the new incident');
    assert.deepEqual(contained(), { keysInactive: true, keysActive: false, denied: true });
  });

  it('joins an alert naming the same Entra user by object id to the incident opened under her UPN', async () => {
    const { tenantId, compromisedUser } = ENTRA_SANDBOX;
    const byName: Principal = { type: 'entra.user', tenantId, user: compromisedUser.userPrincipalName };
    const first = await h.start(alertAbout([byName], 'high'), { policy: OPEN });
    const incident = playbooks.handle(first.workflowId);
    // Filed under both names once discovery found the object id.
    await waitForFiledUnder(first.workflowId, `entra/${tenantId}/user/${compromisedUser.id}`);

    const byId: Principal = { type: 'entra.user', tenantId, user: compromisedUser.id.toUpperCase() };
    const second = await h.start(alertAbout([byId], 'high', { source: 'sentinel', id: 'by-object-id' }), {
      policy: OPEN,
    });
    assert.deepEqual([second.workflowId, second.runId, second.outcome], [first.workflowId, first.runId, 'merged']);
    const status = await waitForStatus(incident, (s) => s.alertCount === 2);
    assert.ok(
      status.alerts.some((a) => a.id === 'by-object-id'),
      'the second alert is in the first incident',
    );
    const running = [];
    for await (const run of h.client.workflow.list({
      query: `WorkflowType = 'playbook' AND ExecutionStatus = 'Running'`,
    })) {
      running.push(run.workflowId);
    }
    assert.deepEqual(running, [first.workflowId], 'one incident for one person');

    // Closed, the incident still answers for the alert it joined: a resend is a duplicate of its run, and a new
    // alert by object id opens the object id's own incident.
    await incident.terminate('closed for the test');
    const closed = `WorkflowId = '${first.workflowId}' AND ExecutionStatus != 'Running'`;
    for (const deadline = Date.now() + 30_000; (await h.client.workflow.count(closed)).count === 0;) {
      if (Date.now() > deadline) throw new Error('visibility never showed the incident closed');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const resent = await h.start(alertAbout([byId], 'high', { source: 'sentinel', id: 'by-object-id' }), {
      policy: OPEN,
    });
    assert.deepEqual(
      [resent.workflowId, resent.runId, resent.outcome],
      [first.workflowId, first.runId, 'duplicate'],
      'the closed incident it joined had it',
    );
    const fresh = await h.start(alertAbout([byId], 'high', { source: 'sentinel', id: 'by-object-id-2' }), {
      policy: OPEN,
    });
    playbooks.handle(fresh.workflowId);
    assert.equal(fresh.outcome, 'started');
    assert.notEqual(fresh.workflowId, first.workflowId, "the object id's own incident");
  });

  it('joins an alert whose principals are all under one open incident, and starts a new one otherwise', async () => {
    const mixed = await h.start(alertAbout(mixedCloud, 'high'), { policy: OPEN });
    playbooks.handle(mixed.workflowId);
    await waitForFiledUnder(mixed.workflowId, `aws/${ACCOUNT}/user/alice`);
    const alone = await h.start(alertAbout([awsUser('alice')], 'high'), { policy: OPEN });
    assert.deepEqual([alone.workflowId, alone.outcome], [mixed.workflowId, 'merged'], 'alice is under it: joins');

    const wider = await h.start(alertAbout([awsUser('alice'), awsUser('ci-deployer')], 'high'), { policy: OPEN });
    playbooks.handle(wider.workflowId);
    assert.equal(wider.outcome, 'started', 'ci-deployer is under no open incident: a new incident');
    assert.notEqual(wider.workflowId, mixed.workflowId);
  });

  it('reads a key an earlier incident deleted as Contained (already), naming that incident', async () => {
    const [key] = aliceKeys();
    assert.ok(key);
    const named: Principal = { type: 'aws.accessKey', accountId: ACCOUNT, accessKeyId: key };
    const first = playbooks.handle((await h.start(alertAbout([named], 'high'))).workflowId);
    await waitForStatus(first, (s) => settled(s) && s.state === 'AwaitingApproval');
    await approve(first, { approver: 'sam@example.com', actions: 'all' });
    const deleted = await result(first);
    assert.equal(statusOf(deleted, `aws:delete-key:${key}`).status, 'done');
    assert.equal(h.aws.accessKey(key), undefined, 'the key is gone');

    // The same key again, after the incident closed: a new run of the same incident, which finds no key.
    const again = await h.start(alertAbout([named], 'high'));
    assert.equal(again.workflowId, first.workflowId);
    const report = await result(h.client.workflow.getHandle(again.workflowId));
    assert.equal(report.state, 'Contained', report.summary);
    assert.equal(stateLabel(report), 'Contained (already)');
    const [principal] = report.principals;
    assert.equal(principal?.status, 'contained');
    assert.equal(principal?.containedBy?.action, `aws:delete-key:${key}`);
    assert.equal(principal?.containedBy?.handle, deleted.handle);
    assert.match(report.summary, /^Contained \(already\): .* was deleted already by INC-/);
    assert.deepEqual(report.residualRisks, [], 'nothing of the deleted key is left to anyone');
  });

  it('finds the key deleted by an incident about its user, under that incident', async () => {
    const keys = aliceKeys();
    const user = playbooks.handle((await h.start(alertAbout([awsUser('alice')], 'high'))).workflowId);
    await waitForStatus(user, (s) => settled(s) && s.state === 'AwaitingApproval');
    await approve(user, { approver: 'sam@example.com', actions: 'all' });
    const deleted = await result(user);
    assert.ok(keys.every((key) => statusOf(deleted, `aws:delete-key:${key}`).status === 'done'));

    const [key] = keys;
    assert.ok(key);
    const named: Principal = { type: 'aws.accessKey', accountId: ACCOUNT, accessKeyId: key };
    const later = playbooks.handle((await h.start(alertAbout([named], 'high'))).workflowId);
    assert.notEqual(later.workflowId, user.workflowId, "an incident of its own: the user's closed");
    const report = await result(later);
    assert.equal(stateLabel(report), 'Contained (already)', report.summary);
    assert.equal(report.principals[0]?.containedBy?.incident, user.workflowId);
  });

  /** Waits until visibility lists the incident under this principal key (its keyed hash). */
  async function waitForFiledUnder(workflowId: string, principalKey: string): Promise<void> {
    const key = filedTag(h, principalKey);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { typedSearchAttributes } = await h.client.workflow.getHandle(workflowId).describe();
      if (typedSearchAttributes.get(RevokerPrincipal)?.includes(key)) {
        // Describe reads the mutable state; the list filter reads visibility, which follows it.
        const query = `WorkflowId = '${workflowId}' AND ${RevokerPrincipal.name} = '${key}'`;
        if ((await h.client.workflow.count(query)).count > 0) return;
      }
      if (Date.now() > deadline) throw new Error(`${workflowId} was never filed under ${principalKey}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
});
