import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Decision, DecisionRequest, Verdict } from '../../domain/decision.js';
import type { PlaybookStatus } from '../../domain/report.js';
import { CliError } from './cli-error.js';
import { decideCommand, pendingCommand, type CommandIo, type PlaybookGateway } from './commands.js';
import { awaitingStatus, DELETE, withAction, WORKFLOW_ID } from './status-fixture.js';

const AT = '2026-11-23T10:01:00Z';

/**
 * A playbook stand-in that answers each status query with the next scripted snapshot (the last
 * one repeats), and a clock that only moves when the command sleeps.
 */
function scripted(snapshots: PlaybookStatus[], options: { decideFails?: Error; answer?: Decision } = {}) {
  const updates: { verdict: Verdict; request: DecisionRequest }[] = [];
  let queries = 0;
  const gateway: PlaybookGateway = {
    status: () => Promise.resolve(snapshots[Math.min(queries++, snapshots.length - 1)] as PlaybookStatus),
    decide: (_workflowId, verdict, request) => {
      if (options.decideFails) return Promise.reject(options.decideFails);
      updates.push({ verdict, request });
      const actions = request.actions === 'all' ? [] : request.actions;
      return Promise.resolve(options.answer ?? { verdict, approver: request.approver, actions, at: AT });
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
  return { gateway, io, updates, output, elapsed: () => clock };
}

function decided(status: PlaybookStatus, decision: Decision): PlaybookStatus {
  return { ...status, decisions: [...status.decisions, decision] };
}

const approveDelete: DecisionRequest = { approver: 'sam', actions: [DELETE] };
const follow = { wait: true, timeoutSeconds: 120 };

describe('decideCommand', () => {
  it('decides through the Update, says what was decided, then follows the action to done', async () => {
    const before = awaitingStatus();
    const approval: Decision = { verdict: 'approve', approver: 'sam', actions: [DELETE], at: AT };
    const approved = decided(withAction(before, DELETE, { decidedBy: { approver: 'sam', at: AT } }), approval);
    const running = withAction(approved, DELETE, { status: 'running' });
    const done = withAction(approved, DELETE, {
      status: 'done',
      verification: { ok: true, evidence: 'key is gone', checkedAt: AT },
    });
    const run = scripted([before, approved, running, running, done]);

    const code = await decideCommand(run.gateway, run.io, WORKFLOW_ID, 'approve', approveDelete, follow);

    assert.equal(code, 0);
    assert.deepEqual(run.updates, [{ verdict: 'approve', request: approveDelete }]);
    assert.deepEqual(run.output, [
      `sam approved ${DELETE}`,
      `  ● approved          ${DELETE}  approved by sam`,
      `  ▸ running           ${DELETE}  approved by sam`,
      `  ✔ done              ${DELETE}  key is gone`,
      'All 1 finished.',
    ]);
  });

  it('wraps what it follows to the terminal, continuing under the step id', async () => {
    const before = awaitingStatus();
    const approval: Decision = { verdict: 'approve', approver: 'sam', actions: [DELETE], at: AT };
    const done = decided(
      withAction(before, DELETE, {
        status: 'done',
        decidedBy: { approver: 'sam', at: AT },
        verification: { ok: true, evidence: 'ListAccessKeys for alice no longer shows the key', checkedAt: AT },
      }),
      approval,
    );
    const run = scripted([before, done]);
    run.io.terminal = { columns: 60, color: false };

    assert.equal(await decideCommand(run.gateway, run.io, WORKFLOW_ID, 'approve', approveDelete, follow), 0);
    assert.equal(
      run.output[1],
      [
        `  ✔ done              ${DELETE}`,
        '                      ListAccessKeys for alice no longer',
        '                      shows the key',
      ].join('\n'),
    );
  });

  it('stops once the decision is answered with --no-wait', async () => {
    const run = scripted([awaitingStatus()]);
    const code = await decideCommand(run.gateway, run.io, WORKFLOW_ID, 'approve', approveDelete, {
      ...follow,
      wait: false,
    });
    assert.equal(code, 0);
    assert.deepEqual(run.output, [`sam approved ${DELETE}`]);
  });

  it('passes on the reason the playbook refused a decision', async () => {
    const refused = new CliError('the playbook refused the approve: unknown action ids: nope', 1, 'refused');
    const run = scripted([awaitingStatus()], { decideFails: refused });
    await assert.rejects(
      decideCommand(run.gateway, run.io, WORKFLOW_ID, 'approve', { approver: 'sam', actions: ['nope'] }, follow),
      (error: CliError) => error.exitCode === 1 && /refused the approve: unknown action ids: nope/.test(error.message),
    );
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
    const run = scripted([before], { answer: ignored });
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

  it('explains that a closed playbook cannot take decisions', async () => {
    const closed = { ...awaitingStatus(), state: 'Contained' as const };
    const run = scripted([closed], { decideFails: new CliError('No playbook with id x', 2, 'not-found') });
    await assert.rejects(
      decideCommand(run.gateway, run.io, WORKFLOW_ID, 'approve', approveDelete, follow),
      /has closed \(Contained\): there is nothing left to decide/,
    );
  });
});

describe('pendingCommand', () => {
  it('lists only playbooks awaiting approval, with what waits and the command to approve', async () => {
    const gateway: PlaybookGateway = {
      list: () =>
        Promise.resolve([
          {
            workflowId: WORKFLOW_ID,
            execution: 'Running',
            state: 'AwaitingApproval',
            severity: 'high',
            startTime: new Date(0),
          },
          {
            workflowId: 'contain/other',
            execution: 'Running',
            state: 'Containing',
            severity: 'low',
            startTime: new Date(0),
          },
        ]),
      status: () => Promise.resolve(awaitingStatus()),
      decide: () => Promise.reject(new Error('not used')),
    };
    const run = scripted([awaitingStatus()]);
    assert.equal(await pendingCommand(gateway, run.io, { limit: 50 }), 0);
    const text = run.output.join('\n');
    assert.match(text, new RegExp(`^high  ${WORKFLOW_ID}\n  alert: `));
    assert.match(text, new RegExp(`  waits: ${DELETE}  Delete access key`));
    assert.match(text, /revoker approve contain\/aws\/123456789012\/user\/alice --all/);
    assert.doesNotMatch(text, /contain\/other/);
  });

  it('says so when nothing waits', async () => {
    const run = scripted([awaitingStatus()]);
    run.gateway.list = () => Promise.resolve([]);
    assert.equal(await pendingCommand(run.gateway, run.io, { limit: 50 }), 0);
    assert.deepEqual(run.output, ['Nothing waits for a decision.']);
  });
});
