// activities/step-runner.ts as the provider workers register it: a step's act and first verification in one
// activity, found by the registry's names, with the attempt rules (worker/heartbeat.ts) applied to its act.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { withStepRunner, type StepRunResult } from '../activities/step-runner.js';
import { RUN_STEP_ACTIVITY } from '../domain/action.js';
import { heartbeatWhileRunning } from './heartbeat.js';

function provider() {
  const calls: string[] = [];
  const activities = {
    label: 'aws',
    deactivate(target: { keyId: string }) {
      calls.push(`act ${target.keyId}`);
      // A method that reads its object: the runner calls it on the provider's activities.
      return Promise.resolve({ outcome: 'already' as const, observed: `${target.keyId} was Inactive (${this.label})` });
    },
    verifyInactive(target: { keyId: string; expected: string }) {
      calls.push(`verify ${target.keyId} ${target.expected}`);
      return Promise.resolve({ ok: true, evidence: `${target.keyId} is ${target.expected}` });
    },
  };
  return { calls, activities: withStepRunner(activities) };
}

const run = {
  act: { activity: 'deactivate', argument: { keyId: 'AKIA1' } },
  verify: { activity: 'verifyInactive', argument: { keyId: 'AKIA1', expected: 'Inactive' } },
};

describe('one activity per step (runStep)', () => {
  it('acts, then verifies, by the names the registry gives, and keeps every other activity', async () => {
    const { calls, activities } = provider();
    assert.equal(typeof activities.deactivate, 'function');
    const result = await new MockActivityEnvironment().run(activities[RUN_STEP_ACTIVITY], run);
    assert.deepEqual(calls, ['act AKIA1', 'verify AKIA1 Inactive']);
    assert.deepEqual(result, {
      outcome: { outcome: 'already', observed: 'AKIA1 was Inactive (aws)' },
      check: { ok: true, evidence: 'AKIA1 is Inactive' },
    });
  });

  it("counts a change an earlier attempt announced as this step's: done, not already", async () => {
    const { activities } = provider();
    const intent = {
      activity: RUN_STEP_ACTIVITY,
      attempt: 1,
      observed: 'AKIA1 was Active',
      at: '2026-12-04T10:00:00Z',
    };
    const env = new MockActivityEnvironment(
      { attempt: 2, heartbeatDetails: { revokerChangeIntent: intent } },
      { interceptors: [heartbeatWhileRunning(20)] },
    );
    const result: StepRunResult = await env.run(activities[RUN_STEP_ACTIVITY], run);
    assert.deepEqual(result.outcome, {
      outcome: 'done',
      observed: 'AKIA1 was Active (changed by attempt 1, which ended before it could report)',
    });
    assert.equal(result.check.ok, true);
  });

  it('refuses, without retrying, an activity this worker does not have (or runStep itself)', async () => {
    const { calls, activities } = provider();
    for (const activity of ['deleteEverything', RUN_STEP_ACTIVITY, 'label']) {
      const error = await new MockActivityEnvironment()
        .run(activities[RUN_STEP_ACTIVITY], { ...run, act: { activity, argument: {} } })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      assert.ok(error instanceof ApplicationFailure, `${activity}: ${String(error)}`);
      assert.equal(error.nonRetryable, true);
      assert.equal(error.type, 'InvalidRequestError');
      assert.match(error.message, new RegExp(`no activity ${activity}`));
    }
    assert.deepEqual(calls, [], 'nothing was acted on');
  });

  it('does not verify when the act fails: the failure is the attempt’s, and Temporal retries the step', async () => {
    const activities = withStepRunner({
      deactivate: () => Promise.reject(new Error('throttled')),
      verifyInactive: () => Promise.reject(new Error('must not be called')),
    });
    await assert.rejects(new MockActivityEnvironment().run(activities[RUN_STEP_ACTIVITY], run), /throttled/);
  });
});
