import { auth, iam } from '@googleapis/iam';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ENTRA_SANDBOX } from '../../simulators/entra/index.js';
import { GCP_SANDBOX, keyFileOf } from '../../simulators/gcp/index.js';
import type { Harness } from '../harness.js';
import { containUnderFaults, FAULT_PROPAGATION_MS, FAULT_SETTINGS } from './fault-runs.js';
import {
  ACCOUNT,
  alertAbout,
  approve,
  result,
  settled,
  statusOf,
  threeClouds,
  useSandbox,
  waitForStatus,
} from './helpers.js';
import type { Principal } from '../../domain/principal.js';

const PLAYBOOKS = 5;
const THREE_CLOUDS: Principal[] = threeClouds();

describe('transient and permanent cloud faults', () => {
  let h: Harness;
  const playbooks = useSandbox((ready) => (h = ready));

  it(`contains ${PLAYBOOKS} three-cloud incidents at once under 30 % transient faults and propagation delay, each change once`, async () => {
    const batch = await containUnderFaults(h, playbooks, {
      count: PLAYBOOKS,
      concurrency: PLAYBOOKS,
      modes: { propagationMs: FAULT_PROPAGATION_MS, random: { rate: 0.3, seed: 1_000, latencyMs: 100 } },
    });
    assert.deepEqual(batch.lost, [], 'every incident reported');
    assert.deepEqual(batch.failed, [], 'every step contained');
    assert.deepEqual(
      batch.reports.map((r) => r.state),
      Array<string>(PLAYBOOKS).fill('Contained'),
    );
    assert.deepEqual(batch.duplicated, [], 'no change made twice');
    assert.ok(batch.fiveXx > 0, `the random mode drew 429s and 5xx: ${JSON.stringify(batch.drawn)}`);
  });

  it('reports a change verified only once it has propagated, when the stolen key is refused', async () => {
    const { compromised, projectId } = GCP_SANDBOX;
    const googleAuth = new auth.GoogleAuth({
      credentials: keyFileOf(h.gcpSeed, compromised.stolenKeyName),
      scopes: ['https://www.googleapis.com/auth/cloud-platform'],
    });
    googleAuth.useJWTAccessWithScope = true;
    const client = iam({ version: 'v1', auth: googleAuth, rootUrl: h.gcp.rootUrl, retry: false });
    const attacker = () =>
      client.projects.serviceAccounts.keys.list({ name: `projects/${projectId}/serviceAccounts/${compromised.email}` });
    const etl: Principal = { type: 'gcp.serviceAccount', projectId, email: compromised.email };
    const stolenKey = `gcp:disable-key:${compromised.stolenKeyName.split('/').pop() ?? ''}`;

    h.gcp.setFaultModes({ propagationMs: 1_500 });
    const began = Date.now();
    const handle = playbooks.handle(
      (await h.start(alertAbout([etl], 'high'), { settings: FAULT_SETTINGS })).workflowId,
    );
    const status = await waitForStatus(handle, settled, 30_000);
    assert.equal(statusOf(status, stolenKey).status, 'done', 'a stale read did not fail the step');
    assert.ok(Date.now() - began >= 1_500, 'verified no earlier than the change propagated');
    // Still under propagation delay: what the step verified is what the attacker now meets.
    await assert.rejects(attacker(), { status: 401 }, 'the stolen key is refused once the step is verified');
    assert.deepEqual(
      Object.values(h.gcp.mutations().counts).filter((n) => n > 2),
      [],
      'each key disabled once (two keys)',
    );
    assert.equal(h.gcp.mutations().counts['keys.disable'], 2);
  });

  it('fails only the cloud whose worker lacks a permission, naming the permission', async () => {
    h.gcp.injectFault({ method: 'serviceAccounts.disable', status: 403, times: 1_000 });
    const handle = playbooks.handle(
      (await h.start(alertAbout(THREE_CLOUDS, 'critical'), { settings: FAULT_SETTINGS })).workflowId,
    );
    const status = await waitForStatus(handle, settled, 60_000);
    const disable = statusOf(status, `gcp:disable-service-account:${GCP_SANDBOX.compromised.email}`);
    assert.equal(disable.status, 'failed');
    assert.equal(disable.error?.type, 'PermissionDeniedError');
    assert.match(disable.error?.message ?? '', /iam\.serviceAccounts\.disable/);
    assert.equal(h.gcp.mutations().counts['serviceAccounts.disable'] ?? 0, 0);
    for (const record of status.actions.filter(
      (a) => a.action.provider !== 'gcp' && a.status !== 'awaiting-approval',
    )) {
      assert.ok(['done', 'already'].includes(record.status), `${record.action.id} ${record.status}`);
    }
    assert.equal(statusOf(status, `aws:deny-user-sessions:${ACCOUNT}/alice`).status, 'done');
    assert.equal(statusOf(status, `entra:revoke-sessions:${ENTRA_SANDBOX.compromisedUser.id}`).status, 'done');
    await approve(handle, { approver: 'sam@example.com', actions: 'all' });
    const report = await result(handle);
    assert.equal(report.state, 'PartiallyContained');
  });
});
