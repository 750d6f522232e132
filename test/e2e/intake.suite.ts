import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { approveSignal, statusQuery } from '../../domain/messages.js';
import type { PlaybookStatus } from '../../domain/report.js';
import { PLAYBOOK_TASK_QUEUE } from '../../domain/task-queues.js';
import { TEST_POLICY, TEST_SETTINGS, type Harness } from '../harness.js';
import type { Policy } from '../../domain/policy.js';
import { ACCOUNT, alertAbout, awsUser, incidentId, settled, statusOf, useSandbox, waitForStatus } from './helpers.js';

describe('alert intake', () => {
  let h: Harness;
  const playbooks = useSandbox((ready) => (h = ready));

  it('starts no second playbook for a repeated alert, and merges another alert about the same principal', async () => {
    const alert = alertAbout([awsUser('alice')], 'medium');
    const first = await h.start(alert);
    const handle = playbooks.handle(first.workflowId);
    assert.equal(first.workflowId, incidentId(h, [awsUser('alice')]));
    assert.match(first.workflowId, /^contain\/p\.[A-Za-z0-9_-]{27}$/, 'the id names no one: a keyed hash');
    assert.deepEqual([first.outcome, first.merged, first.duplicate], ['started', false, false]);
    assert.match(first.uiUrl, /^http:\/\/localhost:8233\/namespaces\/default\/workflows\/contain%2Fp\./);

    const again = await h.start(alert);
    assert.deepEqual([again.workflowId, again.runId, again.duplicate], [first.workflowId, first.runId, true]);

    const other = await h.start(alertAbout([awsUser('alice')], 'high', { source: 'guardduty', id: 'gd-1' }));
    assert.deepEqual([other.runId, other.merged], [first.runId, true]);
    const status = await waitForStatus(handle, (s) => s.alerts.length === 2);
    assert.deepEqual(
      status.alerts.map((a) => `${a.source}/${a.id}`),
      [`test/${alert.id}`, 'guardduty/gd-1'],
    );

    const runs = [];
    const query = `WorkflowId = '${first.workflowId}' AND ExecutionStatus = 'Running'`;
    for await (const run of h.client.workflow.list({ query })) runs.push(run.runId);
    assert.deepEqual(runs, [first.runId], 'one open playbook for the principal');
    assert.equal((await handle.query(statusQuery)).alerts.length, 2);
  });

  it('records a Signal that arrives with the first workflow task (signal-with-start) without failing the task', async () => {
    const alert = alertAbout([awsUser('ci-deployer')], 'low');
    const handle = await h.client.workflow.signalWithStart('playbook', {
      workflowId: `test/early-signal/${alert.id}`,
      taskQueue: PLAYBOOK_TASK_QUEUE,
      args: [{ alert, policy: TEST_POLICY, settings: TEST_SETTINGS }],
      signal: approveSignal,
      signalArgs: [{ approver: 'eager@example.com', actions: 'all' }],
    });
    playbooks.handle(handle.workflowId);
    const status = await waitForStatus(handle, (s) => s.decisions.length === 1 && s.actions.length > 0);
    assert.match(status.decisions[0]?.ignored ?? '', /plan is not ready yet/);
    assert.ok(
      status.actions.every((r) => r.status === 'awaiting-approval'),
      'an early approval releases nothing',
    );
  });

  it("starts a new playbook for a new alert once the previous one closed, and knows the old one's alerts", async () => {
    const opener = alertAbout([awsUser('ci-deployer')], 'low');
    const first = await h.start(opener);
    await playbooks.handle(first.workflowId).terminate('closed for the test');
    const resent = await h.start(opener);
    assert.deepEqual([resent.outcome, resent.runId], ['duplicate', first.runId], 'the closed run had it');
    const second = await h.start(alertAbout([awsUser('ci-deployer')], 'low'));
    assert.equal(second.workflowId, first.workflowId);
    assert.notEqual(second.runId, first.runId);
    assert.equal(second.outcome, 'started');
  });

  it('re-plans when a merged alert raises the severity: steps the policy now runs at once run, and the report says why', async () => {
    const opened = await h.start(alertAbout([awsUser('alice')], 'medium'));
    const handle = playbooks.handle(opened.workflowId);
    await waitForStatus(handle, (s) => s.state === 'AwaitingApproval' && settled(s));
    assert.deepEqual(h.aws.mutations().counts, {}, 'a medium alert waits for a human');

    const critical = alertAbout([awsUser('alice')], 'critical', { source: 'guardduty', id: 'gd-critical' });
    assert.equal((await h.start(critical)).outcome, 'merged');
    const deactivated = (s: PlaybookStatus) =>
      s.actions.filter((r) => r.action.kind === 'aws.deactivateAccessKey').every((r) => r.status === 'done');
    const status = await waitForStatus(handle, (s) => s.severity === 'critical' && settled(s) && deactivated(s));
    const deactivations = status.actions.filter((r) => r.action.kind === 'aws.deactivateAccessKey');
    assert.ok(deactivations.length > 0, 'containment ran at once');
    const [first] = deactivations;
    assert.ok(first?.action.kind === 'aws.deactivateAccessKey');
    assert.equal(h.aws.accessKey(first.action.target.accessKeyId)?.status, 'Inactive');
    assert.ok(
      status.actions.filter((r) => r.action.destructive).every((r) => r.status === 'awaiting-approval'),
      'destructive steps still wait for a human',
    );
    assert.equal(status.planChanges?.[0]?.alert, 'guardduty:gd-critical');
    assert.ok(status.planChanges?.[0]?.runNow.includes(deactivations[0]?.action.id ?? ''));
    const details = (await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata')).currentDetails;
    assert.match(details ?? '', /alert `guardduty:gd-critical` raised the severity to critical/);
  });

  it('runs a step the policy skipped at the old severity once a merged alert raises it to one where it runs', async () => {
    const policy: Policy = {
      ...TEST_POLICY,
      actions: {
        ...TEST_POLICY.actions,
        'aws.denyUserSessions': { low: 'skip', medium: 'skip', high: 'auto', critical: 'auto' },
      },
    };
    const deny = `aws:deny-user-sessions:${ACCOUNT}/alice`;
    const opened = await h.start(alertAbout([awsUser('alice')], 'medium'), { policy });
    const handle = playbooks.handle(opened.workflowId);
    const before = await waitForStatus(handle, (s) => s.state === 'AwaitingApproval' && settled(s));
    assert.equal(statusOf(before, deny).status, 'skipped');
    await h.start(alertAbout([awsUser('alice')], 'high', { source: 'guardduty', id: 'gd-unskips' }), { policy });
    const after = await waitForStatus(handle, (s) => statusOf(s, deny).status === 'done');
    assert.ok(after.planChanges?.[0]?.runNow.includes(deny), 'the report says the raised severity ran it');
    assert.ok(h.aws.userPolicies('alice').RevokerContainment, 'the deny is in force');
  });
});
