import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ActionKind } from '../../domain/action.js';
import { holdersSignal } from '../../domain/messages.js';
import type { Principal } from '../../domain/principal.js';
import { ENTRA_SANDBOX } from '../../simulators/entra/index.js';
import { TEST_POLICY, type Harness } from '../harness.js';
import { ACCOUNT, alertAbout, result, settled, statusOf, threeClouds, useSandbox, waitForStatus } from './helpers.js';

describe('an alert naming principals in three clouds', () => {
  let h: Harness;
  const playbooks = useSandbox((ready) => (h = ready));
  const principals: Principal[] = threeClouds();

  it('contains each cloud in parallel, and one cloud failing does not stop the others', async () => {
    h.gcp.injectFault({ status: 503, times: 100 });
    const handle = playbooks.handle((await h.start(alertAbout(principals, 'critical'))).workflowId);
    const status = await waitForStatus(
      handle,
      (s) => settled(s) && s.principals.every((p) => p.status !== 'discovering'),
      30_000,
    );

    assert.deepEqual(
      status.principals.map((p) => [p.key.split('/')[0], p.status]),
      [
        ['aws', 'examined'],
        ['entra', 'examined'],
        ['gcp', 'failed'],
      ],
    );
    assert.equal(status.principals[2]?.error?.type, 'ProviderUnavailableError');
    assert.equal(statusOf(status, `aws:deny-user-sessions:${ACCOUNT}/alice`).status, 'done');
    assert.equal(statusOf(status, `entra:revoke-sessions:${ENTRA_SANDBOX.compromisedUser.id}`).status, 'done');
    assert.equal(h.entra.user(ENTRA_SANDBOX.compromisedUser.id)?.accountEnabled, false, 'critical: disabled at once');

    await handle.signal('reject', { approver: 'sam@example.com', actions: 'all', reason: 'keep keys for forensics' });
    const report = await result(handle);
    assert.equal(report.state, 'PartiallyContained');
    assert.match(report.summary, /could not examine service account etl-runner@acme-prod/);
  });

  it('costs one activity per step and no Signal to a lone holder', async () => {
    const policy = { ...TEST_POLICY, actions: Object.fromEntries(ActionKind.options.map((kind) => [kind, 'auto'])) };
    const handle = playbooks.handle((await h.start(alertAbout(principals, 'critical'), { policy })).workflowId);
    const report = await result(handle);
    assert.equal(report.state, 'Contained');
    assert.ok(
      report.actions.every((a) => a.status === 'done'),
      JSON.stringify(report.actions.map((a) => a.status)),
    );

    const events = (await handle.fetchHistory()).events ?? [];
    const scheduled = events.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
    // Each step acted and verified in one activity (its first read saw the change: the sandbox commits at once).
    assert.equal(scheduled.filter((name) => name === 'runStep').length, report.actions.length, scheduled.join(' '));
    assert.deepEqual(
      scheduled.filter((name) => /^verify/.test(name)),
      [],
      'no separate verification when the first read already saw the change',
    );
    // The incident is each control's only holder: its hold's answer says so, and no holders Signal follows.
    const signals = events.flatMap((e) => e.workflowExecutionSignaledEventAttributes?.signalName ?? []);
    assert.equal(signals.filter((name) => name === holdersSignal.name).length, 0, signals.join(' '));
  });
});
