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
  GITHUB_ACTIONS_ISSUER,
  requestToken,
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

  /** A playbook for contoso-ci, once its sweep has planned a step of this kind. */
  async function sweptUntil(kind: string) {
    const handle = playbooks.handle(
      (await h.start(alertAbout([ci], 'high'), { policy: SWEEP_TEST_POLICY })).workflowId,
    );
    const found = await waitForStatus(handle, (s) => swept(s) && stepOf(s, kind) !== undefined, 40_000);
    return { handle, found };
  }

  it('entra-id.persistence.backdoor-application: finds the secret added to another app, removes exactly it, and the watch sees every later attempt refused', async () => {
    const ownerKeys = h.entra.application(victim.appId)?.passwordKeyIds;
    const backdoor = await backdoorApplication(h.entra, stolen, victim);
    // The backdoor used: Payroll Export's User.Read.All reads the directory.
    const read = `/users/${ENTRA_SANDBOX.otherUser.userPrincipalName}?$select=id`;
    const used = await useStolenCredential(h.entra, { appId: victim.appId, secret: backdoor.secret }, read);
    assert.equal(used.graphStatus, 200);

    const { handle, found } = await sweptUntil('entra.removeApplicationSecret');
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
    const { handle, found } = await sweptUntil('entra.removeFederatedCredential');
    const step = stepOf(found, 'entra.removeFederatedCredential');
    const target = step?.action.target as { credentialId?: string; issuer?: string; subject?: string };
    assert.deepEqual(
      [target.credentialId, target.issuer, target.subject],
      [planted.credentialId, planted.issuer, planted.subject],
    );
    assert.equal(step?.action.reversible, false, 'an attacker-made credential is not put back by a release');
    assert.ok(
      found.sweep?.timeline.some((e) => e.action === 'Update application' && e.by === compromisedApp.appId),
      `the timeline shows the credential added: ${JSON.stringify(found.sweep?.timeline)}`,
    );
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

  it('a token minted before the cut-off and used after it: the watch raises a breach, and the sweep runs again for what it planted', async () => {
    // The attacker keeps an app-only token (valid ~1 h, whatever happens to the app) before planting.
    const early = await requestToken(h.entra, stolen);
    assert.ok(early.accessToken);
    await federatedCredentialBackdoor(h.entra, stolen, victim);
    const { handle, found } = await sweptUntil('entra.removeFederatedCredential');
    await approve(handle, {
      approver: 'sam@example.com',
      actions: [stepOf(found, 'entra.removeFederatedCredential')?.action.id ?? ''],
    });
    await reject(handle, { approver: 'sam@example.com', actions: 'all', reason: 'kept for the investigation' });
    await waitForStatus(handle, (s) => s.watch?.state === 'watching', 30_000);

    // After the cut-off: contoso-ci is disabled, yet Graph still takes the token it issued before, and a second way in
    // is planted.
    assert.equal((await useStolenCredential(h.entra, stolen)).token.code, 'AADSTS7000112', 'no new tokens');
    const second = await fetch(
      `${h.entra.graphEndpoint}/applications/${victimApp.applicationId}/federatedIdentityCredentials`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${early.accessToken ?? ''}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          name: 'second-way-in',
          issuer: GITHUB_ACTIONS_ISSUER,
          subject: 'repo:attacker/persistence:ref:refs/heads/second',
          audiences: ['api://AzureADTokenExchange'],
        }),
      },
    );
    assert.equal(second.status, 201, 'the token outlives the app being disabled');
    const planted = (await second.json()) as { id: string };

    const breached = await waitForStatus(
      handle,
      (s) =>
        s.watch?.state === 'used' &&
        s.actions.some(
          (r) =>
            r.action.kind === 'entra.removeFederatedCredential' &&
            (r.action.target as { credentialId?: string }).credentialId === planted.id,
        ),
      40_000,
    );
    const worked = breached.watch?.hits.filter((hit) => !hit.refused) ?? [];
    assert.ok(
      worked.some((hit) => hit.credential.id === compromisedApp.appId && hit.entry.action === 'Update application'),
      `the change made after the cut-off is a breach: ${JSON.stringify(breached.watch?.hits)}`,
    );
    assert.ok((breached.sweep?.rounds ?? 0) >= 2, 'the use swept the trail again');
    const again = breached.actions.find(
      (r) => (r.action.target as { credentialId?: string }).credentialId === planted.id,
    );
    assert.equal(again?.status, 'awaiting-approval', "what the breach planted waits for a person, as the sweep's did");
    await approve(handle, { approver: 'sam@example.com', actions: [again?.action.id ?? ''] });

    const report = await result(handle);
    assert.equal(statusOf(report, again?.action.id ?? '').status, 'done');
    assert.deepEqual(
      h.entra.application(victimApp.appId)?.federatedIdentityCredentials.map((f) => f.name),
      ['payroll-deploy'],
      "both planted credentials are gone, the owner's stays",
    );
    assert.match(report.watch?.proof ?? '', /not refused/);
    const breach = (h.notifications.received as { text: string }[]).filter((m) =>
      m.text.includes('CONTAINMENT BREACHED'),
    );
    assert.ok(breach.length >= 1, 'the chat says the containment was breached');
  });
});
