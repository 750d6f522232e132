import { auth, iam } from '@googleapis/iam';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Principal } from '../../domain/principal.js';
import { GCP_SANDBOX, keyFileOf } from '../../simulators/gcp/index.js';
import type { Harness } from '../harness.js';
import { alertAbout, approve, result, settled, statusOf, useSandbox, waitForStatus } from './helpers.js';

const { compromised, projectId } = GCP_SANDBOX;
const etl: Principal = { type: 'gcp.serviceAccount', projectId, email: compromised.email };
const keyId = (name: string) => name.split('/').pop() ?? '';

describe('Google Cloud service account containment', () => {
  let h: Harness;
  const playbooks = useSandbox((ready) => (h = ready));

  /** The attacker's copy of the stolen key, used through the real client library. */
  const asAttacker = () => {
    const googleAuth = new auth.GoogleAuth({
      credentials: keyFileOf(h.gcpSeed, compromised.stolenKeyName),
      scopes: ['https://www.googleapis.com/auth/cloud-platform'],
    });
    googleAuth.useJWTAccessWithScope = true;
    const client = iam({ version: 'v1', auth: googleAuth, rootUrl: h.gcp.rootUrl, retry: false });
    return () =>
      client.projects.serviceAccounts.keys.list({ name: `projects/${projectId}/serviceAccounts/${compromised.email}` });
  };

  it('disables the keys and the account at once for a critical alert, so the stolen key stops working; deletes after approval', async () => {
    const attacker = asAttacker();
    assert.equal((await attacker()).status, 200, 'the stolen key works before containment');

    const handle = playbooks.handle((await h.start(alertAbout([etl], 'critical'))).workflowId);
    const contained = await waitForStatus(handle, settled);
    // The triage card: who the account is and the roles it holds on its project, as the sandbox seeds them.
    const card = contained.principals[0]?.card;
    assert.equal(card?.name, compromised.email);
    assert.equal(card?.id, `projects/${projectId}/serviceAccounts/${compromised.email}`);
    assert.deepEqual(card?.reach, [
      `roles/viewer on project ${projectId}`,
      `roles/bigquery.dataEditor on project ${projectId}`,
      `roles/storage.objectViewer on project ${projectId}`,
    ]);
    assert.deepEqual(card?.facts.slice(0, 3), ['Nightly ETL runner', 'enabled', '2 user-managed keys, 2 enabled']);
    for (const name of [compromised.stolenKeyName, compromised.otherKeyName]) {
      assert.equal(statusOf(contained, `gcp:disable-key:${keyId(name)}`).status, 'done');
      assert.equal(statusOf(contained, `gcp:delete-key:${keyId(name)}`).status, 'awaiting-approval');
      assert.equal(h.gcp.key(name)?.disabled, true);
    }
    assert.equal(
      contained.actions.some((r) => r.action.id.includes(keyId(compromised.systemKeyName))),
      false,
      'Google-managed keys are left alone',
    );
    assert.equal(statusOf(contained, `gcp:disable-service-account:${compromised.email}`).status, 'done');
    await assert.rejects(attacker(), { status: 401 }, 'the stolen key is refused after containment');

    await approve(handle, { approver: 'sam@example.com', actions: 'all', reason: 'rotate' });
    const report = await result(handle);
    assert.equal(report.state, 'Contained');
    for (const name of [compromised.stolenKeyName, compromised.otherKeyName]) {
      assert.equal(h.gcp.key(name), undefined, 'deleted');
      assert.match(statusOf(report, `gcp:delete-key:${keyId(name)}`).verification?.evidence ?? '', /deleted/);
    }
    assert.deepEqual(h.gcp.mutations().counts, { 'keys.disable': 2, 'serviceAccounts.disable': 1, 'keys.delete': 2 });
    // Disabling the account rejects its minted tokens at once (domain/residual.ts): what is left is who may mint more.
    const risks = report.residualRisks.map((r) => r.risk).join(' ');
    assert.doesNotMatch(risks, /OAuth access tokens already minted/);
    assert.match(risks, /roles\/iam\.serviceAccountTokenCreator on the account can mint its tokens again/);
  });

  it('changes nothing on a re-run over an already contained account', async () => {
    const first = playbooks.handle((await h.start(alertAbout([etl], 'critical'))).workflowId);
    await waitForStatus(first, settled);
    await first.terminate('first run done');
    const before = h.gcp.mutations().counts;

    const second = playbooks.handle((await h.start(alertAbout([etl], 'critical'))).workflowId);
    const status = await waitForStatus(second, settled);
    assert.equal(statusOf(status, `gcp:disable-key:${keyId(compromised.stolenKeyName)}`).status, 'already');
    assert.equal(statusOf(status, `gcp:disable-service-account:${compromised.email}`).status, 'already');
    assert.deepEqual(h.gcp.mutations().counts, before);
  });

  it('contains only the key an alert names, and waits for approval to disable its account at high severity', async () => {
    const principal: Principal = { type: 'gcp.key', keyName: compromised.stolenKeyName };
    const handle = playbooks.handle((await h.start(alertAbout([principal], 'high'))).workflowId);
    const status = await waitForStatus(handle, settled);
    assert.deepEqual(
      status.actions.map((r) => [r.action.id, r.status]),
      [
        [`gcp:disable-key:${keyId(compromised.stolenKeyName)}`, 'done'],
        [`gcp:delete-key:${keyId(compromised.stolenKeyName)}`, 'awaiting-approval'],
        [`gcp:disable-service-account:${compromised.email}`, 'awaiting-approval'],
      ],
    );
    assert.equal(h.gcp.key(compromised.otherKeyName)?.disabled, false);
  });

  it('retries a throttled call after Retry-After and disables each key exactly once', async () => {
    h.gcp.injectFault({ method: 'keys.disable', status: 429, retryAfterSeconds: 1, times: 1 });
    const began = Date.now();
    const handle = playbooks.handle((await h.start(alertAbout([etl], 'high'))).workflowId);
    const status = await waitForStatus(handle, settled);
    assert.equal(statusOf(status, `gcp:disable-key:${keyId(compromised.stolenKeyName)}`).status, 'done');
    assert.equal(h.gcp.mutations().counts['keys.disable'], 2);
    assert.ok(Date.now() - began >= 1_000, 'waited for Retry-After');
  });

  it('fails loudly when a change never takes effect, though acted again', async () => {
    h.gcp.injectFault({ method: 'keys.disable', path: keyId(compromised.stolenKeyName), lostWrite: true, times: 5 });
    const handle = playbooks.handle((await h.start(alertAbout([etl], 'high'))).workflowId);
    const status = await waitForStatus(handle, settled);
    const disable = statusOf(status, `gcp:disable-key:${keyId(compromised.stolenKeyName)}`);
    assert.equal(disable.status, 'failed');
    assert.equal(disable.verification?.ok, false);
    assert.equal(disable.error?.type, 'VerificationFailed');
    assert.match(disable.error?.message ?? '', /did not take effect: keys.get shows key .* enabled/);
    await approve(handle, { approver: 'sam@example.com', actions: 'all' });
    const report = await result(handle);
    assert.equal(statusOf(report, `gcp:delete-key:${keyId(compromised.stolenKeyName)}`).status, 'skipped');
    assert.equal(report.state, 'PartiallyContained');
  });

  it('fails a step without retrying when the worker lacks the IAM permission, naming what to grant', async () => {
    h.gcp.reset({
      ...h.gcpSeed,
      iamPolicy: {
        bindings: (h.gcpSeed.iamPolicy?.bindings ?? []).filter((b) => b.role !== 'roles/iam.serviceAccountAdmin'),
      },
    });
    const handle = playbooks.handle((await h.start(alertAbout([etl], 'critical'))).workflowId);
    const status = await waitForStatus(handle, settled);
    const disable = statusOf(status, `gcp:disable-service-account:${compromised.email}`);
    assert.equal(disable.status, 'failed');
    assert.equal(disable.error?.type, 'PermissionDeniedError');
    assert.match(disable.error?.message ?? '', /iam\.serviceAccounts\.disable.*roles\/iam\.serviceAccountAdmin/s);
    assert.equal(statusOf(status, `gcp:disable-key:${keyId(compromised.stolenKeyName)}`).status, 'done');
  });
});
