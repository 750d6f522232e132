import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { beforeChange, intentOf, settled } from '../activities/attempt.js';
import { activityCancellation } from '../activities/cancellation.js';
import { ProviderUnavailableError } from '../activities/errors.js';
import { attemptMarginMs, heartbeatWhileRunning } from './heartbeat.js';

describe('heartbeatWhileRunning', () => {
  it('heartbeats each interval while an activity runs and stops when it returns', async () => {
    const env = new MockActivityEnvironment({}, { interceptors: [heartbeatWhileRunning(20)] });
    let beats = 0;
    env.on('heartbeat', () => (beats += 1));
    const answer = await env.run(async () => {
      await sleep(110);
      return 'done';
    });
    assert.equal(answer, 'done');
    assert.ok(beats >= 3 && beats <= 6, `${beats} heartbeats in 110 ms at 20 ms`);
    const after = beats;
    await sleep(60);
    assert.equal(beats, after, 'no heartbeat once the activity returned');
  });

  it('sends no heartbeat for an activity that answers within one interval', async () => {
    const env = new MockActivityEnvironment({}, { interceptors: [heartbeatWhileRunning(1_000)] });
    let beats = 0;
    env.on('heartbeat', () => (beats += 1));
    await env.run(() => Promise.resolve('quick'));
    assert.equal(beats, 0);
  });

  it('lets a cancellation delivered on a heartbeat abort the call in flight, and stops beating', async () => {
    const env = new MockActivityEnvironment({}, { interceptors: [heartbeatWhileRunning(20)] });
    let beats = 0;
    env.on('heartbeat', () => {
      beats += 1;
      // Temporal answers a heartbeat with "cancel requested": the worker then aborts the signal.
      if (beats === 2) env.cancel();
    });
    await assert.rejects(
      env.run(
        () =>
          new Promise((_, reject) => {
            const signal = Context.current().cancellationSignal;
            signal.addEventListener('abort', () => reject(signal.reason as Error));
          }),
      ),
      { name: 'CancelledFailure' },
    );
    const after = beats;
    await sleep(60);
    assert.equal(beats, after);
  });
});

describe('one attempt of an activity', () => {
  const intent = {
    activity: 'deactivateAwsAccessKey',
    attempt: 1,
    observed: 'AKIA1 was Active',
    at: '2026-01-01T00:00:00Z',
  };

  it('records the intent, acknowledged, before the change and keeps it on every later heartbeat', async () => {
    const recorded: unknown[] = [];
    const beats: unknown[] = [];
    const record = (_token: Uint8Array, details: unknown) => {
      recorded.push(details);
      return Promise.resolve();
    };
    const env = new MockActivityEnvironment(
      { activityType: 'deactivateAwsAccessKey', startToCloseTimeoutMs: 10_000 },
      { interceptors: [heartbeatWhileRunning(20, { record })] },
    );
    env.on('heartbeat', (details: unknown) => beats.push(details));
    const result = await env.run(async () => {
      await beforeChange('AKIA1 was Active');
      await beforeChange('a second write of the same attempt records nothing new');
      await sleep(70);
      return { outcome: 'done', observed: 'AKIA1 was Active' };
    });
    assert.deepEqual(result, { outcome: 'done', observed: 'AKIA1 was Active' });
    assert.equal(recorded.length, 1);
    assert.deepEqual(intentOf(recorded[0]), { ...intent, at: (intentOf(recorded[0]) as typeof intent).at });
    assert.ok(beats.length >= 3, `${beats.length} heartbeats`);
    assert.ok(
      beats.every((details) => intentOf(details)?.observed === 'AKIA1 was Active'),
      'every heartbeat carries it',
    );
  });

  it("reports an earlier attempt's change as done, with what that attempt saw", async () => {
    const env = new MockActivityEnvironment(
      { attempt: 2, heartbeatDetails: { revokerChangeIntent: intent } },
      { interceptors: [heartbeatWhileRunning(20)] },
    );
    const beats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => beats.push(details));
    const result = await env.run(async () => {
      await sleep(50);
      return { outcome: 'already', observed: 'AKIA1 was already Inactive', requestId: 'r1' };
    });
    assert.deepEqual(result, {
      outcome: 'done',
      observed: 'AKIA1 was Active (changed by attempt 1, which ended before it could report)',
      requestId: 'r1',
    });
    assert.ok(
      beats.length > 0 && beats.every((details) => intentOf(details)?.attempt === 1),
      "the earlier attempt's intent is carried on, not erased",
    );
  });

  it('leaves already alone when no earlier attempt announced a change, and results that are not outcomes', async () => {
    const env = new MockActivityEnvironment({ attempt: 3 }, { interceptors: [heartbeatWhileRunning(20)] });
    assert.deepEqual(await env.run(() => Promise.resolve({ outcome: 'already', observed: 'x' })), {
      outcome: 'already',
      observed: 'x',
    });
    assert.deepEqual(settled({ ok: true, evidence: 'e' }, intent), { ok: true, evidence: 'e' });
    assert.deepEqual(settled({ outcome: 'done', observed: 'y' }, intent), { outcome: 'done', observed: 'y' });
  });

  it("aborts the attempt's calls shortly before its start-to-close timeout, saying why", async () => {
    const env = new MockActivityEnvironment(
      { startToCloseTimeoutMs: 700 },
      { interceptors: [heartbeatWhileRunning(1_000)] },
    );
    const started = Date.now();
    const reason = await env.run(
      () =>
        new Promise<unknown>((resolve) => {
          const signal = activityCancellation();
          signal?.addEventListener('abort', () => resolve(signal.reason));
        }),
    );
    const elapsed = Date.now() - started;
    assert.equal(attemptMarginMs(700), 500);
    assert.ok(elapsed >= 150 && elapsed < 600, `aborted after ${elapsed} ms`);
    assert.ok(reason instanceof ProviderUnavailableError);
    assert.match(reason.message, /500 ms before the step's 700 ms start-to-close timeout/);
  });
});
