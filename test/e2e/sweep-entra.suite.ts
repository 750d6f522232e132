// The persistence sweep and the watch on Entra ID, as Stratus Red Team's entra-id.persistence.backdoor-application
// leaves it, and a federated credential planted the same way: the attacker script (simulators/entra/stratus.ts) with
// contoso-ci's stolen secret against the sandbox tenant, then the playbook, then the attacker again.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Principal } from '../../domain/principal.js';
import type { PlaybookStatus } from '../../domain/report.js';
import { ENTRA_SANDBOX } from '../../simulators/entra/index.js';
import {
  backdoorApplication,
  federatedCredentialBackdoor,
  useStolenCredential,
} from '../../simulators/entra/stratus.js';
import { SWEEP_TEST_POLICY } from '../../testing/settings.js';
import type { Harness } from '../harness.js';
import { alertAbout, approve, reject, result, statusOf, useSandbox, waitForStatus } from './helpers.js';

const { tenantId, compromisedApp, victimApp } = ENTRA_SANDBOX;
const ci: Principal = { type: 'entra.servicePrincipal', tenantId, appId: compromisedApp.appId };
const stolen = { appId: compromisedApp.appId, secret: compromisedApp.stolenSecret };
const victim = { appId: victimApp.appId };
const swept = (status: PlaybookStatus) => status.sweep?.state === 'swept' && status.sweep.rounds >= 1;
const stepOf = (status: PlaybookStatus, kind: string) => status.actions.find((r) => r.action.kind === kind);

describe('the persistence sweep and the watch (Entra ID, Stratus Red Team techniques)', () => {
  let h: Harness;
  const playbooks = useSandbox((ready) => (h = ready));

  it('entra-id.persistence.backdoor-application: finds the secret added to another app, removes exactly it, and the watch sees every later attempt refused', async () => {
    const ownerKeys = h.entra.application(victim.appId)?.passwordKeyIds;
    const backdoor = await backdoorApplication(h.entra, stolen, victim);
    // The backdoor used: Payroll Export's User.Read.All reads the directory.
    const read = `/users/${ENTRA_SANDBOX.otherUser.userPrincipalName}?$select=id`;
    const used = await useStolenCredential(h.entra, { appId: victim.appId, secret: backdoor.secret }, read);
    assert.equal(used.graphStatus, 200);

    const handle = playbooks.handle(
      (await h.start(alertAbout([ci], 'high'), { policy: SWEEP_TEST_POLICY })).workflowId,
    );
    const found = await waitForStatus(
      handle,
      (s) => swept(s) && stepOf(s, 'entra.removeApplicationSecret') !== undefined,
      40_000,
    );
    assert.equal(
      statusOf(found, `entra:disable-service-principal:${compromisedApp.servicePrincipalId}`).status,
      'done',
    );
    assert.deepEqual(
      found.sweep?.findings.map((f) => [f.finding.kind, f.outcome]),
      [['entra.credential', 'step']],
    );
    const actions = found.sweep?.timeline.map((e) => e.action) ?? [];
    assert.ok(
      actions.includes('Update application – Certificates and secrets management'),
      `the timeline shows the secret added: ${actions.join(', ')}`,
    );
    assert.ok(
      found.sweep?.timeline.some((e) => e.action === 'Sign-in' && e.by === victimApp.appId),
      'and the backdoor used, read because the sweep followed the app it opened',
    );
    const step = stepOf(found, 'entra.removeApplicationSecret');
    assert.equal(step?.status, 'awaiting-approval', 'a finding waits for a human (policy sweep.findings)');
    const target = step?.action.target as { keyId?: string; applicationId?: string };
    assert.deepEqual(
      { keyId: target.keyId, applicationId: target.applicationId },
      { keyId: backdoor.keyId, applicationId: victimApp.applicationId },
    );
    assert.ok(!JSON.stringify(found).includes(backdoor.secret), 'the planted secret never reaches the status');

    await approve(handle, { approver: 'sam@example.com', actions: [step?.action.id ?? ''] });
    await reject(handle, { approver: 'sam@example.com', actions: 'all', reason: 'kept for the investigation' });
    await waitForStatus(handle, (s) => s.watch?.state === 'watching', 30_000);
    // Payroll Export keeps its owner's secret; only the planted one is gone.
    assert.deepEqual(h.entra.application(victimApp.appId)?.passwordKeyIds, ownerKeys);
    // The attacker tries both ways back in: the planted secret, and the stolen one of the disabled app.
    const planted = await useStolenCredential(h.entra, { appId: victim.appId, secret: backdoor.secret });
    assert.equal(planted.token.code, 'AADSTS7000215');
    const again = await useStolenCredential(h.entra, stolen);
    assert.equal(again.token.code, 'AADSTS7000112');

    const report = await result(handle);
    assert.equal(statusOf(report, step?.action.id ?? '').status, 'done');
    assert.equal(report.watch?.state, 'used');
    assert.ok(report.watch?.hits.length && report.watch.hits.every((hit) => hit.refused), 'every attempt was refused');
    assert.ok(
      report.watch?.hits.some(
        (hit) => hit.credential.id === compromisedApp.appId && /7000112/.test(hit.entry.error ?? ''),
      ),
      `the disabled app's attempt is seen: ${JSON.stringify(report.watch?.hits)}`,
    );
    assert.match(report.watch?.proof ?? '', /all refused/);
  });

  it('a federated credential on an app: removed with its issuer and subject on record, and a quiet watch proves it', async () => {
    const planted = await federatedCredentialBackdoor(h.entra, stolen, victim);
    const handle = playbooks.handle(
      (await h.start(alertAbout([ci], 'high'), { policy: SWEEP_TEST_POLICY })).workflowId,
    );
    const found = await waitForStatus(
      handle,
      (s) => swept(s) && stepOf(s, 'entra.removeFederatedCredential') !== undefined,
      40_000,
    );
    const step = stepOf(found, 'entra.removeFederatedCredential');
    const target = step?.action.target as { credentialId?: string; issuer?: string; subject?: string };
    assert.deepEqual(
      [target.credentialId, target.issuer, target.subject],
      [planted.credentialId, planted.issuer, planted.subject],
    );
    assert.equal(step?.action.reversible, false, 'an attacker-made credential is not put back by a release');
    await approve(handle, { approver: 'sam@example.com', actions: [step?.action.id ?? ''] });
    await reject(handle, { approver: 'sam@example.com', actions: 'all' });

    const report = await result(handle);
    assert.equal(statusOf(report, step?.action.id ?? '').status, 'done');
    const left = h.entra.application(victimApp.appId)?.federatedIdentityCredentials.map((f) => f.id) ?? [];
    assert.ok(!left.includes(planted.credentialId), 'the planted credential is gone');
    assert.equal(left.length, 1, "the app's own deployment credential stays");
    assert.equal(report.watch?.state, 'quiet');
    const { cutOff, until } = report.watch ?? { cutOff: '', until: '' };
    assert.match(
      report.watch?.proof ?? '',
      new RegExp(`^No use of these credentials after ${cutOff}, watched until ${until}`),
    );
    assert.ok(
      report.watch?.credentials.some((w) => w.credential.kind === 'key' && w.credential.id === planted.credentialId),
    );
  });
});
