import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { heartbeatWhileRunning } from './heartbeat.js';

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
