import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { EntraSimulator, MutationSummary, PublicState } from './index.js';
import {
  ADELE,
  clientCredentialsGrant,
  graph,
  MAIL_SYNC_PRO,
  MEGAN,
  RESPONDER,
  refreshGrant,
  responderToken,
  startTrustedSimulator,
  TENANT_ID,
} from './test-support.js';

describe('/_sim admin routes and mutation counters', () => {
  let sim: EntraSimulator;
  before(async () => {
    sim = await startTrustedSimulator();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  const get = async <T>(path: string): Promise<T> => (await (await fetch(`${sim.authorityHost}${path}`)).json()) as T;
  const post = (path: string, body?: unknown) =>
    fetch(`${sim.authorityHost}${path}`, { method: 'POST', body: body === undefined ? '' : JSON.stringify(body) });

  it('exposes state without secrets, refresh tokens or private keys', async () => {
    const rotated = String((await refreshGrant(sim, ADELE.stolenRefreshToken)).json.refresh_token);
    const text = await (await fetch(`${sim.authorityHost}/_sim/state`)).text();
    for (const secret of [
      RESPONDER.secret,
      MAIL_SYNC_PRO.attackerSecret.secret,
      MAIL_SYNC_PRO.backupSecret.secret,
      MAIL_SYNC_PRO.homeTenantSecret,
      ADELE.stolenRefreshToken,
      rotated,
    ]) {
      assert.equal(text.includes(secret), false, 'a secret leaked into /_sim/state');
    }
    assert.doesNotMatch(text, /PRIVATE KEY|secretText/);
    const state = JSON.parse(text) as PublicState;
    assert.equal(state.tenant.id, TENANT_ID);
    const msp = state.servicePrincipals.find((sp) => sp.id === MAIL_SYNC_PRO.spId);
    assert.deepEqual(msp?.graphRoles, ['Mail.Read']);
    assert.equal(msp?.homeTenantCredentialCount, 1);
    assert.equal(state.users.find((u) => u.id === ADELE.id)?.refreshTokens.length, 2);
    assert.deepEqual(await get('/_sim/health'), { ok: true, tenantId: TENANT_ID, tenantIds: [TENANT_ID] });
  });

  it('counts each successful write exactly once, token issuance apart, and resets', async () => {
    const token = await responderToken(sim);
    const sp = `/servicePrincipals/${MAIL_SYNC_PRO.spId}`;
    sim.injectFault({ path: '/users', method: 'PATCH', status: 503 });
    const steps: [string, string, unknown, number][] = [
      ['POST', `/users/${ADELE.id}/revokeSignInSessions`, undefined, 200],
      ['PATCH', `/users/${ADELE.id}`, { accountEnabled: false }, 503],
      ['PATCH', `/users/${ADELE.id}`, { accountEnabled: false }, 204],
      ['PATCH', `/users/${MEGAN.id}`, { accountEnabled: true }, 204],
      ['POST', `${sp}/removePassword`, { keyId: MAIL_SYNC_PRO.attackerSecret.keyId }, 204],
      ['POST', `${sp}/removePassword`, { keyId: MAIL_SYNC_PRO.attackerSecret.keyId }, 400],
      ['PATCH', sp, { keyCredentials: [] }, 204],
      ['DELETE', `/oauth2PermissionGrants/${MAIL_SYNC_PRO.adeleGrantId}`, undefined, 204],
      ['DELETE', `${sp}/appRoleAssignments/${MAIL_SYNC_PRO.mailReadAssignmentId}`, undefined, 204],
      ['PATCH', sp, { accountEnabled: false }, 204],
    ];
    for (const [method, path, body, status] of steps) {
      assert.equal((await graph(sim, token, method, path, body)).status, status, `${method} ${path}`);
    }
    await clientCredentialsGrant(sim, MAIL_SYNC_PRO.appId, MAIL_SYNC_PRO.backupSecret.secret);

    const mutations = await get<MutationSummary>('/_sim/mutations');
    assert.deepEqual(mutations.counts, {
      revokeSignInSessions: 1,
      updateUser: 2,
      removePassword: 1,
      updateServicePrincipal: 2,
      deleteOauth2PermissionGrant: 1,
      deleteAppRoleAssignment: 1,
    });
    assert.deepEqual(sim.mutations(), mutations);
    assert.deepEqual(mutations.log.map((m) => m.target).slice(0, 2), [ADELE.id, ADELE.id]);
    assert.deepEqual(mutations.tokens.issued, { client_credentials: 1 });
    assert.deepEqual(mutations.tokens.refused, { AADSTS7000112: 1 });

    assert.equal((await post('/_sim/reset')).status, 200);
    assert.equal(sim.user(ADELE.id)?.accountEnabled, true);
    assert.equal(sim.servicePrincipal(MAIL_SYNC_PRO.spId)?.passwordKeyIds.length, 2);
    assert.deepEqual((await get<MutationSummary>('/_sim/mutations')).counts, {});
  });

  it('injects, lists and clears faults over HTTP, validating the body', async () => {
    assert.equal((await post('/_sim/faults', { path: '/users', status: 418 })).status, 400);
    assert.equal((await post('/_sim/faults', { path: '/users' })).status, 400);
    assert.equal((await post('/_sim/faults', [{ path: '^/v1\\.0/users', status: 429, times: 2 }])).status, 200);
    assert.deepEqual(await get('/_sim/faults'), [
      { fault: { path: '^/v1\\.0/users', status: 429, times: 2 }, remaining: 2 },
    ]);
    const token = await responderToken(sim);
    assert.equal((await graph(sim, token, 'GET', `/users/${ADELE.id}`)).status, 429);
    assert.equal((await fetch(`${sim.authorityHost}/_sim/faults`, { method: 'DELETE' })).status, 200);
    assert.equal((await graph(sim, token, 'GET', `/users/${ADELE.id}`)).status, 200);
  });

  it('resets to a custom seed and reports which field of a bad seed is wrong', async () => {
    const bad = await post('/_sim/reset', {
      tenant: { id: 'nope', name: 'x', displayName: 'x', domains: ['x.example'] },
      users: [],
      servicePrincipals: [],
    });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /tenant\.id: must be a GUID/);
    const custom = await post('/_sim/reset', {
      tenant: {
        id: '0d9f3c4e-2b1a-4c8d-9e7f-6a5b4c3d2e1f',
        name: 'fabrikam',
        displayName: 'Fabrikam',
        domains: ['fabrikam.example'],
      },
      users: [],
      servicePrincipals: [],
    });
    assert.equal(custom.status, 200);
    assert.equal(sim.tenantId, '0d9f3c4e-2b1a-4c8d-9e7f-6a5b4c3d2e1f');
    sim.reset();
    assert.equal(sim.tenantId, TENANT_ID);
  });
});
