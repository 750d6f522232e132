import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { controlOwner } from '../../domain/ledger.js';
import {
  alertRefsQuery,
  alertSignal,
  approveSignal,
  decideUpdate,
  hasAlertsQuery,
  holdControlUpdate,
  holdersSignal,
  intakeUpdate,
  ledgerQuery,
  recordControlUpdate,
  recordGoneUpdate,
  rejectSignal,
  releaseControlUpdate,
  releasedControlUpdate,
  releaseSignal,
  statusQuery,
} from '../../domain/messages.js';
import { ActionKind } from '../../domain/action.js';
import type { Policy } from '../../domain/policy.js';
import { FINAL_ACTION_STATUSES } from '../../domain/report.js';
import { TEST_POLICY, type Harness } from '../harness.js';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  alertAbout,
  approve,
  awsUser,
  ledgerId,
  result,
  settled,
  statusOf,
  useSandbox,
  waitForStatus,
} from './helpers.js';

/** What a careless or hostile person can type into the Temporal UI's Send a Signal dialog. */
function deeplyNested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i += 1) value = i % 2 ? { approver: value } : [value];
  return value;
}
const JUNK: [string, unknown][] = [
  ['null', null],
  ['a string', 'approve everything'],
  ['a number', 42],
  ['an array', ['all']],
  ['an empty object', {}],
  ['wrong types', { approver: 7, actions: { all: true } }],
  ['a huge payload', { approver: 'x'.repeat(200_000), actions: Array.from({ length: 5_000 }, (_, i) => `id-${i}`) }],
  ['a deeply nested payload', deeplyNested(90)],
  ['unknown keys', { approver: 'sam@example.com', actions: 'all', rm: '-rf /' }],
];

/** Update events in a workflow's history: a refused Update must leave none. */
async function updateEvents(handle: WorkflowHandle): Promise<number> {
  const { events } = await handle.fetchHistory();
  return (events ?? []).filter((e) => /UPDATE/.test(String(e.eventType))).length;
}

/** Refused by the handler's validator, before it is accepted: a short reason, and nothing recorded. */
function refusedByValidator(what: string, type: string) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof WorkflowUpdateFailedError, `${what}: ${String(error)}`);
    assert.ok(error.cause instanceof ApplicationFailure, `${what}: ${String(error.cause)}`);
    assert.equal(error.cause.type, type, what);
    assert.ok(error.cause.message.length > 0 && error.cause.message.length <= 500, `${what}: a short reason`);
    return true;
  };
}

describe('every message is validated: nothing typed into Send a Signal wedges a playbook', () => {
  let h: Harness;
  const playbooks = useSandbox((ready) => (h = ready));

  it('records junk in each Signal as ignored, shows it in Current Details, and still contains the key', async () => {
    const handle = playbooks.handle((await h.start(alertAbout([awsUser('alice')], 'medium'))).workflowId);
    await waitForStatus(handle, (s) => s.state === 'AwaitingApproval' && settled(s));
    const signals = [approveSignal, rejectSignal, releaseSignal, alertSignal];
    for (const signal of signals) {
      for (const [, payload] of JUNK) await handle.signal(signal as typeof approveSignal, payload as never);
    }
    const sent = signals.length * JUNK.length;
    const status = await waitForStatus(handle, (s) => (s.ignored?.count ?? 0) >= sent);
    assert.equal(status.ignored?.count, sent, 'every junk message is counted');
    assert.ok((status.ignored?.latest.length ?? 0) <= 20, 'only the latest are kept');
    assert.ok(
      status.ignored?.latest.every((m) => m.reason.length <= 500),
      'reasons are short',
    );
    assert.ok(JSON.stringify(status).length < 64_000, `the status stays small (${JSON.stringify(status).length})`);
    assert.equal(status.alerts.length, 1, 'no junk alert was merged');
    assert.ok(
      status.actions.every((r) => r.status === 'awaiting-approval' && !r.decidedBy),
      'nothing was decided',
    );

    // The query the Temporal UI itself reads Current Details through.
    const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    const text = metadata.currentDetails ?? '';
    assert.match(text, new RegExp(`Ignored ${sent} message\\(s\\)`), 'Current Details says so');

    await approve(handle, { approver: 'sam@example.com', actions: 'all' });
    const report = await result(handle);
    assert.equal(report.state, 'Contained', 'the playbook still works');
    assert.equal(report.ignored?.count, sent);
  });

  it('refuses junk in the decide Update with the reason, and the playbook goes on', async () => {
    const handle = playbooks.handle((await h.start(alertAbout([awsUser('alice')], 'medium'))).workflowId);
    await waitForStatus(handle, (s) => s.state === 'AwaitingApproval' && settled(s));
    for (const [what, payload] of JUNK) {
      await assert.rejects(
        handle.executeUpdate(decideUpdate, { args: [payload as never] }),
        (error: unknown) => {
          assert.ok(error instanceof WorkflowUpdateFailedError, `${what}: ${String(error)}`);
          assert.ok(String(error.cause?.message).length <= 500, `${what}: a short reason`);
          return true;
        },
        what,
      );
    }
    const decision = await handle.executeUpdate(decideUpdate, {
      args: [{ verdict: 'approve', approver: 'sam@example.com', actions: 'all' }],
    });
    assert.ok(decision.actions.length > 0);
    assert.equal((await result(handle)).state, 'Contained');
  });

  it('reports what was done and what was left when cancelled during an approval wait', async () => {
    const handle = playbooks.handle((await h.start(alertAbout([awsUser('alice')], 'high'))).workflowId);
    await waitForStatus(handle, (s) => s.state === 'AwaitingApproval' && settled(s));
    await handle.cancel();
    const report = await result(handle);
    assert.ok(report.cancelledAt, 'the report says it was cancelled');
    assert.match(report.summary, /^cancelled: /);
    const done = report.actions.filter((r) => r.status === 'done').map((r) => r.action.kind);
    assert.ok(done.includes('aws.deactivateAccessKey'), 'what was done stays reported');
    const left = report.actions.filter((r) => r.action.kind === 'aws.deleteAccessKey');
    assert.ok(left.length > 0);
    for (const r of left)
      assert.deepEqual([r.status, r.note], ['skipped', 'the incident was cancelled before this step ran']);
    assert.equal((await handle.describe()).status.name, 'COMPLETED', 'it ended with its report');
  });

  it('aborts a provider call in flight within seconds when the incident is cancelled, and reports the step cancelled', async () => {
    // Only the keys' deactivation runs (once approved), so the one step in flight is all the cancellation meets.
    const policy: Policy = {
      ...TEST_POLICY,
      actions: {
        ...Object.fromEntries(ActionKind.options.map((kind) => [kind, 'skip'])),
        'aws.deactivateAccessKey': 'approval',
      },
    };
    const started = await h.start(alertAbout([awsUser('alice')], 'high'), {
      policy,
      settings: { activityTimeout: '1m' },
    });
    const handle = playbooks.handle(started.workflowId);
    await waitForStatus(handle, (s) => s.state === 'AwaitingApproval' && settled(s));
    // The step's first call (reading the user's keys) is held for a minute, longer than the SDK's own limit,
    // and the step has a minute to act: only the cancellation can end the call before then.
    h.aws.injectFault({ action: 'ListAccessKeys', latencyMs: 60_000 });
    const abandonedBefore = h.aws.abandoned();
    try {
      await approve(handle, { approver: 'sam@example.com', actions: 'all' });
      // Alice has two keys: one step's read is held, the other's answers and that step finishes.
      const running = await waitForStatus(
        handle,
        (s) =>
          s.actions.filter((r) => r.status === 'running').length === 1 &&
          s.actions.every((r) => r.status === 'running' || FINAL_ACTION_STATUSES.includes(r.status)),
      );
      const step = running.actions.find((r) => r.status === 'running');
      assert.ok(step);
      await sleep(1_000); // the call is held by the simulator
      assert.equal(statusOf(await handle.query(statusQuery), step.action.id).status, 'running');

      const cancelledAt = Date.now();
      await handle.cancel();
      const aborted = await Promise.race([
        h.aws.abandonedAt(abandonedBefore + 1).then(() => true),
        sleep(15_000).then(() => false),
      ]);
      const took = Date.now() - cancelledAt;
      assert.ok(aborted, 'the activity aborted its call');
      assert.ok(took < 8_000, `the abort reached the call ${took} ms after the cancel`);

      const report = await result(handle);
      assert.ok(report.cancelledAt);
      const cut = statusOf(report, step.action.id);
      assert.equal(cut.status, 'failed');
      assert.equal(cut.error?.type, 'CancelledFailure', 'the report says the step was cancelled while it ran');
      assert.match(cut.note ?? '', /the change may have landed/);
    } finally {
      h.aws.clearFaults();
    }
  });

  it('records junk in the holders Signal as ignored, refuses junk in the intake Update, answers junk Queries, and still contains the key', async () => {
    const handle = playbooks.handle((await h.start(alertAbout([awsUser('alice')], 'medium'))).workflowId);
    await waitForStatus(handle, (s) => s.state === 'AwaitingApproval' && settled(s));
    for (const [, payload] of JUNK) await handle.signal(holdersSignal, payload as never);
    const status = await waitForStatus(handle, (s) => (s.ignored?.count ?? 0) >= JUNK.length);
    assert.equal(status.ignored?.count, JUNK.length, 'every junk holders Signal is counted');
    assert.ok(status.ignored?.latest.every((m) => m.reason.length <= 500));

    const updatesBefore = await updateEvents(handle);
    const intakeJunk: [string, unknown][] = [
      ...JUNK,
      ['no alerts', { alerts: [] }],
      ['junk alerts', { alerts: ['alert', null, { id: 7 }] }],
      ['too many alerts', { alerts: Array.from({ length: 501 }, () => ({})) }],
    ];
    for (const [what, payload] of intakeJunk) {
      await assert.rejects(
        handle.executeUpdate(intakeUpdate, { args: [payload as never] }),
        refusedByValidator(`intake, ${what}`, 'InvalidAlert'),
      );
    }
    assert.equal(await updateEvents(handle), updatesBefore, 'no refused Update is written to history');

    // Queries with junk arguments: answered, or refused to the caller, and the playbook goes on answering.
    for (const [what, payload] of JUNK) {
      const refs = await handle.query(alertRefsQuery, payload as never).then(
        (page) => page,
        (error: unknown) => {
          assert.ok(String(error).length <= 2_000, `alertRefs, ${what}: a short refusal (${String(error).length})`);
          return undefined;
        },
      );
      if (refs) assert.equal(refs.total, 1, `alertRefs, ${what}`);
      const has = await handle.query(hasAlertsQuery, payload as never);
      assert.ok(Array.isArray(has) && has.every((b) => b === false), `hasAlerts, ${what}: ${JSON.stringify(has)}`);
    }
    assert.equal((await handle.query(statusQuery)).alerts.length, 1, 'still answering, nothing merged');

    await approve(handle, { approver: 'sam@example.com', actions: 'all' });
    assert.equal((await result(handle)).state, 'Contained', 'the playbook still works');
  });

  it("refuses junk in each of the principal ledger's Updates in its validator, records nothing, and keeps answering", async () => {
    const policy: Policy = { ...TEST_POLICY, releaseWindow: '1h' };
    const handle = playbooks.handle((await h.start(alertAbout([awsUser('alice')], 'high'), { policy })).workflowId);
    const running = await waitForStatus(handle, (s) => s.state === 'AwaitingApproval' && settled(s));
    const held = running.actions.find((r) => r.action.kind === 'aws.deactivateAccessKey');
    assert.ok(held?.status === 'done', 'a control is in force, held in the ledger');
    const ledgerHandle = h.client.workflow.getHandle(ledgerId(h, controlOwner(held.action)));
    const before = await ledgerHandle.query(ledgerQuery);
    const updatesBefore = await updateEvents(ledgerHandle);

    const updates = [
      holdControlUpdate,
      recordControlUpdate,
      recordGoneUpdate,
      releaseControlUpdate,
      releasedControlUpdate,
    ];
    const ledgerJunk: [string, unknown][] = [
      ...JUNK,
      ['an unknown key beside valid ones', { incident: `${handle.workflowId}#x`, control: held.action.id, drop: 1 }],
      ['a huge control id', { incident: `${handle.workflowId}#x`, control: 'c'.repeat(100_000) }],
    ];
    for (const update of updates) {
      for (const [what, payload] of ledgerJunk) {
        await assert.rejects(
          ledgerHandle.executeUpdate(update as typeof holdControlUpdate, { args: [payload as never] }),
          refusedByValidator(`${update.name}, ${what}`, 'InvalidLedgerRequest'),
        );
      }
    }
    assert.equal(await updateEvents(ledgerHandle), updatesBefore, 'no refused Update is written to history');
    assert.deepEqual(await ledgerHandle.query(ledgerQuery), before, 'the ledger answers, unchanged');
    assert.equal((await ledgerHandle.describe()).status.name, 'RUNNING');

    // The incident's own use of the ledger still works: its release undoes the control.
    await handle.signal(releaseSignal, { approver: 'sam@example.com', actions: 'all', reason: 'pen test' });
    const report = await result(handle);
    const undo = report.actions.find((r) => r.action.reverses === held.action.id);
    assert.equal(undo?.status, 'done', `released through the ledger: ${undo?.note ?? ''}`);
  });
});
