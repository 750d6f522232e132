import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alertSignal } from '../../domain/messages.js';
import type { Policy } from '../../domain/policy.js';
import type { Principal } from '../../domain/principal.js';
import { ENTRA_SANDBOX } from '../../simulators/entra/index.js';
import { GCP_SANDBOX } from '../../simulators/gcp/index.js';
import { TEST_POLICY, type Harness } from '../harness.js';
import {
  incidentId,
  ACCOUNT,
  alertAbout,
  approve,
  awsUser,
  reject,
  result,
  settled,
  useSandbox,
  waitForStatus,
} from './helpers.js';

const adele: Principal = {
  type: 'entra.user',
  tenantId: ENTRA_SANDBOX.tenantId,
  user: ENTRA_SANDBOX.compromisedUser.id,
};
const DISABLE_ADELE = `entra:disable-user:${ENTRA_SANDBOX.compromisedUser.id}`;

/**
 * Incidents that outgrow one run or one plan: a long history continues as new mid-containment, a
 * merged alert naming someone new adds them, and an alert after containment starts over with everyone.
 */
describe('long incidents', () => {
  let h: Harness;
  const playbooks = useSandbox((ready) => (h = ready));
  const aliceKeys = () => h.seed.users.find((u) => u.userName === 'alice')?.accessKeys.map((k) => k.accessKeyId) ?? [];

  it('continues as new while steps wait for approval, and loses no alert, decision window or step', async () => {
    const settings = { continueAsNewAfterEvents: 60 };
    const opener = alertAbout([awsUser('alice')], 'medium');
    const first = await h.start(opener, { settings });
    const handle = playbooks.handle(first.workflowId);
    const waiting = await waitForStatus(handle, (s) => settled(s) && s.state === 'AwaitingApproval');
    const since = Object.fromEntries(waiting.actions.map((r) => [r.action.id, r.awaitingSince]));

    // Each merged alert is an Update: the history grows past the setting and the incident rolls over.
    const merged = [];
    for (let i = 0; i < 40; i++) merged.push(await h.start(alertAbout([awsUser('alice')], 'medium'), { settings }));
    assert.ok(
      merged.every((m) => m.outcome === 'merged'),
      'every alert merged',
    );
    const { runId } = await handle.describe();
    assert.notEqual(runId, first.runId, 'a new run');
    const resumed = await waitForStatus(handle, (s) => (s.continuedAsNew ?? 0) >= 1 && s.alertCount === 41);
    assert.equal(resumed.state, 'AwaitingApproval');
    assert.ok(resumed.actions.every((r) => r.status === 'awaiting-approval'));
    for (const r of resumed.actions) assert.equal(r.awaitingSince, since[r.action.id], 'the window goes on');
    assert.equal((await h.start(opener, { settings })).outcome, 'duplicate', 'an alert of the first run');

    await approve(handle, { approver: 'sam@example.com', actions: 'all' });
    const report = await result(handle);
    assert.equal(report.alertCount, 42 - 1);
    assert.ok(
      report.actions.every((r) => r.status === 'done'),
      JSON.stringify(report.actions.map((r) => r.status)),
    );
    assert.ok(
      aliceKeys().every((key) => h.aws.accessKey(key) === undefined),
      'approved deletes ran in the new run',
    );
  });

  it('adds the principals a merged alert names that the incident does not cover, and says which alert did', async () => {
    const first = await h.start(alertAbout([awsUser('alice')], 'medium'));
    const handle = playbooks.handle(first.workflowId);
    await waitForStatus(handle, (s) => settled(s) && s.state === 'AwaitingApproval');
    const more = alertAbout([awsUser('alice'), adele], 'medium', { source: 'sentinel', id: 'adds-adele' });
    await handle.signal(alertSignal, more);
    const grown = await waitForStatus(handle, (s) => s.actions.some((r) => r.action.id === DISABLE_ADELE));
    assert.equal(grown.principals.length, 2);
    const change = grown.planChanges?.find((c) => c.alert === 'sentinel:adds-adele');
    assert.deepEqual(change?.added, [`entra/${ENTRA_SANDBOX.tenantId}/user/${ENTRA_SANDBOX.compromisedUser.id}`]);

    await waitForStatus(handle, (s) => settled(s));
    await approve(handle, { approver: 'sam@example.com', actions: 'all' });
    const report = await result(handle);
    assert.equal(report.actions.find((r) => r.action.id === DISABLE_ADELE)?.status, 'done');
    assert.equal(h.entra.user(ENTRA_SANDBOX.compromisedUser.id)?.accountEnabled, false, 'adele contained');
    assert.equal(report.actions.filter((r) => r.action.id === `aws:deny-user-sessions:${ACCOUNT}/alice`).length, 1);
  });

  it('starts over with every principal when an alert about only some of them arrives after containment', async () => {
    const open: Policy = { ...TEST_POLICY, releaseWindow: '10m' };
    const everyone: Principal[] = [
      awsUser('alice'),
      adele,
      { type: 'gcp.serviceAccount', projectId: GCP_SANDBOX.projectId, email: GCP_SANDBOX.compromised.email },
    ];
    const first = await h.start(alertAbout(everyone, 'high'), { policy: open });
    const handle = playbooks.handle(first.workflowId);
    await waitForStatus(handle, (s) => settled(s) && s.state === 'AwaitingApproval', 30_000);
    await reject(handle, { approver: 'sam@example.com', actions: 'all', reason: 'no deletes' });
    await waitForStatus(handle, (s) => s.releaseUntil !== undefined, 30_000);

    const late = await h.start(alertAbout([awsUser('alice')], 'high'), { policy: open });
    assert.deepEqual([late.workflowId, late.outcome], [first.workflowId, 'merged'], 'alice is under it: joins');
    const deadline = Date.now() + 30_000;
    while ((await handle.describe()).runId === first.runId) {
      assert.ok(Date.now() < deadline, 'the incident never started over');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // The new run triages every principal the incident covered, not only the late alert's.
    const again = await waitForStatus(handle, (s) => s.principals.every((p) => p.status !== 'discovering'), 30_000);
    assert.equal(again.principals.length, 3);
    assert.equal(again.alerts.length, 2);
    const keys = again.principals.map((p) => p.key);
    assert.ok(keys.includes(`aws/${ACCOUNT}/user/alice`), keys.join());
    assert.ok(keys.some((k) => k.startsWith('entra/')) && keys.some((k) => k.startsWith('gcp/')), 'adele and etl too');
  });

  it('answers duplicate for an alert resent after the incident it joined closed, and starts nothing', async () => {
    const everyone: Principal[] = [awsUser('alice'), adele];
    const first = await h.start(alertAbout(everyone, 'medium'));
    const handle = playbooks.handle(first.workflowId);
    await waitForStatus(handle, (s) => settled(s) && s.state === 'AwaitingApproval');
    const joining = alertAbout([awsUser('alice')], 'medium', { source: 'guardduty', id: 'joins-then-resent' });
    const joined = await h.start(joining);
    assert.deepEqual([joined.workflowId, joined.outcome], [first.workflowId, 'merged']);
    await reject(handle, { approver: 'sam@example.com', actions: 'all', reason: 'closing' });
    await result(handle);

    const since = new Date().toISOString();
    const resent = await h.start(joining);
    assert.deepEqual([resent.workflowId, resent.runId, resent.outcome], [first.workflowId, first.runId, 'duplicate']);
    const runs = await h.client.workflow.count(
      `WorkflowId = '${incidentId(h, [awsUser('alice')])}' AND StartTime > '${since}'`,
    );
    assert.equal(runs.count, 0, 'no incident of its own');
    const fresh = await h.start(alertAbout([awsUser('alice')], 'medium'));
    playbooks.handle(fresh.workflowId);
    assert.deepEqual([fresh.workflowId, fresh.outcome], [incidentId(h, [awsUser('alice')]), 'started']);
  });
});
