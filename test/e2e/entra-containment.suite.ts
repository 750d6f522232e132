import { ClientSecretCredential } from '@azure/identity';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Principal } from '../../domain/principal.js';
import { createEntraActivities, singleTenant } from '../../activities/entra.js';
import { ENTRA_SANDBOX } from '../../simulators/entra/index.js';
import { createEntraClients } from '../../worker/entra-clients.js';
import type { Harness } from '../harness.js';
import { alertAbout, approve, result, settled, statusOf, useSandbox, waitForStatus } from './helpers.js';

const { tenantId, compromisedUser, maliciousApp } = ENTRA_SANDBOX;
const adele: Principal = { type: 'entra.user', tenantId, user: compromisedUser.userPrincipalName };
const mailSync: Principal = { type: 'entra.servicePrincipal', tenantId, appId: maliciousApp.appId };
const USER = compromisedUser.id;
const SP = maliciousApp.servicePrincipalId;

describe('Entra ID user and app containment', () => {
  let h: Harness;
  const playbooks = useSandbox((ready) => (h = ready));

  /** The attacker redeems the stolen refresh token at the token endpoint, as a public client does. */
  const redeemStolenRefreshToken = async () => {
    const response = await fetch(`${h.entra.authorityHost}/${tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: maliciousApp.appId,
        refresh_token: compromisedUser.stolenRefreshToken,
        scope: 'https://graph.microsoft.com/.default offline_access',
      }),
    });
    return { status: response.status, body: (await response.json()) as { error?: string; error_description?: string } };
  };
  /** The attacker's app-only token with the secret it holds, through the real @azure/identity. */
  const attackerAppToken = () =>
    new ClientSecretCredential(tenantId, maliciousApp.appId, maliciousApp.attackerSecret, {
      authorityHost: h.entra.authorityHost,
      disableInstanceDiscovery: true,
    }).getToken('https://graph.microsoft.com/.default');

  it('revokes the user and shuts the malicious app out, each verified; destructive steps after approval', async () => {
    assert.equal((await redeemStolenRefreshToken()).status, 200, 'the stolen refresh token works before');
    assert.ok((await attackerAppToken()).token, "the app's secret works before");

    const redeemedBy = Date.now();
    const handle = playbooks.handle((await h.start(alertAbout([adele, mailSync], 'high'))).workflowId);
    const contained = await waitForStatus(handle, settled);
    // The triage cards: the app by its name, not its GUID, with what users consented to; adele's last sign-in is
    // the attacker's redemption of her refresh token just now.
    const [user, app] = contained.principals.map((p) => p.card);
    assert.equal(user?.name, compromisedUser.userPrincipalName);
    assert.deepEqual(user?.facts.slice(0, 2), ['Adele Vance', 'enabled']);
    assert.equal(user?.lastUsed?.service, 'non-interactive sign-in');
    assert.ok(Date.parse(user?.lastUsed?.at ?? '') >= redeemedBy - 2_000, user?.lastUsed?.at);
    assert.equal(app?.name, 'Mail Sync Pro');
    assert.equal(app?.id, SP);
    assert.match(app?.kind ?? '', /^Entra app \(multi-tenant, home tenant [0-9a-f-]{36}\)$/);
    assert.deepEqual(app?.reach, [
      'Microsoft Graph application: Mail.Read',
      'Microsoft Graph delegated: User.Read — all users (admin consent)',
      'Microsoft Graph delegated: Mail.Read, offline_access — 1 user consented',
    ]);
    assert.equal(statusOf(contained, `entra:revoke-sessions:${USER}`).status, 'done');
    assert.equal(statusOf(contained, `entra:disable-service-principal:${SP}`).status, 'done');
    for (const id of [`entra:disable-user:${USER}`, `entra:remove-credentials:${SP}`, `entra:delete-grants:${SP}`]) {
      assert.equal(statusOf(contained, id).status, 'awaiting-approval');
    }
    // The app is disabled too, so Entra refuses the client before it looks at the token.
    const refused = await redeemStolenRefreshToken();
    assert.equal(refused.status, 400);
    assert.match(refused.body.error_description ?? '', /AADSTS7000112/);
    await assert.rejects(attackerAppToken(), /AADSTS7000112/, 'a disabled app gets no tokens');
    assert.equal(h.entra.mutations().counts.removePassword, undefined, 'nothing destructive before approval');

    await approve(handle, { approver: 'sam@example.com', actions: 'all', reason: 'consent phishing confirmed' });
    const report = await result(handle);
    assert.equal(report.state, 'Contained');
    assert.equal(h.entra.user(USER)?.accountEnabled, false);
    const sp = h.entra.servicePrincipal(SP);
    assert.deepEqual([sp?.accountEnabled, sp?.passwordKeyIds, sp?.certificateKeyIds], [false, [], []]);
    assert.deepEqual(h.entra.grants(SP), []);
    assert.deepEqual(h.entra.appRoleAssignments(SP), []);
    assert.match(statusOf(report, `entra:delete-grants:${SP}`).observed ?? '', /2 consent grant\(s\) and 1 app role/);
    const { counts } = h.entra.mutations();
    assert.deepEqual(
      [
        counts.revokeSignInSessions,
        counts.removePassword,
        counts.deleteOauth2PermissionGrant,
        counts.deleteAppRoleAssignment,
      ],
      [1, 2, 2, 1],
    );
    const risks = report.residualRisks.map((r) => r.risk).join(' ');
    assert.match(risks, /continuous access evaluation/);
    // Disabling the service principal made the home tenant's credentials moot (domain/residual.ts, `unless`).
    assert.doesNotMatch(risks, /can add new ones/);
  });

  it("kills the user's stolen refresh token when only the user is contained", async () => {
    const handle = playbooks.handle((await h.start(alertAbout([adele], 'high'))).workflowId);
    await waitForStatus(handle, settled);
    const refused = await redeemStolenRefreshToken();
    assert.equal(refused.body.error, 'invalid_grant');
    assert.match(refused.body.error_description ?? '', /AADSTS50173/);
  });

  it('changes nothing on a re-run but revoking sessions issued since', async () => {
    const first = playbooks.handle((await h.start(alertAbout([adele, mailSync], 'critical'))).workflowId);
    await waitForStatus(first, (s) => s.state === 'AwaitingApproval' && settled(s));
    await approve(first, { approver: 'sam@example.com', actions: 'all' });
    await result(first);
    const before = h.entra.mutations().counts;

    const second = playbooks.handle((await h.start(alertAbout([adele, mailSync], 'critical'))).workflowId);
    await waitForStatus(second, (s) => s.state === 'AwaitingApproval' && settled(s));
    await approve(second, { approver: 'sam@example.com', actions: 'all' });
    const report = await result(second);
    // A later alert may mean new sessions: each playbook revokes what was issued before its own time.
    assert.deepEqual(
      report.actions.map((r) => [r.action.kind, r.status]),
      [
        ['entra.revokeUserSessions', 'done'],
        ['entra.disableUser', 'already'],
        ['entra.disableServicePrincipal', 'already'],
        ['entra.removeServicePrincipalCredentials', 'already'],
        ['entra.deleteConsentGrants', 'already'],
      ],
    );
    assert.deepEqual(h.entra.mutations().counts, { ...before, revokeSignInSessions: 2 });
  });

  it('revokes once however often the same step is retried (the workflow passes the same time each attempt)', async () => {
    const activities = createEntraActivities(
      singleTenant(
        createEntraClients({ tenantId, authorityHost: h.entra.authorityHost, graphEndpoint: h.entra.graphEndpoint }),
      ),
    );
    const target = {
      tenantId,
      userId: USER,
      userPrincipalName: compromisedUser.userPrincipalName,
      at: new Date().toISOString(),
    };
    assert.equal((await activities.revokeEntraUserSessions(target)).outcome, 'done');
    assert.equal((await activities.revokeEntraUserSessions(target)).outcome, 'already');
    assert.equal(h.entra.mutations().counts.revokeSignInSessions, 1);
  });

  it('waits out a throttled Graph call (429 with Retry-After) and revokes exactly once', async () => {
    h.entra.injectFault({ path: '/users', method: 'POST', status: 429, retryAfterSeconds: 1 });
    const began = Date.now();
    const handle = playbooks.handle((await h.start(alertAbout([adele], 'high'))).workflowId);
    const status = await waitForStatus(handle, settled);
    assert.equal(statusOf(status, `entra:revoke-sessions:${USER}`).status, 'done');
    assert.equal(h.entra.mutations().counts.revokeSignInSessions, 1);
    assert.ok(Date.now() - began >= 1_000, 'waited for Retry-After');
  });

  it('fails a step at once when Graph denies the permission, saying what to grant', async () => {
    h.entra.injectFault({ path: '/users', method: 'POST', status: 403, times: 5 });
    const handle = playbooks.handle((await h.start(alertAbout([adele], 'high'))).workflowId);
    const status = await waitForStatus(handle, settled);
    const revoke = statusOf(status, `entra:revoke-sessions:${USER}`);
    assert.equal(revoke.status, 'failed');
    assert.equal(revoke.error?.type, 'PermissionDeniedError');
    assert.match(
      revoke.error?.message ?? '',
      /Authorization_RequestDenied.*Graph application permission User\.RevokeSessions\.All/s,
    );
  });

  it('fails loudly when a change never takes effect, though acted again', async () => {
    h.entra.injectFault({ path: `/servicePrincipals/${SP}`, method: 'PATCH', lostWrite: true, times: 5 });
    const handle = playbooks.handle((await h.start(alertAbout([mailSync], 'high'))).workflowId);
    const status = await waitForStatus(handle, settled);
    const disable = statusOf(status, `entra:disable-service-principal:${SP}`);
    assert.equal(disable.status, 'failed');
    assert.equal(disable.error?.type, 'VerificationFailed');
    assert.match(disable.error?.message ?? '', /accountEnabled of the service principal is true/);
  });

  it('refuses an alert about another tenant', async () => {
    const other: Principal = {
      type: 'entra.user',
      tenantId: '00000000-0000-0000-0000-000000000001',
      user: 'x@y.example',
    };
    const report = await result(playbooks.handle((await h.start(alertAbout([other], 'high'))).workflowId));
    assert.equal(report.principals[0]?.error?.type, 'InvalidRequestError');
    assert.match(report.principals[0]?.error?.message ?? '', /run a worker with credentials for 00000000/);
  });
});
