import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { decideUpdate, releaseSignal } from '../../domain/messages.js';
import type { Policy } from '../../domain/policy.js';
import type { Principal } from '../../domain/principal.js';
import { RevokerState } from '../../domain/search-attributes.js';
import { ENTRA_SANDBOX } from '../../simulators/entra/index.js';
import { GCP_SANDBOX } from '../../simulators/gcp/index.js';
import { TEST_POLICY, type Harness } from '../harness.js';
import {
  ACCOUNT,
  alertAbout,
  approve,
  awsRole,
  awsUser,
  entraUser,
  gcpServiceAccount,
  result,
  settled,
  statusOf,
  useSandbox,
  waitForStatus,
} from './helpers.js';

/** Contained playbooks stay open this long for a release: longer than any test. */
const OPEN: Policy = { ...TEST_POLICY, releaseWindow: '10m' };
const DENY = `aws:deny-user-sessions:${ACCOUNT}/alice`;

describe('release after a false positive', () => {
  let h: Harness;
  const playbooks = useSandbox((ready) => (h = ready));
  const aliceKeys = () => h.seed.users.find((u) => u.userName === 'alice')?.accessKeys.map((k) => k.accessKeyId) ?? [];

  it('undoes what Revoker changed and calls off the steps still waiting, from the UI Signal', async () => {
    const keys = aliceKeys();
    const handle = playbooks.handle(
      (await h.start(alertAbout([awsUser('alice')], 'high'), { policy: OPEN })).workflowId,
    );
    await waitForStatus(handle, (s) => settled(s) && s.state === 'AwaitingApproval');
    assert.ok(keys.every((key) => h.aws.accessKey(key)?.status === 'Inactive'));
    assert.ok(h.aws.userPolicies('alice').RevokerContainment);

    await handle.signal(releaseSignal, { approver: 'sam@example.com', actions: 'all', reason: 'pen test' });
    const report = await result(handle);

    assert.equal(report.state, 'Released');
    for (const key of keys) {
      assert.equal(h.aws.accessKey(key)?.status, 'Active', `${key} is active again`);
      assert.equal(statusOf(report, `aws:delete-key:${key}`).status, 'rejected', 'the deletion is called off');
      const undo = statusOf(report, `aws:reactivate-key:${key}`);
      assert.equal(undo.status, 'done');
      assert.equal(undo.action.reverses, `aws:deactivate-key:${key}`);
      assert.equal(undo.verification?.ok, true);
    }
    assert.equal(h.aws.userPolicies('alice').RevokerContainment, undefined, 'the deny policy is gone');
    assert.equal(statusOf(report, `aws:remove-user-deny:${ACCOUNT}/alice`).status, 'done');
    assert.deepEqual(report.irreversible, []);
    assert.equal(report.decisions.at(-1)?.verdict, 'release');
  });

  it('lists what cannot be undone, never brings back a deleted key, and answers the CLI at once', async () => {
    const keys = aliceKeys();
    const handle = playbooks.handle(
      (await h.start(alertAbout([awsUser('alice')], 'high'), { policy: OPEN })).workflowId,
    );
    await waitForStatus(handle, (s) => settled(s) && s.state === 'AwaitingApproval');
    await approve(handle, { approver: 'sam@example.com', actions: 'all' });
    const contained = await waitForStatus(handle, (s) => s.state === 'Contained');
    assert.ok(contained.releaseUntil, 'open for a release');
    assert.ok(keys.every((key) => h.aws.accessKey(key) === undefined));
    // Temporal says Running all window long; the list's RevokerState column (the README's saved view) says Contained.
    const listed = `WorkflowId = '${handle.workflowId}' AND ExecutionStatus = 'Running' AND ${RevokerState.name} = 'Contained'`;
    await waitUntil(async () => (await h.client.workflow.count(listed)).count === 1, 'listed as Contained');

    await assert.rejects(
      handle.executeUpdate(decideUpdate, {
        args: [{ verdict: 'release', approver: 'sam@example.com', actions: [`aws:deactivate-key:${keys[0]}`] }],
      }),
      (error: Error) => /deleted by aws:delete-key/.test(String((error.cause as Error | undefined)?.message)),
    );
    const decision = await handle.executeUpdate(decideUpdate, {
      args: [{ verdict: 'release', approver: 'sam@example.com', actions: 'all', reason: 'false positive' }],
    });
    assert.deepEqual(decision.actions, [`aws:remove-user-deny:${ACCOUNT}/alice`]);
    const report = await result(handle);

    assert.equal(report.state, 'Released');
    assert.equal(h.aws.userPolicies('alice').RevokerContainment, undefined);
    assert.deepEqual(report.irreversible.map((i) => i.action).sort(), keys.map((k) => `aws:delete-key:${k}`).sort());
  });

  it('is gated by policy: a release step set to "approval" needs someone other than who asked', async () => {
    const policy: Policy = {
      ...OPEN,
      actions: { ...OPEN.actions, 'aws.removeUserDeny': 'approval', 'aws.deleteAccessKey': 'skip' },
      approvers: { groups: { soc: ['sam@example.com', 'kim@example.com'] }, default: ['soc'], byAction: {} },
    };
    const handle = playbooks.handle((await h.start(alertAbout([awsUser('alice')], 'high'), { policy })).workflowId);
    await waitForStatus(handle, (s) => s.state === 'Contained');

    await assert.rejects(
      handle.executeUpdate(decideUpdate, {
        args: [{ verdict: 'release', approver: 'eve@example.com', actions: 'all' }],
      }),
      (error: Error) => /eve@example.com is not an approver/.test(String((error.cause as Error | undefined)?.message)),
    );
    await handle.executeUpdate(decideUpdate, {
      args: [{ verdict: 'release', approver: 'sam@example.com', actions: [DENY] }],
    });
    const undo = `aws:remove-user-deny:${ACCOUNT}/alice`;
    await waitForStatus(handle, (s) => s.state === 'AwaitingApproval' && statusOf(s, undo).requestedBy !== undefined);
    assert.ok(h.aws.userPolicies('alice').RevokerContainment, 'nothing undone before the second person approves');
    await assert.rejects(
      handle.executeUpdate(decideUpdate, {
        args: [{ verdict: 'approve', approver: 'sam@example.com', actions: [undo] }],
      }),
      (error: Error) => /another approver must approve it/.test(String((error.cause as Error | undefined)?.message)),
    );
    await handle.executeUpdate(decideUpdate, {
      args: [{ verdict: 'approve', approver: 'kim@example.com', actions: [undo] }],
    });
    const report = await result(handle);
    assert.equal(report.state, 'Released');
    assert.equal(h.aws.userPolicies('alice').RevokerContainment, undefined);
    assert.ok(
      aliceKeys().every((key) => h.aws.accessKey(key)?.status === 'Inactive'),
      'only the deny was released',
    );
  });

  it('re-enables Entra users and GCP service accounts and keys, and removes a role revocation', async () => {
    const principals: Principal[] = [awsRole('deploy'), entraUser(), gcpServiceAccount()];
    const handle = playbooks.handle((await h.start(alertAbout(principals, 'critical'), { policy: OPEN })).workflowId);
    await waitForStatus(handle, (s) => settled(s) && s.state === 'AwaitingApproval', 30_000);
    assert.equal(h.entra.user(ENTRA_SANDBOX.compromisedUser.id)?.accountEnabled, false);
    assert.equal(h.gcp.serviceAccount(GCP_SANDBOX.compromised.email)?.disabled, true);
    assert.ok(h.aws.rolePolicies('deploy').AWSRevokeOlderSessions);

    await handle.signal(releaseSignal, { approver: 'sam@example.com', actions: 'all' });
    const report = await result(handle);

    assert.equal(report.state, 'Released');
    assert.equal(h.entra.user(ENTRA_SANDBOX.compromisedUser.id)?.accountEnabled, true);
    assert.equal(h.gcp.serviceAccount(GCP_SANDBOX.compromised.email)?.disabled, false);
    assert.equal(h.gcp.key(GCP_SANDBOX.compromised.stolenKeyName)?.disabled, false);
    assert.equal(h.aws.rolePolicies('deploy').AWSRevokeOlderSessions, undefined);
    assert.deepEqual(
      report.irreversible.map((i) => i.action),
      [`entra:revoke-sessions:${ENTRA_SANDBOX.compromisedUser.id}`],
      'revoked sessions stay revoked',
    );
  });

  it('closes with its report when the window passes, and a release is refused after it', async () => {
    const policy: Policy = {
      ...OPEN,
      releaseWindow: '2s',
      actions: { ...OPEN.actions, 'aws.deleteAccessKey': 'skip' },
    };
    const handle = playbooks.handle((await h.start(alertAbout([awsUser('alice')], 'high'), { policy })).workflowId);
    const report = await result(handle);
    assert.equal(report.state, 'Contained');
    assert.equal(report.releaseUntil, undefined);
    await assert.rejects(handle.signal(releaseSignal, { approver: 'sam@example.com', actions: 'all' }));
  });

  it('starts over for a new alert about the same principals after containment', async () => {
    const policy: Policy = { ...OPEN, actions: { ...OPEN.actions, 'aws.deleteAccessKey': 'skip' } };
    const [firstAlert, secondAlert] = [alertAbout([awsUser('alice')], 'high'), alertAbout([awsUser('alice')], 'high')];
    const first = await h.start(firstAlert, { policy });
    const handle = playbooks.handle(first.workflowId);
    await waitForStatus(handle, (s) => s.state === 'Contained');

    const second = await h.start(secondAlert, { policy });
    assert.equal(second.merged, true);
    let runId = first.runId;
    for (let tries = 0; runId === first.runId && tries < 100; tries += 1) {
      await sleep(100);
      runId = (await handle.describe()).runId;
    }
    assert.notEqual(runId, first.runId, 'the playbook continued as a new run');
    const rerun = await waitForStatus(h.client.workflow.getHandle(first.workflowId, runId), (s) =>
      Boolean(s.containedAt),
    );
    assert.deepEqual(
      rerun.alerts.map((a) => a.id),
      [firstAlert.id, secondAlert.id],
      'the new run carries both alerts',
    );
    assert.equal(statusOf(rerun, DENY).status, 'already', 'the new triage finds the deny in place');
  });
});

/** Polls `check` (visibility follows the workflow's state by a moment) until it holds, for up to 15 s. */
async function waitUntil(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`never ${what}`);
    await sleep(100);
  }
}
