import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DecisionRequest, Verdict } from '../../domain/decision.js';
import type { PlaybookStatus } from '../../domain/report.js';
import { CliError } from './cli-error.js';
import { runCli } from './program.js';
import { awaitingStatus, DELETE, withAction, WORKFLOW_ID } from './status-fixture.js';
import type { ClosableGateway } from './temporal-gateway.js';

function cli(gateway: Partial<ClosableGateway> = {}, env: Record<string, string> = {}) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  let connects = 0;
  let closes = 0;
  const run = (...args: string[]) =>
    runCli(args, {
      connect: () => {
        connects++;
        return Promise.resolve({
          status: () => Promise.resolve(awaitingStatus()),
          decide: (_id: string, verdict: Verdict, request: DecisionRequest) =>
            Promise.resolve({ verdict, approver: request.approver, actions: [], at: 'now' }),
          list: () => Promise.resolve([]),
          close: () => {
            closes++;
            return Promise.resolve();
          },
          ...gateway,
        });
      },
      stdout: (text) => stdout.push(text),
      stderr: (text) => stderr.push(text),
      env,
    });
  return {
    run,
    out: () => stdout.join(''),
    err: () => stderr.join(''),
    connects: () => connects,
    closes: () => closes,
  };
}

describe('revoker CLI', () => {
  it('refuses approve without --actions or --all before connecting to Temporal', async () => {
    const c = cli();
    assert.equal(await c.run('approve', WORKFLOW_ID), 2);
    assert.match(c.err(), /^revoker: say what to decide with exactly one of --actions/);
    assert.equal(c.connects(), 0);
  });

  it('refuses a bad --timeout and unknown commands with exit code 2', async () => {
    const c = cli();
    assert.equal(await c.run('approve', WORKFLOW_ID, '--all', '--timeout', 'soon'), 2);
    assert.match(c.err(), /option '--timeout <seconds>' argument 'soon' is invalid/);
    assert.equal(await c.run('unblock', WORKFLOW_ID), 2);
    assert.equal(c.connects(), 0);
  });

  it('prints the status, or the raw status with --json, and closes the connection', async () => {
    const c = cli();
    assert.equal(await c.run('status', WORKFLOW_ID), 0);
    assert.match(c.out(), /^Playbook contain\/aws\/123456789012\/user\/alice\n/);
    const json = cli();
    assert.equal(await json.run('status', WORKFLOW_ID, '--json'), 0);
    assert.deepEqual(JSON.parse(json.out()) as PlaybookStatus, awaitingStatus());
    assert.deepEqual([c.closes(), json.closes()], [1, 1]);
  });

  it('prints an expected error as one line and its exit code, without a stack', async () => {
    const c = cli({
      status: () => Promise.reject(new CliError('No playbook with id nope: check the id', 2, 'not-found')),
    });
    assert.equal(await c.run('status', 'nope'), 2);
    assert.equal(c.err(), 'revoker: No playbook with id nope: check the id\n');
    assert.equal(c.closes(), 1);
  });

  it('attributes the decision to REVOKER_IDENTITY and passes --reason', async () => {
    const sent: unknown[] = [];
    let queries = 0;
    const c = cli(
      {
        decide: (_id, verdict, request) => {
          sent.push({ verdict, request });
          const actions = request.actions === 'all' ? [] : request.actions;
          return Promise.resolve({ verdict, approver: request.approver, actions, at: 'now' });
        },
        status: () => {
          const status = awaitingStatus();
          if (queries++ > 0) {
            status.decisions.push({ verdict: 'reject', approver: 'sam@example.com', actions: [DELETE], at: 'now' });
            for (const r of status.actions) if (r.action.id === DELETE) r.status = 'rejected';
          }
          return Promise.resolve(status);
        },
      },
      { REVOKER_IDENTITY: 'sam@example.com' },
    );
    assert.equal(await c.run('reject', WORKFLOW_ID, '--actions', DELETE, '--reason', 'the key is in use'), 0);
    assert.deepEqual(sent, [
      { verdict: 'reject', request: { approver: 'sam@example.com', actions: [DELETE], reason: 'the key is in use' } },
    ]);
    assert.match(c.out(), /sam@example.com rejected aws:delete-key:\S+\n {2}⊘ rejected/);
  });
});

describe('who decides', () => {
  it('never decides as the OS user: with no --as, REVOKER_IDENTITY or sign-in it says what to do, before connecting', async () => {
    const c = cli({}, { USER: 'root', LOGNAME: 'root' });
    assert.equal(await c.run('approve', WORKFLOW_ID, '--all'), 2);
    assert.equal(
      c.err(),
      'revoker: who decides? pass --as <you@example.com>, set REVOKER_IDENTITY=<you@example.com>, ' +
        'or run `revoker login` to decide as the identity you sign in with\n',
    );
    assert.equal(c.connects(), 0);
    const whoami = cli({}, { USER: 'root' });
    assert.equal(await whoami.run('whoami'), 1);
    assert.match(whoami.out(), /^nobody: who decides\? pass --as/);
  });

  it('still reads REVOKER_APPROVER, and says it is deprecated', async () => {
    const c = cli({}, { REVOKER_APPROVER: 'kim@example.com' });
    assert.equal(await c.run('approve', WORKFLOW_ID, '--all', '--no-wait'), 0);
    assert.match(c.out(), /^kim@example.com approved/);
    assert.equal(
      c.err(),
      'revoker: REVOKER_APPROVER is deprecated: set REVOKER_IDENTITY instead (it is read the same way)\n',
    );
    const whoami = cli({}, { REVOKER_APPROVER: 'kim@example.com' });
    assert.equal(await whoami.run('whoami', '--json'), 0);
    assert.deepEqual(JSON.parse(whoami.out()), {
      identity: 'kim@example.com',
      from: 'REVOKER_APPROVER',
      verified: false,
    });
  });

  it('lets --as name someone else than REVOKER_IDENTITY', async () => {
    const c = cli({}, { REVOKER_IDENTITY: 'sam@example.com' });
    assert.equal(await c.run('approve', WORKFLOW_ID, '--all', '--no-wait', '--as', 'kim@example.com'), 0);
    assert.match(c.out(), /^kim@example.com approved/);
    assert.equal(c.err(), '');
  });
});

describe('--json', () => {
  it('prints one JSON document for a decision: the decision, the steps it ran and how it ended', async () => {
    const ran = withAction(awaitingStatus(), DELETE, {
      status: 'done',
      verification: { ok: true, evidence: 'key is gone', checkedAt: 'now' },
    });
    let queries = 0;
    const c = cli(
      {
        decide: (_id, verdict, request) =>
          Promise.resolve({ verdict, approver: request.approver, actions: [DELETE], at: 'now' }),
        status: () => Promise.resolve(queries++ === 0 ? awaitingStatus() : ran),
      },
      { REVOKER_IDENTITY: 'sam@example.com' },
    );
    assert.equal(await c.run('approve', WORKFLOW_ID, '--actions', DELETE, '--json'), 0);
    const answer = JSON.parse(c.out()) as {
      outcome: string;
      decision: { approver: string };
      actions: { status: string }[];
    };
    assert.equal(answer.outcome, 'finished');
    assert.equal(answer.decision.approver, 'sam@example.com');
    assert.deepEqual(
      answer.actions.map((r) => r.status),
      ['done'],
    );
  });

  it('is taken by every command that prints something', async () => {
    for (const command of [
      'status',
      'list',
      'pending',
      'approve',
      'reject',
      'release',
      'login',
      'logout',
      'whoami',
      'doctor',
      'dry-run',
    ]) {
      const help = cli();
      await help.run(command, '--help');
      assert.match(help.out(), /--json/, `${command} --help`);
    }
  });
});
