import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DecisionRequest, Verdict } from '../../domain/decision.js';
import type { PlaybookStatus } from '../../domain/report.js';
import { CliError } from './cli-error.js';
import { runCli } from './program.js';
import { awaitingStatus, DELETE, WORKFLOW_ID } from './status-fixture.js';
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
      osUser: () => 'os-user',
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

  it('attributes the decision to REVOKER_APPROVER and passes --reason', async () => {
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
      { REVOKER_APPROVER: 'sam@example.com' },
    );
    assert.equal(await c.run('reject', WORKFLOW_ID, '--actions', DELETE, '--reason', 'the key is in use'), 0);
    assert.deepEqual(sent, [
      { verdict: 'reject', request: { approver: 'sam@example.com', actions: [DELETE], reason: 'the key is in use' } },
    ]);
    assert.match(c.out(), /sam@example.com rejected aws:delete-key:\S+\n {2}⊘ rejected/);
  });
});
