import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Decision, DecisionRequest, Verdict } from '../../domain/decision.js';
import type { PlaybookStatus } from '../../domain/report.js';
import { CliError } from './cli-error.js';
import { decideCommand, DECISION_WAIT_MS, type CommandIo, type PlaybookGateway } from './commands.js';
import { awaitingStatus, DELETE, withAction, WORKFLOW_ID } from './status-fixture.js';

const AT = '2026-11-23T10:01:00Z';

/**
 * A playbook stand-in that answers each status query with the next scripted snapshot (the last
 * one repeats), and a clock that only moves when the command sleeps.
 */
function scripted(snapshots: PlaybookStatus[], options: { decideFails?: Error } = {}) {
  const signals: { verdict: Verdict; request: DecisionRequest }[] = [];
  let queries = 0;
  const gateway: PlaybookGateway = {
    status: () => Promise.resolve(snapshots[Math.min(queries++, snapshots.length - 1)] as PlaybookStatus),
    decide: (_workflowId, verdict, request) => {
      if (options.decideFails) return Promise.reject(options.decideFails);
      signals.push({ verdict, request });
      return Promise.resolve();
    },
    list: () => Promise.resolve([]),
  };
  const output: string[] = [];
  let clock = 0;
  const io: CommandIo = {
    out: (text) => output.push(text),
    program: 'revoker',
    now: () => clock,
    sleep: (ms) => {
      clock += ms;
      return Promise.resolve();
    },
  };
  return { gateway, io, signals, output, elapsed: () => clock };
}

function decided(status: PlaybookStatus, decision: Decision): PlaybookStatus {
  return { ...status, decisions: [...status.decisions, decision] };
}

const approveDelete: DecisionRequest = { approver: 'sam', actions: [DELETE] };
const follow = { wait: true, timeoutSeconds: 120 };

describe('decideCommand', () => {
  it('sends the signal, waits until it is recorded, then follows the action to done', async () => {
    const before = awaitingStatus();
    const approval: Decision = { verdict: 'approve', approver: 'sam', actions: [DELETE], at: AT };
    const approved = decided(withAction(before, DELETE, { decidedBy: { approver: 'sam', at: AT } }), approval);
    const running = withAction(approved, DELETE, { status: 'running' });
    const done = withAction(approved, DELETE, {
      status: 'done',
      verification: { ok: true, evidence: 'key is gone', checkedAt: AT },
    });
    const run = scripted([before, before, approved, approved, running, running, done]);

    const code = await decideCommand(run.gateway, run.io, WORKFLOW_ID, 'approve', approveDelete, follow);

    assert.equal(code, 0);
    assert.deepEqual(run.signals, [{ verdict: 'approve', request: approveDelete }]);
    assert.deepEqual(run.output, [
      `sam approved ${DELETE}`,
      `  ● approved          ${DELETE}  approved by sam`,
      `  ▸ running           ${DELETE}  approved by sam`,
      `  ✔ done              ${DELETE}  key is gone`,
      'All 1 finished.',
    ]);
  });

  it('matches only a new decision by this approver, not an earlier one', async () => {
    const earlier: Decision = { verdict: 'approve', approver: 'sam', actions: [], at: AT, ignored: 'too early' };
    const before = decided(awaitingStatus(), earlier);
    const ours: Decision = { verdict: 'approve', approver: 'sam', actions: [DELETE], at: AT };
    const theirs: Decision = { verdict: 'approve', approver: 'kim', actions: [], at: AT, ignored: 'not awaiting' };
    const run = scripted([before, before, decided(before, theirs), decided(decided(before, theirs), ours)]);
    const code = await decideCommand(run.gateway, run.io, WORKFLOW_ID, 'approve', approveDelete, {
      ...follow,
      wait: false,
    });
    assert.equal(code, 0);
    assert.deepEqual(run.output, [`sam approved ${DELETE}`], '--no-wait stops once the decision is recorded');
  });

  it('exits 1 and says why when the playbook ignored the decision', async () => {
    const before = awaitingStatus();
    const ignored: Decision = {
      verdict: 'approve',
      approver: 'sam',
      actions: [],
      at: AT,
      ignored: 'unknown action ids: nope',
    };
    const run = scripted([before, decided(before, ignored)]);
    const request = { approver: 'sam', actions: ['nope'] };
    const code = await decideCommand(run.gateway, run.io, WORKFLOW_ID, 'approve', request, follow);
    assert.equal(code, 1);
    assert.deepEqual(run.output, ["sam's approve was ignored: unknown action ids: nope"]);
  });

  it('exits 1 when a decided action fails', async () => {
    const before = awaitingStatus();
    const approval: Decision = { verdict: 'approve', approver: 'sam', actions: [DELETE], at: AT };
    const failed = decided(
      withAction(before, DELETE, {
        status: 'failed',
        error: { type: 'PermissionDeniedError', message: 'AccessDenied' },
      }),
      approval,
    );
    const run = scripted([before, failed]);
    const code = await decideCommand(run.gateway, run.io, WORKFLOW_ID, 'approve', approveDelete, follow);
    assert.equal(code, 1);
    assert.match(
      run.output.join('\n'),
      /✘ failed +aws:delete-key:\S+ {2}PermissionDeniedError: AccessDenied\n1 of 1 failed/,
    );
  });

  it('gives up following after --timeout and says the playbook carries on', async () => {
    const before = awaitingStatus();
    const approval: Decision = { verdict: 'approve', approver: 'sam', actions: [DELETE], at: AT };
    const stuck = decided(
      withAction(before, DELETE, { status: 'running', decidedBy: { approver: 'sam', at: AT } }),
      approval,
    );
    const run = scripted([before, stuck]);
    const code = await decideCommand(run.gateway, run.io, WORKFLOW_ID, 'approve', approveDelete, {
      wait: true,
      timeoutSeconds: 5,
    });
    assert.equal(code, 1);
    assert.match(run.output.at(-1) ?? '', /^Still going after 5 s: aws:delete-key:\S+ \(running\)\. .*revoker status/);
    assert.ok(run.elapsed() >= 5_000 && run.elapsed() < 6_000);
  });

  it('reports a signal the playbook never recorded, after 15 s', async () => {
    const before = awaitingStatus();
    const run = scripted([before]);
    await assert.rejects(
      decideCommand(run.gateway, run.io, WORKFLOW_ID, 'approve', approveDelete, follow),
      (error: CliError) =>
        error.exitCode === 1 && /has not recorded it within 15 s: is a Revoker worker running/.test(error.message),
    );
    assert.ok(run.elapsed() >= DECISION_WAIT_MS);
  });

  it('explains that a closed playbook cannot take decisions', async () => {
    const closed = { ...awaitingStatus(), state: 'Contained' as const };
    const run = scripted([closed], { decideFails: new CliError('No playbook with id x', 2, 'not-found') });
    await assert.rejects(
      decideCommand(run.gateway, run.io, WORKFLOW_ID, 'approve', approveDelete, follow),
      /has closed \(Contained\): there is nothing left to decide/,
    );
  });
});
