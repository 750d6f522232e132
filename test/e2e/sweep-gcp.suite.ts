// The persistence sweep and the watch on Google Cloud, as Stratus Red Team's gcp.persistence.create-service-account-key
// leaves it, with the impersonation that follows: the attacker script (simulators/gcp/stratus.ts) with etl-runner's
// stolen key against the sandbox, then the playbook, then the attacker again with a token minted before the cut-off.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PlaybookStatus } from '../../domain/report.js';
import { GCP_SANDBOX, keyFileOf } from '../../simulators/gcp/index.js';
import { detonate, exchangeKeyForToken, useCredential } from '../../simulators/gcp/stratus.js';
import { SWEEP_TEST_POLICY } from '../../testing/settings.js';
import type { Harness } from '../harness.js';
import { alertAbout, approve, reject, result, statusOf, useSandbox, waitForStatus } from './helpers.js';

const { compromised, deployer, projectId } = GCP_SANDBOX;
const swept = (status: PlaybookStatus) => status.sweep?.state === 'swept' && status.sweep.rounds >= 1;

describe('the persistence sweep and the watch (Google Cloud, Stratus Red Team techniques)', () => {
  let h: Harness;
  const playbooks = useSandbox((ready) => (h = ready));

  it('gcp.persistence.create-service-account-key: finds the new key, the token creator grant and the minted token, contains them, and flags a token minted before the cut-off used after it', async () => {
    const stolen = keyFileOf(h.gcpSeed, compromised.stolenKeyName);
    // Before the alert: the attacker trades the key for an OAuth token (it outlives the key), then plants.
    const early = await exchangeKeyForToken(h.gcp, stolen);
    const planted = await detonate(h.gcp, stolen, deployer.email);

    const alert = alertAbout([{ type: 'gcp.key', keyName: compromised.stolenKeyName }], 'high');
    const handle = playbooks.handle((await h.start(alert, { policy: SWEEP_TEST_POLICY })).workflowId);
    const newKeyId = planted.newKeyName.split('/').pop() ?? '';
    const bindingStep = (s: PlaybookStatus) =>
      s.actions.find((r) => r.action.kind === 'gcp.removeTokenCreatorBinding')?.action.id;
    const found = await waitForStatus(
      handle,
      (s) =>
        swept(s) &&
        bindingStep(s) !== undefined &&
        s.actions.some((r) => r.action.id === `gcp:disable-key:${newKeyId}`),
      40_000,
    );
    assert.equal(statusOf(found, `gcp:disable-key:${compromised.stolenKeyName.split('/').pop() ?? ''}`).status, 'done');
    const kinds = found.sweep?.findings.map((f) => f.finding.kind).sort();
    assert.deepEqual(kinds, ['gcp.access-token', 'gcp.key', 'gcp.token-creator']);
    const actions = found.sweep?.timeline.map((e) => e.action) ?? [];
    for (const method of ['google.iam.admin.v1.CreateServiceAccountKey', 'google.iam.admin.v1.SetIAMPolicy']) {
      assert.ok(actions.includes(method), `the timeline shows ${method}: ${actions.join(', ')}`);
    }
    assert.ok(
      actions.some((a) => /GenerateAccessToken/.test(a)),
      `the timeline shows the token minted: ${actions.join(', ')}`,
    );
    const binding = statusOf(found, bindingStep(found) ?? '');
    const target = binding.action.target as { member?: string; email?: string; projectId?: string };
    assert.equal(binding.status, 'awaiting-approval');
    assert.deepEqual({ member: target.member, email: target.email }, { member: planted.member, email: deployer.email });
    assert.ok(!JSON.stringify(found).includes(planted.accessToken), 'the minted token never reaches the status');

    // The responder disables the backdoor key and takes the grant off; the rest waits for the investigation.
    await approve(handle, { approver: 'sam@example.com', actions: [`gcp:disable-key:${newKeyId}`, binding.action.id] });
    await reject(handle, { approver: 'sam@example.com', actions: 'all', reason: 'kept for the investigation' });
    await waitForStatus(handle, (s) => s.watch?.state === 'watching', 30_000);
    assert.equal(await useCredential(h.gcp, { keyFile: planted.newKeyFile }), 401, 'the backdoor key is refused');
    // The token minted from the stolen key before the cut-off still works: Google keeps it valid for its hour.
    assert.equal(await useCredential(h.gcp, { accessToken: early.accessToken }, compromised.email), 200);

    const report = await result(handle);
    assert.equal(statusOf(report, binding.action.id).status, 'done');
    assert.equal(report.watch?.state, 'used');
    const worked = report.watch?.hits.filter((hit) => !hit.refused) ?? [];
    assert.ok(worked.length >= 1, `a call that worked after the cut-off: ${JSON.stringify(report.watch?.hits)}`);
    assert.ok(worked.some((hit) => hit.credential.id === compromised.stolenKeyName));
    assert.match(report.watch?.proof ?? '', /not refused/);
    assert.ok((report.sweep?.rounds ?? 0) >= 2, 'the use swept the trail again');
    const breach = (h.notifications.received as { text: string }[]).filter((m) =>
      m.text.includes('CONTAINMENT BREACHED'),
    );
    assert.ok(breach.length >= 1, 'the chat says the containment was breached');
    // What a release could put back: exactly the grant removed.
    assert.equal(binding.action.reversible, true);
    assert.equal(target.projectId, projectId);
  });
});
